import type {AtomClock} from '../atom/clock.js'
import type {Database, Queryable, SqlValue} from '../db/database.js'

import {UsageError} from '../errors.js'
import {groupBy} from '../util/group.js'
import {nearest} from '../util/nearest.js'
import {fixTimes, type JobFilter, type JobStatusName, statusName, whereSql} from './filter.js'
import {idRange} from './ids.js'
import {TERM_IDS} from './terms.js'

/** One job as `jobs list` and `jobs export` show it. */
export interface JobSummary {
  id: number
  name: string | null
  status: JobStatusName | 'unknown'
  statusId: number | null
  userId: number | null
  /** The username, or null for a job started from the command line. */
  user: string | null
  /** When AtoM created the row, ISO 8601 with AtoM's offset (its rows hold wall times in AtoM's zone). */
  startedAt: string
  completedAt: string | null
  /** Seconds from start to completion, or to now while in progress (its age), on AtoM's clock. */
  seconds: number | null
  objectId: number | null
  /** The related description or actor: its slug when it has one, else its class and id. */
  related: string | null
  downloadPath: string | null
}

export const SORT_FIELDS = {
  id: 'j.id',
  name: 'j.name',
  status: 'j.status_id',
  user: 'u.username',
  started: 'o.created_at',
  completed: 'j.completed_at',
  duration: 'seconds',
} as const
export type SortField = keyof typeof SORT_FIELDS

export interface JobSort {
  field: SortField
  descending: boolean
}

/** `--sort started` (oldest first), `--sort -started` (newest first); the tie-breaker is the id. */
export function parseSort(text: string | undefined): JobSort {
  if (text === undefined || text === '') return {field: 'id', descending: true}
  const t = text.trim().toLowerCase()
  const descending = t.startsWith('-') || t.endsWith(':desc')
  const field = t.replace(/^[-+]/, '').replace(/:(asc|desc)$/, '')
  const alias: Record<string, SortField> = {
    created: 'started',
    start: 'started',
    age: 'started',
    end: 'completed',
    finished: 'completed',
    username: 'user',
  }
  const f = (alias[field] ?? field) as SortField
  if (!(f in SORT_FIELDS)) {
    throw new UsageError(
      `--sort "${text}" is not a column to sort by`,
      `Use one of ${Object.keys(SORT_FIELDS).join(', ')}; prefix with - for descending (--sort -started).`,
    )
  }

  return {field: f, descending}
}

/** The summary columns; the one placeholder is AtoM's wall-clock now (for sorting by duration in SQL). */
const SUMMARY_COLUMNS = `j.id, j.name, j.status_id, j.user_id, u.username, o.created_at, j.completed_at, j.object_id, j.download_path,
  TIMESTAMPDIFF(SECOND, o.created_at, COALESCE(j.completed_at, ?)) AS seconds,
  (SELECT s.slug FROM slug s WHERE s.object_id = j.object_id LIMIT 1) AS related_slug,
  (SELECT ro.class_name FROM object ro WHERE ro.id = j.object_id) AS related_class`

const FROM = 'FROM job j JOIN object o ON o.id = j.id LEFT JOIN user u ON u.id = j.user_id'

interface SummaryRow {
  id: number
  name: string | null
  status_id: number | null
  user_id: number | null
  username: string | null
  created_at: string
  completed_at: string | null
  object_id: number | null
  download_path: string | null
  seconds: number | null
  related_slug: string | null
  related_class: string | null
}

function toSummary(r: SummaryRow, clock: AtomClock): JobSummary {
  return {
    id: Number(r.id),
    name: r.name,
    status: statusName(r.status_id === null ? null : Number(r.status_id)),
    statusId: r.status_id === null ? null : Number(r.status_id),
    userId: r.user_id === null ? null : Number(r.user_id),
    user: r.username ?? null,
    startedAt: clock.iso(r.created_at),
    completedAt: r.completed_at === null ? null : clock.iso(r.completed_at),
    // Exact across DST changes (the SQL figure only orders rows).
    seconds: clock.secondsBetween(r.created_at, r.completed_at),
    objectId: r.object_id === null ? null : Number(r.object_id),
    related: r.object_id === null ? null : (r.related_slug ?? `${r.related_class ?? 'object'} #${r.object_id}`),
    downloadPath: r.download_path,
  }
}

export interface ListOptions {
  filter: JobFilter
  sort?: JobSort
  /** 0: no limit. */
  limit?: number
  /** The install's job classes (worker_types), beside those in the job table, for telling a misspelt --name from a class with no jobs. */
  knownClasses?: string[]
}

