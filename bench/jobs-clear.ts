/**
 * `jobs clear --force` (the built CLI, backup included, and with --no-backup) against two baselines:
 * an AtoM-like delete (per job: read its notes, delete each note's translations and the note, the job,
 * then the object; one statement at a time, as jobs:clear does through the ORM) and a single
 * `DELETE FROM object WHERE class_name='QubitJob'` by the mysql client.
 * Run: npm run build && npx tsx bench/jobs-clear.ts [sizes...]   (default 10000 100000)
 * For sizes above SAMPLE the AtoM-like baseline deletes SAMPLE jobs and the time is extrapolated.
 */
import {spawnSync} from 'node:child_process'

import {Database} from '../src/lib/db/database.js'
import {TestBed} from '../src/testbed/testbed.js'
import {seedMany} from '../test/commands/jobs/helpers.js'
import {CLI} from './lib.js'

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0)
const SAMPLE = 10_000
const bed = await TestBed.start()
const env = {...process.env, ...bed.env()}
const t = bed.db.target

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}

async function reseed(n: number): Promise<void> {
  await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
  // One note on every job, a second note on every other one.
  const {first, last} = await seedMany(bed.database, n)
  await bed.database.execute(`INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) SELECT id, 197, NULL, 'en', 0 FROM object WHERE id BETWEEN ? AND ? AND id % 2 = 0`, [first, last])
  await bed.database.execute(`INSERT INTO note_i18n (id, culture, content) SELECT n.id, 'en', 'failed' FROM note n LEFT JOIN note_i18n x ON x.id = n.id WHERE x.id IS NULL`)
}

function cli(args: string[]): number {
  const s = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [CLI, ...args], {env, encoding: 'utf8', maxBuffer: 1 << 26})
  if (r.status !== 0) throw new Error(`atom-ops ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms(s)
}

/** AtoM-like: load the jobs, then per job read its notes and delete note_i18n, note, job, object one statement at a time. */
async function atomLike(limit: number): Promise<{ms: number; jobs: number}> {
  const db = await Database.open(t, 60_000, {connectionLimit: 1})
  try {
    const s = process.hrtime.bigint()
    const jobs = await db.rows<{id: number}>('SELECT j.id FROM job j JOIN object o ON o.id = j.id ORDER BY j.id LIMIT ?', [String(limit)])
    for (const {id} of jobs) {
      const notes = await db.rows<{id: number}>('SELECT id FROM note WHERE object_id = ?', [id])
      for (const n of notes) {
        await db.execute('DELETE FROM note_i18n WHERE id = ?', [n.id])
        await db.execute('DELETE FROM note WHERE id = ?', [n.id])
      }
      await db.execute('DELETE FROM job WHERE id = ?', [id])
      await db.execute('DELETE FROM object WHERE id = ?', [id])
    }
    return {ms: ms(s), jobs: jobs.length}
  } finally {
    await db.close()
  }
}

function singleDelete(): number {
  const s = process.hrtime.bigint()
  const r = spawnSync('mysql', ['-h', t.host ?? '127.0.0.1', '-P', String(t.port ?? 3306), '-u', t.user, t.database!, '-e', "DELETE FROM object WHERE class_name='QubitJob'"], {
    env: {...process.env, MYSQL_PWD: t.password},
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`mysql: ${r.stderr}`)
  return ms(s)
}

try {
  console.log('jobs clear, wall time (process start included for the CLI and the mysql client)')
  for (const n of sizes.length ? sizes : [10_000, 100_000]) {
    await reseed(n)
    const ours = cli(['jobs', 'clear', '--force'])
    await reseed(n)
    const oursNoBackup = cli(['jobs', 'clear', '--force', '--no-backup'])
    await reseed(n)
    const sample = await atomLike(Math.min(n, SAMPLE))
    const atom = (sample.ms / sample.jobs) * n
    await reseed(n)
    const single = singleDelete()
    const extrapolated = sample.jobs < n ? ` (extrapolated from ${sample.jobs} jobs)` : ''
    console.log(`\n${n} jobs (1.5 notes each):`)
    console.log(`  atom-ops jobs clear --force (backup)    ${ours.toFixed(0).padStart(8)} ms`)
    console.log(`  atom-ops jobs clear --force --no-backup ${oursNoBackup.toFixed(0).padStart(8)} ms`)
    console.log(`  AtoM-like per-row delete                ${atom.toFixed(0).padStart(8)} ms${extrapolated}`)
    console.log(`  single DELETE (mysql client)            ${single.toFixed(0).padStart(8)} ms`)
    console.log(`  speed-up vs AtoM-like: ${(atom / ours).toFixed(1)}x with backup, ${(atom / oursNoBackup).toFixed(1)}x without (target >= 50x)`)
    console.log(`  vs single DELETE: ${(ours / single).toFixed(2)}x with backup, ${(oursNoBackup / single).toFixed(2)}x without (target <= 2x)`)
  }
} finally {
  await bed.stop()
}
