import type {AtomClock, WallTime} from '../atom/clock.js'
import type {Queryable, SqlValue} from '../db/database.js'

import {statusName} from './filter.js'
import {inProgressRows} from './stalled.js'
import {TERM_IDS} from './terms.js'

export type StatsBucket = 'day' | 'week'

export interface StatusCounts {
  running: number
  completed: number
  error: number
  unknown: number
}

export interface DurationSummary {
  /** Completed jobs the figures are over. */
  count: number
  p50: number
  p95: number
  max: number
  sum: number
}

export interface ClassStats {
  name: string | null
  jobs: number
  byStatus: StatusCounts
  /** error / (completed + error); null when none finished. */
  failureRate: number | null
  /** Seconds from start to completion of the completed jobs; null when none completed. */
  durationSeconds: DurationSummary | null
  /** Jobs started per day, over the window. */
  perDay: number
  /** Jobs started per bucket (day or week), oldest first, one number per `buckets` entry. */
  series: number[]
  /** The oldest row of the class still in progress (however old: it may predate the window). */
  oldestInProgress: {id: number; startedAt: string; ageSeconds: number} | null
  /** Jobs started in the earlier and the later half of the window. */
  growth: {earlier: number; recent: number; change: number; ratio: number | null}
}

export interface JobsStatsReport {
  since: string
  until: string
  zone: string
  by: StatsBucket
  /** Bucket starts (YYYY-MM-DD, on AtoM's clock; a week starts on Monday). */
  buckets: string[]
  total: {jobs: number; byStatus: StatusCounts; failureRate: number | null; perDay: number}
  classes: ClassStats[]
  /** The classes whose starts grew most from the earlier half of the window to the later one. */
  fastestGrowing: Array<{name: string | null; earlier: number; recent: number; change: number; ratio: number | null}>
  durationMs: number
}

const DAY_MS = 86_400_000

/**
 * The lowest job id that may have started at or after `wall`. Rows are numbered as they are created,
 * so ids follow creation times; a binary search over the primary key (a few dozen indexed look-ups)
 * finds where the window starts, and every query then reads a primary-key range instead of the whole
 * table. The search aims a day early: a clock set back or a DST fall-back puts no row of the window below it
 * (the exact bound is still applied on created_at).
 */
export async function firstIdFrom(db: Queryable, clock: AtomClock, wall: WallTime): Promise<number> {
  const target = clock.wall(clock.instant(wall) - DAY_MS)
  const [{lo, hi}] = await db.rows<{lo: number | null; hi: number | null}>(
    'SELECT MIN(id) AS lo, MAX(id) AS hi FROM job',
  )
  if (lo === null || hi === null) return 0
  let low = Number(lo)
  let high = Number(hi) + 1
  while (low < high) {
    const mid = Math.floor((low + high) / 2)
    const [row] = await db.rows<{id: number; created_at: string}>(
      'SELECT j.id, o.created_at FROM job j JOIN object o ON o.id = j.id WHERE j.id >= ? ORDER BY j.id LIMIT 1',
      [mid],
    )
    if (!row || row.created_at >= target) high = mid
    else low = Number(row.id) + 1
  }

  return low
}

const emptyCounts = (): StatusCounts => ({running: 0, completed: 0, error: 0, unknown: 0})

function failureRate(c: StatusCounts): number | null {
  const finished = c.completed + c.error
  return finished === 0 ? null : c.error / finished
}

/** YYYY-MM-DD of a wall time, and date arithmetic on such days (as UTC dates: no zone can shift them). */
const dayOf = (wall: WallTime) => wall.slice(0, 10)
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
const monday = (day: string) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7))

function bucketList(fromWall: WallTime, toWall: WallTime, by: StatsBucket): string[] {
  const out: string[] = []
  const step = by === 'week' ? 7 : 1
  const last = by === 'week' ? monday(dayOf(toWall)) : dayOf(toWall)
  for (let d = by === 'week' ? monday(dayOf(fromWall)) : dayOf(fromWall); d <= last; d = addDays(d, step)) out.push(d)
  return out
}

/** The class and bucket (a day, or a week's Monday, on AtoM's clock: its rows hold its wall times) of each row. */
const BUCKET_SQL: Record<StatsBucket, string> = {
  day: 'DATE(o.created_at)',
  week: 'DATE(o.created_at) - INTERVAL WEEKDAY(o.created_at) DAY',
}

/**
 * `jobs stats`: per job class over the window, computed in MariaDB on a primary-key range (see
 * firstIdFrom): counts by status and by day or week, the half-window growth, the completed jobs'
 * durations (median and 95th percentile by PERCENTILE_CONT, maximum and sum), and the oldest row
 * still in progress (jobs stalled's query, on the status index). Times are AtoM's wall times:
 * the window and the days are on its clock. A duration is the wall-time difference, so a job that
 * ran across a DST change is off by the change.
 */