export interface JobList {
  filter: JobFilter
  sort: JobSort
  limit: number
  /** How many rows match (the list may be cut by the limit). */
  total: number
  jobs: JobSummary[]
  /** When nothing matches: the filter values that name nothing at all (no such user, no job class like it). */
  unknown?: string[]
}

/** The rows of `jobs list`: every filter combined with AND, sorted, limited; and how many match in all. */
export async function listJobs(db: Database, clock: AtomClock, options: ListOptions): Promise<JobList> {
  const sort = options.sort ?? {field: 'id', descending: true}
  const limit = options.limit ?? 100
  const where = whereSql(fixTimes(options.filter, clock))
  const dir = sort.descending ? 'DESC' : 'ASC'
  const nulls =
    sort.field === 'completed' || sort.field === 'user'
      ? `${SORT_FIELDS[sort.field]} IS NULL ${sort.descending ? 'DESC' : 'ASC'}, `
      : ''
  const order = `ORDER BY ${nulls}${SORT_FIELDS[sort.field]} ${dir}, j.id ${dir}`
  const limitSql = limit > 0 ? 'LIMIT ?' : ''
  const values: SqlValue[] = [clock.now(), ...where.values, ...(limit > 0 ? [String(limit)] : [])]
  const rows = await db.rows<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} ${FROM} ${where.sql} ${order} ${limitSql}`, values)
  const [{n}] = await db.rows<{n: number}>(
    `SELECT COUNT(*) AS n FROM job j JOIN object o ON o.id = j.id ${where.sql}`,
    where.values,
  )
  const total = Number(n)
  const unknown = total === 0 ? await unknownFilterValues(db, options.filter, options.knownClasses ?? []) : []
  return {
    filter: options.filter,
    sort,
    limit,
    total,
    jobs: rows.map((r) => toSummary(r, clock)),
    ...(unknown.length > 0 && {unknown}),
  }
}

const NO_USER = /^(none|null|cli|-)$/i
const SHOWN_CLASSES = 12

/**
 * The values of a filter that name nothing, so an empty result is not mistaken for "no jobs of that
 * user/class": a --user with no such account, a --name no job row and no class of the install has
 * (case-insensitive, * a wildcard), each with the nearest real name.
 */
export async function unknownFilterValues(
  db: Queryable,
  filter: JobFilter,
  installClasses: string[],
): Promise<string[]> {
  const out: string[] = []
  const user = filter.user?.trim()
  if (user !== undefined && !NO_USER.test(user)) {
    const numeric = /^\d{1,10}$/.test(user)
    const hit = await db.rows(
      'SELECT id FROM user WHERE username = ?' + (numeric ? ' OR id = ?' : '') + ' LIMIT 1',
      numeric ? [user, Number(user)] : [user],
    )
    if (hit.length === 0) {
      const names = (
        await db.rows<{username: string}>(
          'SELECT username FROM user WHERE username IS NOT NULL ORDER BY id LIMIT 10000',
        )
      ).map((r) => r.username)
      const guess = nearest(user, names)
      out.push(`no user ${numeric ? 'with id or name' : 'named'} ${user}${guess ? ` (did you mean ${guess}?)` : ''}`)
    }
  }

  if (filter.names?.length) {
    const inTable = (await db.rows<{name: string}>('SELECT DISTINCT name FROM job WHERE name IS NOT NULL')).map(
      (r) => r.name,
    )
    const known = [...new Set([...installClasses, ...inTable])].sort()
    for (const name of filter.names) {
      const pattern = new RegExp(
        `^${name.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*')}$`,
        'i',
      )
      if (known.some((k) => pattern.test(k))) continue
      const guess = name.includes('*') ? undefined : nearest(name, known)
      const list =
        known.length === 0
          ? 'no job has a class yet'
          : `known classes: ${known.slice(0, SHOWN_CLASSES).join(', ')}${known.length > SHOWN_CLASSES ? ` and ${known.length - SHOWN_CLASSES} more` : ''}`
      out.push(`no job class like ${name}${guess ? ` (did you mean ${guess}?)` : ''}; ${list}`)
    }
  }

  return out
}

/**
 * The jobs matching a filter in id order, a page at a time (keyset pagination on the primary key:
 * memory stays flat however many rows there are). `maxId` bounds the walk to rows that existed at a snapshot.
 */
