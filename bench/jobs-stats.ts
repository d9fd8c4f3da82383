/**
 * `jobs stats` over 1,000,000 job rows spread over 60 days (the built CLI, whole process, median of
 * runs): a 7-day window, a 30-day one (half the table) and a 90-day one (all of it). Baseline, in the same run: the
 * figures a script would compute by reading the window's rows to the client (one streaming query,
 * aggregation and percentiles in Node). Prints both and the ratio.
 * Run: npm run build && npx tsx bench/jobs-stats.ts [jobs] [runs]   (default 1000000 3)
 */
import {spawnSync} from 'node:child_process'

import {AtomClock} from '../src/lib/atom/clock.js'
import {Database} from '../src/lib/db/database.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI} from './lib.js'

const n = Number(process.argv[2] ?? 1_000_000)
const runs = Number(process.argv[3] ?? 3)
const CLASSES = [
  'arUpdateEsIoDocumentsJob',
  'arFindingAidJob',
  'arInformationObjectCsvExportJob',
  'arObjectMoveJob',
  'arFileImportJob',
  'arGenerateReportJob',
  'arXmlExportSingleFileJob',
  'arCalculateDescendantDatesJob',
]
const bed = await TestBed.start()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

try {
  const clock = new AtomClock(bed.zone)
  const start = clock.wallAgo(60 * 86_400_000)
  const step = (60 * 86_400) / n
  const s0 = Date.now()
  for (let done = 0; done < n; done += 50_000) {
    const k = Math.min(50_000, n - done)
    const lo = 1_000_000 + done
    // Rows in creation order, as AtoM writes them; one class in four is arUpdateEsIoDocumentsJob (the bloat).
    await bed.database.execute(
      `INSERT INTO object (id, class_name, created_at, updated_at, serial_number)
         SELECT ? + seq, 'QubitJob', ? + INTERVAL FLOOR((? + seq) * ?) SECOND, ? + INTERVAL FLOOR((? + seq) * ?) SECOND, 0 FROM seq_0_to_${k - 1}`,
      [lo, start, done, step, start, done, step],
    )
    await bed.database.execute(
      `INSERT INTO job (id, name, completed_at, status_id)
         SELECT o.id, IF(o.id % 4 = 0, 'arUpdateEsIoDocumentsJob', ELT(1 + o.id % ${CLASSES.length}, ${CLASSES.map(() => '?').join(', ')})),
                IF(o.id % 997 = 0, NULL, o.created_at + INTERVAL (o.id % 600) SECOND),
                IF(o.id % 997 = 0, 183, IF(o.id % 20 = 0, 185, 184))
           FROM object o WHERE o.id BETWEEN ? AND ?`,
      [...CLASSES, lo, lo + k - 1],
    )
  }

  console.log(`seeded ${n} jobs over 60 days in ${((Date.now() - s0) / 1000).toFixed(1)} s`)

  const env = {...process.env, ...bed.env()}
  const cli = (since: string) => {
    const t = process.hrtime.bigint()
    const r = spawnSync(process.execPath, [CLI, 'jobs', 'stats', '--since', since, '--json', '--timeout', '60'], {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    if (r.status !== 0) throw new Error(`jobs stats exited ${r.status}: ${r.stderr}`)
    return {ms, report: JSON.parse(r.stdout)}
  }

  // The baseline's reads take longer than the test bed's 5-second statement limit.
  const db = await Database.open(bed.db.target, 300_000)
  /** What a script would do: the window's rows to the client, aggregated there. */
  const baseline = async (sinceMs: number) => {
    const t = process.hrtime.bigint()
    const rows = await db.rows<{name: string; status_id: number; created_at: string; completed_at: string | null}>(
      'SELECT j.name, j.status_id, o.created_at, j.completed_at FROM job j JOIN object o ON o.id = j.id WHERE o.created_at >= ?',
      [clock.wallAgo(sinceMs)],
    )
    const byClass = new Map<string, {n: number; err: number; d: number[]}>()
    for (const r of rows) {
      const c = byClass.get(r.name) ?? {n: 0, err: 0, d: []}
      c.n++
      if (Number(r.status_id) === 185) c.err++
      if (Number(r.status_id) === 184 && r.completed_at) c.d.push(clock.secondsBetween(r.created_at, r.completed_at))
      byClass.set(r.name, c)
    }

    for (const c of byClass.values()) c.d.sort((a, b) => a - b)
    return {ms: Number(process.hrtime.bigint() - t) / 1e6, classes: byClass.size, rows: rows.length}
  }

  for (const [label, since, sinceMs] of [
    ['7d', '7d', 7 * 86_400_000],
    ['30d', '30d', 30 * 86_400_000],
    ['90d', '90d', 90 * 86_400_000],
  ] as const) {
    cli(since) // warm the buffer pool for both alike
    const ours = Array.from({length: runs}, () => cli(since))
    const base: number[] = []
    let seen = 0
    for (let i = 0; i < runs; i++) {
      const b = await baseline(sinceMs)
      base.push(b.ms)
      seen = b.rows
    }

    const o = median(ours.map((x) => x.ms))
    const b = median(base)
    const counted = ours[0].report.total.jobs
    console.log(
      `jobs stats --since ${label}: ${ours.map((x) => x.ms.toFixed(0)).join(', ')} ms; baseline ${base.map((x) => x.toFixed(0)).join(', ')} ms`,
    )
    console.log(
      `jobs stats --since ${label.padEnd(4)} ${counted} jobs in the window: ours ${o.toFixed(0)} ms (whole process)   baseline ${b.toFixed(0)} ms (${seen} rows to the client, in-process)   ratio ${(o / b).toFixed(2)}`,
    )
  }

  await db.close()
} finally {
  await bed.stop()
}