export async function jobsStats(
  db: Queryable,
  clock: AtomClock,
  options: {sinceMs: number; by: StatsBucket},
): Promise<JobsStatsReport> {
  const started = Date.now()
  const sinceWall = clock.wallAgo(options.sinceMs)
  const midWall = clock.wallAgo(options.sinceMs / 2)
  const untilWall = clock.now()
  const from = await firstIdFrom(db, clock, sinceWall)
  const where = 'WHERE j.id >= ? AND o.created_at >= ?'
  const windowValues: SqlValue[] = [from, sinceWall]

  // Two scans of the range, concurrently (each on its own connection).
  const [groups, durations, running] = await Promise.all([
    db.rows<{name: string | null; status_id: number | null; bucket: string; n: number; recent: number}>(
      `SELECT j.name, j.status_id, ${BUCKET_SQL[options.by]} AS bucket, COUNT(*) AS n, SUM(o.created_at >= ?) AS recent
         FROM job j JOIN object o ON o.id = j.id ${where}
        GROUP BY j.name, j.status_id, bucket`,
      [midWall, ...windowValues],
    ),
    durationSummaries(db, where, windowValues),
    inProgressRows(db, clock),
  ])

  const buckets = bucketList(sinceWall, untilWall, options.by)
  const index = new Map(buckets.map((b, i) => [b, i]))
  const classes = new Map<string, ClassStats & {recentN: number}>()
  const key = (name: string | null) => name ?? '\u0000'
  const windowDays = options.sinceMs / DAY_MS
  const entry = (name: string | null) => {
    let c = classes.get(key(name))
    if (!c) {
      c = {
        name,
        jobs: 0,
        byStatus: emptyCounts(),
        failureRate: null,
        durationSeconds: null,
        perDay: 0,
        series: buckets.map(() => 0),
        oldestInProgress: null,
        growth: {earlier: 0, recent: 0, change: 0, ratio: null},
        recentN: 0,
      }
      classes.set(key(name), c)
    }

    return c
  }

  for (const g of groups) {
    const c = entry(g.name)
    const n = Number(g.n)
    c.jobs += n
    c.byStatus[statusName(g.status_id === null ? null : Number(g.status_id))] += n
    c.recentN += Number(g.recent)
    const i = index.get(String(g.bucket).slice(0, 10))
    if (i !== undefined) c.series[i] += n
  }

  // A class with a row in progress is shown even when nothing of it started in the window: a zombie
  // from last month is the row that matters most.
  for (const row of running) {
    const c = entry(row.name)
    if (!c.oldestInProgress || row.ageSeconds > c.oldestInProgress.ageSeconds)
      c.oldestInProgress = {id: row.id, startedAt: row.startedAt, ageSeconds: row.ageSeconds}
  }

  const total = {jobs: 0, byStatus: emptyCounts(), failureRate: null as number | null, perDay: 0}
  const out: ClassStats[] = []
  for (const c of classes.values()) {
    const earlier = c.jobs - c.recentN
    const {recentN, ...rest} = c
    out.push({
      ...rest,
      failureRate: failureRate(c.byStatus),
      durationSeconds: durations.get(key(c.name)) ?? null,
      perDay: c.jobs / windowDays,
      growth: {earlier, recent: recentN, change: recentN - earlier, ratio: earlier === 0 ? null : recentN / earlier},
    })
    total.jobs += c.jobs
    for (const s of Object.keys(total.byStatus) as Array<keyof StatusCounts>) total.byStatus[s] += c.byStatus[s]
  }

  total.failureRate = failureRate(total.byStatus)
  total.perDay = total.jobs / windowDays
  out.sort((a, b) => b.jobs - a.jobs || String(a.name).localeCompare(String(b.name)))
  const fastestGrowing = out
    .filter((c) => c.growth.change > 0)
    .sort((a, b) => b.growth.change - a.growth.change || String(a.name).localeCompare(String(b.name)))
    .slice(0, 5)
    .map((c) => ({name: c.name, ...c.growth}))
  return {
    since: clock.iso(sinceWall),
    until: clock.iso(untilWall),
    zone: clock.zone,
    by: options.by,
    buckets,
    total,
    classes: out,
    fastestGrowing,
    durationMs: Date.now() - started,
  }
}

/**
 * The completed jobs' durations per class (start to completion, in seconds), for the rows `where`
 * selects: MariaDB counts them by class and duration (a histogram: one grouped scan), and the median
 * and 95th percentile are read off it exactly as PERCENTILE_CONT computes them (linear between the two
 * nearest ranks). MariaDB's own PERCENTILE_CONT, a window function, sorts every row per class: about
 * three times slower at 500,000 rows (measured for bench/jobs-stats.ts).
 */
export async function durationSummaries(
  db: Queryable,
  where: string,
  values: SqlValue[],
): Promise<Map<string, DurationSummary>> {
  const rows = await db.rows<{name: string | null; d: number; n: number}>(
    `SELECT j.name, TIMESTAMPDIFF(SECOND, o.created_at, j.completed_at) AS d, COUNT(*) AS n
       FROM job j JOIN object o ON o.id = j.id ${where} AND j.status_id = ${TERM_IDS.completed} AND j.completed_at IS NOT NULL
      GROUP BY j.name, d ORDER BY j.name, d`,
    values,
  )
  const byClass = new Map<string, Array<[number, number]>>()
  for (const r of rows) {
    const k = r.name ?? '\u0000'
    const list = byClass.get(k) ?? []
    list.push([Number(r.d), Number(r.n)])
    byClass.set(k, list)
  }

  const out = new Map<string, DurationSummary>()
  for (const [k, histogram] of byClass) {
    const count = histogram.reduce((a, [, n]) => a + n, 0)
    out.set(k, {
      count,
      p50: percentile(histogram, count, 0.5),
      p95: percentile(histogram, count, 0.95),
      max: histogram[histogram.length - 1][0],
      sum: histogram.reduce((a, [d, n]) => a + d * n, 0),
    })
  }

  return out
}

/** PERCENTILE_CONT(p) over the values a sorted histogram ([value, count], ascending) stands for. */
export function percentile(histogram: Array<[number, number]>, count: number, p: number): number {
  const position = p * (count - 1)
  const below = Math.floor(position)
  const valueAt = (rank: number): number => {
    let seen = 0
    for (const [value, n] of histogram) {
      seen += n
      if (rank < seen) return value
    }

    return histogram[histogram.length - 1][0]
  }

  const low = valueAt(below)
  return low + (position - below) * (valueAt(Math.min(below + 1, count - 1)) - low)
}