export async function* jobPages(
  db: Queryable,
  clock: AtomClock,
  filter: JobFilter,
  options: {pageSize?: number; maxId?: number} = {},
): AsyncGenerator<JobSummary[]> {
  const pageSize = options.pageSize ?? 2000
  let after = 0
  for (;;) {
    const extra = ['j.id > ?']
    const extraValues: SqlValue[] = [after]
    if (options.maxId !== undefined) {
      extra.push('j.id <= ?')
      extraValues.push(options.maxId)
    }

    const where = whereSql(fixTimes(filter, clock), extra, extraValues)
    const rows = await db.rows<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} ${FROM} ${where.sql} ORDER BY j.id LIMIT ?`, [
      clock.now(),
      ...where.values,
      String(pageSize),
    ])
    if (rows.length === 0) return
    yield rows.map((r) => toSummary(r, clock))
    after = Number(rows[rows.length - 1].id)
    if (rows.length < pageSize) return
  }
}

export interface JobNote {
  id: number
  typeId: number | null
  type: 'error' | 'general' | 'other'
  userId: number | null
  culture: string | null
  content: string | null
}

export interface JobProperty {
  id: number
  name: string | null
  scope: string | null
  culture: string | null
  value: string | null
}

/** Notes of these jobs (one indexed range read), grouped by job id. */
export async function notesFor(db: Queryable, ids: number[]): Promise<Map<number, JobNote[]>> {
  if (ids.length === 0) return new Map()
  const range = idRange('n.object_id', ids)
  const rows = await db.rows<{
    object_id: number
    id: number
    type_id: number | null
    user_id: number | null
    culture: string | null
    content: string | null
  }>(
    `SELECT n.object_id, n.id, n.type_id, n.user_id, ni.culture, ni.content
       FROM note n LEFT JOIN note_i18n ni ON ni.id = n.id AND ni.culture = n.source_culture
      WHERE ${range.sql} ORDER BY n.object_id, n.id`,
    range.values,
  )
  return groupBy(
    onlyJobs(rows, ids),
    (r) => Number(r.object_id),
    (r): JobNote => {
      const typeId = r.type_id === null ? null : Number(r.type_id)
      return {
        id: Number(r.id),
        typeId,
        type: typeId === TERM_IDS.errorNote ? 'error' : typeId === TERM_IDS.generalNote ? 'general' : 'other',
        userId: r.user_id === null ? null : Number(r.user_id),
        culture: r.culture,
        content: r.content,
      }
    },
  )
}

/** Properties of these jobs (one indexed range read), grouped by job id. */
export async function propertiesFor(db: Queryable, ids: number[]): Promise<Map<number, JobProperty[]>> {
  if (ids.length === 0) return new Map()
  const range = idRange('p.object_id', ids)
  const rows = await db.rows<{
    object_id: number
    id: number
    name: string | null
    scope: string | null
    culture: string | null
    value: string | null
  }>(
    `SELECT p.object_id, p.id, p.name, p.scope, pi.culture, pi.value
       FROM property p LEFT JOIN property_i18n pi ON pi.id = p.id AND pi.culture = p.source_culture
      WHERE ${range.sql} ORDER BY p.object_id, p.id`,
    range.values,
  )
  return groupBy(
    onlyJobs(rows, ids),
    (r) => Number(r.object_id),
    (r): JobProperty => ({id: Number(r.id), name: r.name, scope: r.scope, culture: r.culture, value: r.value}),
  )
}

/** idRange may read a wider range than asked: keep the rows of the jobs asked for. */
function onlyJobs<R extends {object_id: number}>(rows: R[], ids: number[]): R[] {
  const wanted = new Set(ids)
  return rows.filter((r) => wanted.has(Number(r.object_id)))
}

/** One job with everything about it in MySQL, or undefined when there is no such job. */
export async function loadJob(
  db: Queryable,
  clock: AtomClock,
  id: number,
): Promise<(JobSummary & {output: string | null; notes: JobNote[]; properties: JobProperty[]}) | undefined> {
  const rows = await db.rows<SummaryRow & {output: string | null}>(
    `SELECT ${SUMMARY_COLUMNS}, j.output ${FROM} WHERE j.id = ?`,
    [clock.now(), id],
  )
  if (rows.length === 0) return undefined
  const notes = await notesFor(db, [id])
  const properties = await propertiesFor(db, [id])
  return {
    ...toSummary(rows[0], clock),
    output: rows[0].output,
    notes: notes.get(id) ?? [],
    properties: properties.get(id) ?? [],
  }
}
