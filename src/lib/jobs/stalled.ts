import type {AtomClock} from '../atom/clock.js'
import type {Queryable} from '../db/database.js'

import {describeError} from '../errors.js'
import {type GearmanPicture, gearmanPicture, type GearmanScope, type ServerAnswer} from './gearman.js'
import {TERM_IDS} from './terms.js'

/** Job classes AtoM runs one at a time: each waits until it is the oldest in-progress row of these. */
export const SERIALISED_CLASSES = ['arObjectMoveJob', 'arFileImportJob'] as const

export type StalledState = 'waiting' | 'running' | 'zombie' | 'blocked' | 'unknown'

export interface InProgressJob {
  id: number
  name: string | null
  user: string | null
  startedAt: string
  ageSeconds: number
  function: string
  state: StalledState
  /** What Gearman's counts say for this row on their own (before the blocked check). */
  gearman: 'waiting' | 'running' | 'zombie' | 'unknown'
  /** For blocked rows: the older in-progress move or import it waits behind. */
  blockedBy?: number
  reason: string
}

export interface StalledReport {
  olderThanSeconds: number
  servers: ServerAnswer[]
  /** Every in-progress row, classified. */
  inProgress: number
  /** The in-progress rows older than the threshold. */
  stalled: InProgressJob[]
  counts: Record<StalledState, number>
  /** Zombies or blocked rows exist: worth an operator's attention (exit 1). */
  problems: boolean
  note: string
}

export const MATCHING_NOTE =
  'Gearman counts jobs per function, not per row: for each job class the newest in-progress rows are matched to the queued jobs, the next ones to the running jobs, and the rest are zombies.'

/** An in-progress row as classify() takes it: times on AtoM's clock. */
export interface InProgressRow {
  id: number
  name: string | null
  user: string | null
  /** ISO 8601 with AtoM's offset. */
  startedAt: string
  ageSeconds: number
}

/**
 * Every in-progress row (of one class when `name` is given), oldest first, aged on AtoM's clock: the
 * one query behind jobs stalled, jobs kill, jobs clear's plan, doctor and metrics.
 */
export async function inProgressRows(
  db: Queryable,
  clock: AtomClock,
  options: {name?: string | null} = {},
): Promise<InProgressRow[]> {
  const byName = options.name !== undefined
  const rows = await db.rows<{id: number; name: string | null; username: string | null; created_at: string}>(
    `SELECT j.id, j.name, u.username, o.created_at
       FROM job j JOIN object o ON o.id = j.id LEFT JOIN user u ON u.id = j.user_id
      WHERE j.status_id = ?${byName ? ' AND j.name <=> ?' : ''} ORDER BY o.created_at, j.id`,
    byName ? [TERM_IDS.inProgress, options.name ?? null] : [TERM_IDS.inProgress],
  )
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    user: r.username,
    startedAt: clock.iso(r.created_at),
    ageSeconds: clock.ageSeconds(r.created_at),
  }))
}

/**
 * Classifies in-progress rows against Gearman (pure: rows and a picture in, states out).
 * Per class, rows are matched newest first to the function's waiting jobs, then its running jobs
 * (gearmand works FIFO, so a live job is newer than a dead one); the rest are zombies. A move or
 * file import with an older in-progress move or import is blocked behind it.
 */
