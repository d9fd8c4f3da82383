import assert from 'node:assert/strict'
import {readdir, readFile, utimes, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, test} from 'node:test'
import {gzipSync} from 'node:zlib'

import {runCli} from '../../helpers/cli.js'
import {insertJob} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {backupLines} from './helpers.js'

let bed: TestBed
before(async () => {
  bed = await TestBed.start()
})
after(async () => {
  await bed?.stop()
})

const backupsDir = () => join(bed.dir, 'state', 'backups')
const names = async () => (await readdir(backupsDir()).catch(() => [] as string[])).sort()

/** One clear of n fresh jobs with the default backup path; returns that path. */
async function clearOf(n: number, extra: string[] = []): Promise<string> {
  for (let i = 0; i < n; i++)
    await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed', notes: [`note ${i}`]})
  const r = await runCli(['jobs', 'clear', '--force', '--json', ...extra], {env: bed.env()})
  assert.equal(r.code, 0, r.stderr)
  return r.json.backup
}

beforeEach(async () => {
  await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
  for (const n of await names()) await import('node:fs/promises').then((fs) => fs.rm(join(backupsDir(), n)))
})

test('lists each backup with its jobs and whether it is complete; removes stale unfinished files of the old format, says so, keeps fresh ones', async () => {
  const a = await clearOf(2)
  const b = await clearOf(3)
  // A backup whose clear was killed: header and one batch, no trailer.
  const lines = await backupLines(b)
  const killed = join(backupsDir(), 'jobs-2020-01-01T00-00-00-000Z.ndjson.gz')
  await writeFile(killed, gzipSync(lines.slice(0, -1).join('\n') + '\n'))
  const stale = join(backupsDir(), 'jobs-2019-01-01T00-00-00-000Z.ndjson.partial')
  const fresh = join(backupsDir(), 'jobs-2019-01-02T00-00-00-000Z.ndjson.partial')
  await writeFile(stale, '{"format":"atom-ops-jobs-backup","version":1}\n'.padEnd(5000, ' '))
  await writeFile(fresh, 'x')
  const old = new Date(Date.now() - 2 * 3_600_000)
  await utimes(stale, old, old)
  const r = await runCli(['jobs', 'backups', '--json'], {env: bed.env()})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(r.json.stalePartials, {files: 1, bytes: 5000})
  assert.deepEqual(
    (await names()).filter((n) => n.endsWith('.partial')),
    ['jobs-2019-01-02T00-00-00-000Z.ndjson.partial'],
  )
  const byPath = new Map<string, {jobs: number; complete: boolean; format: number}>(
    r.json.backups.map((x: {path: string; jobs: number; complete: boolean; format: number}) => [x.path, x]),
  )
  assert.deepEqual([byPath.get(a)?.jobs, byPath.get(a)?.complete, byPath.get(a)?.format], [2, true, 2])
  assert.deepEqual([byPath.get(b)?.jobs, byPath.get(b)?.complete], [3, true])
  assert.deepEqual([byPath.get(killed)?.jobs, byPath.get(killed)?.complete], [3, false])
  const human = await runCli(['jobs', 'backups'], {env: bed.env()})
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /no \(stopped part way\)/)
  assert.match(human.stdout, /3 backups in /)
})

test('--prune --keep: the dry run removes nothing; without --force and a terminal it refuses (exit 5); with --force it removes the oldest and audits', async () => {
  const made = [await clearOf(1), await clearOf(1), await clearOf(1)]
  const dry = await runCli(['jobs', 'backups', '--prune', '--keep', '1', '--dry-run', '--json'], {env: bed.env()})
  assert.equal(dry.code, 0, dry.stderr)
  assert.deepEqual(dry.json.prune.remove, made.slice(0, 2))
  assert.equal((await names()).length, 3)
  const refused = await runCli(['jobs', 'backups', '--prune', '--keep', '1'], {env: bed.env()})
  assert.equal(refused.code, 5, refused.stderr)
  assert.equal((await names()).length, 3)
  const r = await runCli(['jobs', 'backups', '--prune', '--keep', '1', '--force', '--json'], {env: bed.env()})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(r.json.prune.removed, made.slice(0, 2))
  assert.deepEqual(
    r.json.backups.map((x: {path: string}) => x.path),
    [made[2]],
  )
  const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.deepEqual(
    [audit.at(-1).command, audit.at(-1).outcome, audit.at(-1).removed],
    ['jobs:backups', 'done', made.slice(0, 2)],
  )
})

test('--prune --older-than keeps the recent ones; bad input is exit 2 with one line', async () => {
  const recent = await clearOf(1)
  const aged = await clearOf(1)
  const old = new Date(Date.now() - 40 * 86_400_000)
  await utimes(aged, old, old)
  const r = await runCli(['jobs', 'backups', '--prune', '--older-than', '30d', '--force', '--json'], {env: bed.env()})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(r.json.prune.removed, [aged])
  assert.deepEqual(await names(), [recent.slice(backupsDir().length + 1)])
  for (const args of [['--prune'], ['--prune', '--older-than', 'soon'], ['--keep', '2'], ['--prune', '--keep', '-1']]) {
    const bad = await runCli(['jobs', 'backups', ...args], {env: bed.env()})
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`)
    assert.doesNotMatch(bad.stderr, /\n\s+at /)
  }
})

test('jobs clear --keep-backups N leaves the newest N after a scripted clear', async () => {
  await clearOf(1)
  await clearOf(1)
  const last = await clearOf(1, ['--keep-backups', '2'])
  const left = await names()
  assert.equal(left.length, 2)
  assert.ok(left.includes(last.slice(backupsDir().length + 1)))
})
