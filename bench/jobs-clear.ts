/**
 * `jobs clear --force` (the built CLI, backup included, and with --no-backup) against two baselines:
 * an AtoM-like delete and a single `DELETE FROM object WHERE class_name='QubitJob'` by the mysql client.
 * The AtoM-like delete issues the statements AtoM's jobs:clear issues through its ORM: one read of every
 * job, then per job `QubitJob::delete()`, which is four statements, each its own autocommit:
 * DELETE FROM job, DELETE FROM slug (QubitObject::delete), the read of the object's other names
 * (`count($this->otherNames)`; the test bed has no other_name table, so an indexed read of `property` by
 * object_id stands in for it, empty here as other_name is for jobs), DELETE FROM object. The notes go by
 * the foreign key's cascade (QubitJob::delete's own note loop walks only notes added in the same
 * request, none here). Earlier versions of this script also read each job's notes and deleted every
 * note and translation one statement at a time (six statements per job): more than AtoM does.
 * Run: npm run build && npx tsx bench/jobs-clear.ts [sizes...]   (default 10000 100000)
 * Every figure is the wall time of a whole process (the CLI's node start-up, configuration, the
 * Gearman check and the preview included; the mysql client's start-up included), on freshly seeded
 * rows. atom-ops and the single DELETE run RUNS times each and the best is kept (the machine is shared
 * and noisy; the same rule for both sides keeps the ratio fair). The AtoM-like baseline runs once in
 * this process (no process start counted for it, which favours the baseline); for sizes above SAMPLE
 * it deletes SAMPLE jobs out of the n seeded and its time is extrapolated linearly (per-row work).
 */
import {spawnSync} from 'node:child_process'
import {statSync} from 'node:fs'

import {Database} from '../src/lib/db/database.js'
import {seedMany} from '../test/commands/jobs/helpers.js'
import {TestBed} from '../test/support/testbed/testbed.js'
import {CLI} from './lib.js'

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
const SAMPLE = 10_000
const RUNS = Number(process.env.BENCH_RUNS ?? 2)
const bed = await TestBed.start()
const env = {...process.env, ...bed.env()}
const t = bed.db.target

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}

// Seeding 100,000 jobs takes longer than the test bed's own 5 s statement timeout on a busy shared server.

async function reseed(n: number): Promise<void> {
  await seeder.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
  // One note on every job, a second note on every other one.
  const {first, last} = await seedMany(seeder, n)
  await seeder.execute(
    `INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) SELECT id, 197, NULL, 'en', 0 FROM object WHERE id BETWEEN ? AND ? AND id % 2 = 0`,
    [first, last],
  )
  await seeder.execute(
    `INSERT INTO note_i18n (id, culture, content) SELECT n.id, 'en', 'failed' FROM note n LEFT JOIN note_i18n x ON x.id = n.id WHERE x.id IS NULL`,
  )
}