export function classify(rows: InProgressRow[], picture: GearmanPicture, prefix: string): InProgressJob[] {
  const anyFailed = picture.servers.some((s) => !s.ok)
  const byClass = new Map<string, typeof rows>()
  for (const r of rows) {
    const key = r.name ?? ''
    const list = byClass.get(key) ?? []
    list.push(r)
    byClass.set(key, list)
  }

  const out = new Map<number, InProgressJob>()
  for (const [name, list] of byClass) {
    const fn = prefix + name
    const f = picture.functions.get(fn)
    let waiting = f?.waiting ?? 0
    let running = f?.running ?? 0
    // By age, not by the time text: an offset changes at DST, the age does not.
    const newestFirst = [...list].sort((a, b) => a.ageSeconds - b.ageSeconds || b.id - a.id)
    for (const r of newestFirst) {
      let gearman: InProgressJob['gearman']
      let reason: string
      if (picture.answered === 0) {
        gearman = 'unknown'
        reason = 'no Gearman server answered'
      } else if (waiting > 0) {
        waiting--
        gearman = 'waiting'
        reason = `queued for ${fn}, ${f?.workers ?? 0} worker(s) registered`
      } else if (running > 0) {
        running--
        gearman = 'running'
        reason = `a worker is busy on ${fn}`
      } else if (anyFailed) {
        gearman = 'unknown'
        reason = `nothing queued or running for it on the servers that answered; ${picture.servers
          .filter((s) => !s.ok)
          .map((s) => s.server)
          .join(', ')} did not answer`
      } else {
        gearman = 'zombie'
        reason = f
          ? `nothing queued or running for ${fn} matches this row${f.cancelled ? ` (${f.cancelled} queued job${f.cancelled === 1 ? ' was' : 's were'} cancelled: a worker discards ${f.cancelled === 1 ? 'it' : 'them'})` : ''}`
          : `no Gearman server knows ${fn}`
      }

      out.set(r.id, {
        id: r.id,
        name: r.name,
        user: r.user,
        startedAt: r.startedAt,
        ageSeconds: r.ageSeconds,
        function: fn,
        state: gearman,
        gearman,
        reason,
      })
    }
  }

  const serial = rows.filter((r) => (SERIALISED_CLASSES as readonly string[]).includes(r.name ?? ''))
  const oldest = [...serial].sort((a, b) => b.ageSeconds - a.ageSeconds || a.id - b.id)[0]
  for (const r of serial) {
    if (r.id === oldest.id) continue
    const job = out.get(r.id)!
    const head = out.get(oldest.id)!
    job.state = 'blocked'
    job.blockedBy = oldest.id
    job.reason = `waits behind older in-progress ${oldest.name} #${oldest.id} (${head.state}); AtoM runs moves and file imports one at a time`
  }

  return rows.map((r) => out.get(r.id)!)
}

/**
 * The in-progress rows older than the threshold, each classified as waiting, running, zombie,
 * blocked or unknown (a server did not answer). The library function behind `jobs stalled`, for
 * `doctor` too.
 */
export async function findStalled(
  db: Queryable,
  clock: AtomClock,
  scope: GearmanScope,
  options: {olderThanMs: number},
): Promise<StalledReport> {
  const rows = await inProgressRows(db, clock)
  let picture: GearmanPicture
  try {
    // With the jobs held, so that cancelled ones are not taken for waiting ones.
    picture = await gearmanPicture(scope, {jobs: true})
  } catch (error) {
    picture = {
      servers: scope.servers.map((s) => ({server: `${s.host}:${s.port}`, ok: false, error: describeError(error)})),
      functions: new Map(),
      perServer: [],
      answered: 0,
    }
  }

  const classified = classify(rows, picture, scope.prefix)
  const threshold = Math.floor(options.olderThanMs / 1000)
  const stalled = classified.filter((j) => j.ageSeconds >= threshold)
  const counts: Record<StalledState, number> = {waiting: 0, running: 0, zombie: 0, blocked: 0, unknown: 0}
  for (const j of stalled) counts[j.state]++
  return {
    olderThanSeconds: threshold,
    servers: picture.servers,
    inProgress: rows.length,
    stalled,
    counts,
    problems: counts.zombie > 0 || counts.blocked > 0,
    note: MATCHING_NOTE,
  }
}

/** In progress longer than this is stalled unless Gearman shows it waiting or running (`jobs stalled`'s default). */
export const STALLED_AFTER_MS = 3_600_000

export interface StalledSummary {
  inProgress: number
  oldestInProgressSeconds: number
  /** Zombie and blocked rows in progress longer than STALLED_AFTER_MS. */
  zombies: InProgressJob[]
  blocked: InProgressJob[]
}

/** The figures doctor and metrics report: every in-progress row classified once, the stalled ones picked out. */
export async function stalledSummary(db: Queryable, clock: AtomClock, scope: GearmanScope): Promise<StalledSummary> {
  const all = await findStalled(db, clock, scope, {olderThanMs: 0})
  const old = all.stalled.filter((j) => j.ageSeconds * 1000 >= STALLED_AFTER_MS)
  return {
    inProgress: all.inProgress,
    oldestInProgressSeconds: all.stalled.reduce((max, j) => Math.max(max, j.ageSeconds), 0),
    zombies: old.filter((j) => j.state === 'zombie'),
    blocked: old.filter((j) => j.state === 'blocked'),
  }
}
