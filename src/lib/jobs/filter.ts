import type {AtomClock, WallTime} from '../atom/clock.js'
import type {SqlValue} from '../db/database.js'

import {UsageError} from '../errors.js'
import {TERM_IDS} from './terms.js'

export const STATUS_NAMES = ['running', 'completed', 'error'] as const
export type JobStatusName = (typeof STATUS_NAMES)[number]

export const STATUS_ID: Record<JobStatusName, number> = {
  running: TERM_IDS.inProgress,
  completed: TERM_IDS.completed,
  error: TERM_IDS.error,
}

/** AtoM's own words for a status id (its UI and CSV export say Running, Completed, Error). */
export function statusName(statusId: number | null): JobStatusName | 'unknown' {
  if (statusId === TERM_IDS.inProgress) return 'running'
  if (statusId === TERM_IDS.completed) return 'completed'
  if (statusId === TERM_IDS.error) return 'error'
  return 'unknown'
}

export function statusLabel(statusId: number | null): string {
  const n = statusName(statusId)
  return n === 'running' ? 'Running' : n === 'completed' ? 'Completed' : n === 'error' ? 'Error' : 'Unknown'
}

/** Which job rows a command works on; every field narrows (AND), repeated values widen (OR). */
export interface JobFilter {
  statuses?: JobStatusName[]
  /** Everything not in progress (AtoM's "Clear inactive jobs"). */
  inactive?: boolean
  /** Job class names (`arFindingAidJob`), case-insensitive; `*` is a wildcard. */
  names?: string[]
  /** A username, a user id, or `none` for jobs started from the command line (no user). */
  user?: string
  olderThanMs?: number
  newerThanMs?: number
  /**
   * The same bounds as AtoM wall times (fixTimes): a command resolves them once, so a filter means
   * the same rows however long the command runs.
   */
  startedBefore?: WallTime
  startedSince?: WallTime
}

/** Turns "older/newer than a duration" into fixed wall times on AtoM's clock (the one its rows were written with). */
export function fixTimes(filter: JobFilter, clock: AtomClock): JobFilter {
  const out: JobFilter = {...filter}
  // Once fixed, they stay: a second call (count, then export) must select the same rows.
  if (filter.olderThanMs !== undefined && filter.startedBefore === undefined)
    out.startedBefore = clock.wallAgo(filter.olderThanMs)
  if (filter.newerThanMs !== undefined && filter.startedSince === undefined)
    out.startedSince = clock.wallAgo(filter.newerThanMs)
  return out
}

/** Validates typed status names (so `--status runing` is a usage error, not an empty result). */
export function parseStatuses(values: string[] | undefined, flag = '--status'): JobStatusName[] | undefined {
  if (!values || values.length === 0) return undefined
  const out: JobStatusName[] = []
  for (const raw of values.flatMap((v) => v.split(','))) {
    const v = raw.trim().toLowerCase()
    const alias = v === 'failed' || v === 'failure' ? 'error' : v === 'in-progress' || v === 'active' ? 'running' : v
    if (!(STATUS_NAMES as readonly string[]).includes(alias)) {
      throw new UsageError(`${flag} "${raw}" is not a job status`, `Use one of: ${STATUS_NAMES.join(', ')}.`)
    }

    if (!out.includes(alias as JobStatusName)) out.push(alias as JobStatusName)
  }

  return out
}

export function parseNames(values: string[] | undefined): string[] | undefined {
  if (!values || values.length === 0) return undefined
  const names = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
  for (const n of names) {
    if (n.length > 255)
      throw new UsageError(
        `--name "${n.slice(0, 40)}..." is longer than a job name can be`,
        'Job names are class names such as arFindingAidJob.',
      )
  }

  return names.length > 0 ? names : undefined
}

function likePattern(glob: string): string {
  return glob.replaceAll(/[\\%_]/g, (c) => '\\' + c).replaceAll('*', '%')
}

/**
 * The WHERE conditions of a filter over `job j JOIN object o ON o.id = j.id`, as SQL text with `?`
 * placeholders and the values apart. Times are compared as AtoM's wall times (fixTimes), never with
 * the database's NOW(): AtoM writes its rows with PHP's clock, in its own timezone.
 */
export function filterConditions(filter: JobFilter): {conditions: string[]; values: SqlValue[]} {
  const conditions: string[] = []
  const values: SqlValue[] = []
  if (filter.statuses?.length) {
    conditions.push(`j.status_id IN (${filter.statuses.map(() => '?').join(', ')})`)
    values.push(...filter.statuses.map((s) => STATUS_ID[s]))
  }

  if (filter.inactive) {
    conditions.push('(j.status_id IS NULL OR j.status_id <> ?)')
    values.push(TERM_IDS.inProgress)
  }

  if (filter.names?.length) {
    conditions.push(
      `(${filter.names.map((n) => (n.includes('*') ? String.raw`j.name LIKE ? ESCAPE '\\'` : 'j.name = ?')).join(' OR ')})`,
    )
    values.push(...filter.names.map((n) => (n.includes('*') ? likePattern(n) : n)))
  }

  if (filter.user !== undefined) {
    const u = filter.user.trim()
    if (/^(none|null|cli|-)$/i.test(u)) {
      conditions.push('j.user_id IS NULL')
    } else if (/^\d{1,10}$/.test(u)) {
      conditions.push('(j.user_id = ? OR j.user_id IN (SELECT uu.id FROM user uu WHERE uu.username = ?))')
      values.push(Number(u), u)
    } else {
      conditions.push('j.user_id IN (SELECT uu.id FROM user uu WHERE uu.username = ?)')
      values.push(u)
    }
  }

  if (
    (filter.olderThanMs !== undefined && filter.startedBefore === undefined) ||
    (filter.newerThanMs !== undefined && filter.startedSince === undefined)
  ) {
    throw new Error('a filter with durations must go through fixTimes before it reaches SQL')
  }

  if (filter.startedBefore !== undefined) {
    conditions.push('o.created_at < ?')
    values.push(filter.startedBefore)
  }

  if (filter.startedSince !== undefined) {
    conditions.push('o.created_at >= ?')
    values.push(filter.startedSince)
  }

  return {conditions, values}
}

export function whereSql(
  filter: JobFilter,
  extra: string[] = [],
  extraValues: SqlValue[] = [],
): {sql: string; values: SqlValue[]} {
  const {conditions, values} = filterConditions(filter)
  const all = [...conditions, ...extra]
  return {sql: all.length > 0 ? `WHERE ${all.join(' AND ')}` : '', values: [...values, ...extraValues]}
}

/** A short human description of a filter, for summaries and the audit record. */
export function describeFilter(filter: JobFilter): string {
  const parts: string[] = []
  if (filter.statuses?.length) parts.push(`status ${filter.statuses.join('|')}`)
  if (filter.inactive) parts.push('not in progress')
  if (filter.names?.length) parts.push(`name ${filter.names.join('|')}`)
  if (filter.user !== undefined) parts.push(`user ${filter.user}`)
  if (filter.olderThanMs !== undefined) parts.push(`older than ${Math.floor(filter.olderThanMs / 1000)}s`)
  if (filter.newerThanMs !== undefined) parts.push(`newer than ${Math.floor(filter.newerThanMs / 1000)}s`)
  return parts.length > 0 ? parts.join(', ') : 'all jobs'
}
