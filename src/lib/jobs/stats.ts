import type {AtomClock, WallTime} from '../atom/clock.js'
import type {Queryable, SqlValue} from '../db/database.js'
import {inProgressRows} from './stalled.js'
import {statusName} from './filter.js'
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
  const [{lo, hi}] = await db.rows<{lo: number | null; hi: number | null}>('SELECT MIN(id) AS lo, MAX(id) AS hi FROM job')
  if (lo === null || hi === null) return 0
  let low = Number(lo)
  let high = Number(hi) + 1
  while (low < high) {
    const mid = Math.floor((low + high) / 2)
    const [row] = await db.rows<{id: number; created_at: string}>('SELECT j.id, o.created_at FROM job j JOIN object o ON o.id = j.id WHERE j.id >= ? ORDER BY j.id LIMIT 1', [mid])
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
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
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
export async function jobsStats(db: Queryable, clock: AtomClock, options: {sinceMs: number; by: StatsBucket}): Promise<JobsStatsReport> {
  const started = Date.now()
  const sinceWall = clock.wallAgo(options.sinceMs)
  const midWall = clock.wallAgo(options.sinceMs / 2)
  const untilWall = clock.now()
  const from = await firstIdFrom(db, clock, sinceWall)
  const where = 'WHERE j.id >= ? AND o.created_at >= ?'
  const windowValues: SqlValue[] = [from, sinceWall]

  const [groups, percentiles, running] = await Promise.all([
    db.rows<{name: string | null; status_id: number | null; bucket: string; n: number; recent: number; completed_n: number; max_s: number | null; sum_s: number | null}>(
      `SELECT j.name, j.status_id, ${BUCKET_SQL[options.by]} AS bucket, COUNT(*) AS n, SUM(o.created_at >= ?) AS recent,
              SUM(j.status_id = ${TERM_IDS.completed} AND j.completed_at IS NOT NULL) AS completed_n,
              MAX(CASE WHEN j.status_id = ${TERM_IDS.completed} THEN TIMESTAMPDIFF(SECOND, o.created_at, j.completed_at) END) AS max_s,
              SUM(CASE WHEN j.status_id = ${TERM_IDS.completed} THEN TIMESTAMPDIFF(SECOND, o.created_at, j.completed_at) END) AS sum_s
         FROM job j JOIN object o ON o.id = j.id ${where}
        GROUP BY j.name, j.status_id, bucket`,
      [midWall, ...windowValues],
    ),
    jobDurationPercentiles(db, where, windowValues),
    inProgressRows(db, clock),
  ])

  const buckets = bucketList(sinceWall, untilWall, options.by)
  const index = new Map(buckets.map((b, i) => [b, i]))
  const classes = new Map<string, ClassStats & {recentN: number; completedN: number; maxS: number | null; sumS: number}>()
  const key = (name: string | null) => name ?? '\u0000'
  const windowDays = options.sinceMs / DAY_MS
  const entry = (name: string | null) => {
    let c = classes.get(key(name))
    if (!c) {
      c = {name, jobs: 0, byStatus: emptyCounts(), failureRate: null, durationSeconds: null, perDay: 0, series: buckets.map(() => 0), oldestInProgress: null, growth: {earlier: 0, recent: 0, change: 0, ratio: null}, recentN: 0, completedN: 0, maxS: null, sumS: 0}
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
    c.completedN += Number(g.completed_n)
    if (g.max_s !== null) c.maxS = Math.max(c.maxS ?? 0, Number(g.max_s))
    c.sumS += Number(g.sum_s ?? 0)
    const i = index.get(String(g.bucket).slice(0, 10))
    if (i !== undefined) c.series[i] += n
  }
  // A class with a row in progress is shown even when nothing of it started in the window: a zombie
  // from last month is the row that matters most.
  for (const row of running) {
    const c = entry(row.name)
    if ((!c.oldestInProgress || row.ageSeconds > c.oldestInProgress.ageSeconds)) c.oldestInProgress = {id: row.id, startedAt: row.startedAt, ageSeconds: row.ageSeconds}
  }
  const total = {jobs: 0, byStatus: emptyCounts(), failureRate: null as number | null, perDay: 0}
  const out: ClassStats[] = []
  for (const c of classes.values()) {
    const p = percentiles.get(key(c.name))
    const earlier = c.jobs - c.recentN
    const {recentN, completedN, maxS, sumS, ...rest} = c
    out.push({
      ...rest,
      failureRate: failureRate(c.byStatus),
      durationSeconds: completedN > 0 && maxS !== null ? {count: completedN, p50: p?.p50 ?? 0, p95: p?.p95 ?? 0, max: maxS, sum: sumS} : null,
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
  return {since: clock.iso(sinceWall), until: clock.iso(untilWall), zone: clock.zone, by: options.by, buckets, total, classes: out, fastestGrowing, durationMs: Date.now() - started}
}

/**
 * Median and 95th percentile of the completed jobs' durations per class, in MariaDB (PERCENTILE_CONT
 * over each class's rows), for the rows `where` selects.
 */
export async function jobDurationPercentiles(db: Queryable, where: string, values: SqlValue[]): Promise<Map<string, {p50: number; p95: number}>> {
  const rows = await db.rows<{name: string | null; p50: number | string | null; p95: number | string | null}>(
    `SELECT name, MAX(p50) AS p50, MAX(p95) AS p95 FROM (
       SELECT j.name,
              PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY TIMESTAMPDIFF(SECOND, o.created_at, j.completed_at)) OVER (PARTITION BY j.name) AS p50,
              PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY TIMESTAMPDIFF(SECOND, o.created_at, j.completed_at)) OVER (PARTITION BY j.name) AS p95
         FROM job j JOIN object o ON o.id = j.id ${where} AND j.status_id = ${TERM_IDS.completed} AND j.completed_at IS NOT NULL
     ) t GROUP BY name`,
    values,
  )
  return new Map(rows.map((r) => [r.name ?? '\u0000', {p50: Number(r.p50 ?? 0), p95: Number(r.p95 ?? 0)}]))
}