let lastBackupBytes = 0
let lastBackup: string | null = null
function cli(args: string[]): number {
  const s = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], {env, encoding: 'utf8', maxBuffer: 1 << 26})
  const took = ms(s)
  if (r.status !== 0) throw new Error(`atom-ops ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  const backup = args[1] === 'clear' ? (JSON.parse(r.stdout).backup as string | null) : null
  if (backup) lastBackupBytes = statSync(backup).size
  if (backup) lastBackup = backup
  return took
}

/** AtoM-like: load the jobs, then per job the four statements of QubitJob::delete(), one at a time. */
async function atomLike(limit: number): Promise<{ms: number; jobs: number}> {
  const db = await Database.open(t, 60_000, {connectionLimit: 1})
  try {
    const s = process.hrtime.bigint()
    const jobs = await db.rows<{id: number}>(
      'SELECT j.id FROM job j JOIN object o ON o.id = j.id ORDER BY j.id LIMIT ?',
      [String(limit)],
    )
    for (const {id} of jobs) {
      await db.execute('DELETE FROM job WHERE id = ?', [id])
      await db.execute('DELETE FROM slug WHERE object_id = ?', [id])
      await db.rows('SELECT id FROM property WHERE object_id = ?', [id])
      await db.execute('DELETE FROM object WHERE id = ?', [id])
    }

    return {ms: ms(s), jobs: jobs.length}
  } finally {
    await db.close()
  }
}

function singleDelete(): number {
  const s = process.hrtime.bigint()
  const r = spawnSync(
    'mysql',
    [
      '-h',
      t.host ?? '127.0.0.1',
      '-P',
      String(t.port ?? 3306),
      '-u',
      t.user,
      t.database!,
      '-e',
      "DELETE FROM object WHERE class_name='QubitJob'",
    ],
    {
      env: {...process.env, MYSQL_PWD: t.password},
      encoding: 'utf8',
    },
  )
  if (r.status !== 0) throw new Error(`mysql: ${r.stderr}`)
  return ms(s)
}

async function best(n: number, run: () => number): Promise<number> {
  let min = Infinity
  for (let i = 0; i < RUNS; i++) {
    await reseed(n)
    min = Math.min(min, run())
  }

  return min
}

const fmt = (x: number) => `${x.toFixed(0).padStart(8)} ms`
const seeder = await Database.open(t, 300_000, {connectionLimit: 1}).catch(async (error: unknown) => {
  await bed.stop()
  throw error
})
try {
  console.log(
    `jobs clear, process wall time, best of ${RUNS} (process start-up included for the CLI and the mysql client)`,
  )
  const summary: string[] = []
  for (const n of sizes.length > 0 ? sizes : [10_000, 100_000]) {
    const ours = await best(n, () => cli(['jobs', 'clear', '--force']))
    const backupBytes = lastBackupBytes
    // `jobs restore` of the backup the last of those clears wrote (its jobs are gone: all of it goes back).
    const restore = cli(['jobs', 'restore', lastBackup!])
    const [{restored}] = await seeder.rows<{restored: number}>(
      "SELECT COUNT(*) AS restored FROM object WHERE class_name = 'QubitJob'",
    )
    const oursNoBackup = await best(n, () => cli(['jobs', 'clear', '--force', '--no-backup']))
    const single = await best(n, singleDelete)
    await reseed(n)
    const sample = await atomLike(Math.min(n, SAMPLE))
    const atom = (sample.ms / sample.jobs) * n
    const extrapolated =
      sample.jobs < n ? ` (measured on ${sample.jobs} of the ${n} jobs, extrapolated)` : ' (measured)'
    console.log(`\n${n} jobs (1.5 notes each):`)
    console.log(`  atom-ops jobs clear --force (backup)    ${fmt(ours)}`)
    console.log(`  atom-ops jobs clear --force --no-backup ${fmt(oursNoBackup)}`)
    console.log(
      `  atom-ops jobs restore (that backup)     ${fmt(restore)}  (${restored} jobs back; ${(restore / ours).toFixed(2)}x the clear that wrote it)`,
    )
    console.log(`  AtoM-like per-row delete                ${fmt(atom)}${extrapolated}`)
    console.log(`  single DELETE (mysql client)            ${fmt(single)}`)
    const line = (label: string, t: number) =>
      `  ${label.padEnd(11)} ${(atom / t).toFixed(1).padStart(6)}x faster than AtoM-like (target >= 50x: ${atom / t >= 50 ? 'met' : 'MISSED'})   ${(t / single).toFixed(2).padStart(5)}x the single DELETE (target <= 2x: ${t / single <= 2 ? 'met' : 'MISSED'})`
    console.log(line('backup', ours))
    console.log(line('no backup', oursNoBackup))
    const cost = ours / oursNoBackup
    console.log(
      `  backup / no backup ${cost.toFixed(2)}x (target <= 1.3x: ${cost <= 1.3 ? 'met' : 'MISSED'}); backup file ${(backupBytes / 1_048_576).toFixed(1)} MB (${(((backupBytes / n) * 100_000) / 1_048_576).toFixed(1)} MB per 100,000 jobs)`,
    )
    summary.push(
      `${String(n).padStart(7)} jobs: backup ${(atom / ours).toFixed(1)}x / ${(ours / single).toFixed(2)}x; no backup ${(atom / oursNoBackup).toFixed(1)}x / ${(oursNoBackup / single).toFixed(2)}x; backup/no-backup ${cost.toFixed(2)}x; ${(backupBytes / 1_048_576).toFixed(1)} MB; restore ${restore.toFixed(0)} ms (${(restore / ours).toFixed(2)}x the clear)`,
    )
  }

  console.log('\nSummary (speed-up vs AtoM-like / ratio to the single DELETE; backup cost; backup size):')
  for (const l of summary) console.log(l)
} finally {
  await seeder.close()
  await bed.stop()
}
