import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {readBackup, summariseBackup} from '../../src/lib/jobs/backup.js'
import {assertNoOrphans, holdJobRowLock, seedMany, tableCounts} from '../commands/jobs/helpers.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {until} from '../helpers/wait.js'
import {insertJob} from '../support/testbed/seed.js'
import {TestBed} from '../support/testbed/testbed.js'

/**
 * Destructive job commands run at the same time on the same rows (two operators, or cron and an
 * operator): no double-deletion error reaches the user, every row goes exactly once, nothing is left
 * orphaned, and the audit log adds up.
 */
let bed: TestBed
before(async () => {
  bed = await TestBed.start()
})
after(async () => {
  await bed?.stop()
})

async function jobCount(): Promise<number> {
  return (await tableCounts(bed.database)).jobs
}

async function audit(): Promise<Array<Record<string, any>>> {
  const text = await readFile(join(bed.dir, 'audit.log'), 'utf8').catch(() => '')
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

/** The object ids held by a backup file, after checking it is complete (its trailer matches). */
async function backupIds(file: string): Promise<number[]> {
  const summary = await summariseBackup(file)
  assert.equal(summary.complete, true, `${file} has its trailer`)
  const ids: number[] = []
  for await (const e of readBackup(file))
    if (e.kind === 'job' && !summary.rolledBack.includes(e.batch)) ids.push(Number(e.job.object.id))
  assert.equal(summary.jobs, new Set(ids).size)
  return ids
}

function noStack(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${r.stderr}`)
}

beforeEach(async () => {
  await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
})

describe('two jobs clear --force at once on the same rows', () => {
  test('both finish (exit 0), every row goes exactly once, no orphans; the audit records add up', async () => {
    const N = 6000
    const {first, last} = await seedMany(bed.database, N)
    const fileA = join(bed.dir, 'conc-a.ndjson')
    const fileB = join(bed.dir, 'conc-b.ndjson')
    const auditBefore = (await audit()).length
    const args = ['jobs', 'clear', '--force', '--batch-size', '500', '--batch-pause', '120', '--json']
    const a = runCli([...args, '--backup', fileA], {env: bed.env(), timeoutMs: 90_000})
    // B starts once A is deleting: B's snapshot and backup overlap A's deletes, and their batches interleave.
    await until('the first clear to delete a batch', async () => (await jobCount()) < N)
    const b = runCli([...args, '--backup', fileB], {env: bed.env(), timeoutMs: 90_000})
    const [ra, rb] = await Promise.all([a, b])
    for (const r of [ra, rb]) {
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr.trim(), '', 'nothing on stderr')
      noStack(r)
    }

    // Every row went exactly once: the two deleted counts add up to the rows there were.
    assert.equal(ra.json.deleted + rb.json.deleted, N, `A deleted ${ra.json.deleted}, B ${rb.json.deleted}`)
    assert.ok(rb.json.deleted + rb.json.alreadyGone <= rb.json.plan.total)
    const counts = await tableCounts(bed.database)
    assert.equal(counts.jobs + counts.jobObjects + counts.notes + counts.noteI18n, 0)
    assertNoOrphans(counts)
    // Both backups are complete, and between them hold every row (each clear backs up what it deletes).
    const held = new Set([...(await backupIds(fileA)), ...(await backupIds(fileB))])
    for (let id = first; id <= last; id++) assert.ok(held.has(id), `job ${id} is in a backup`)
    const records = (await audit()).slice(auditBefore).filter((x) => x.command === 'jobs:clear')
    assert.equal(records.length, 2, JSON.stringify(records))
    assert.deepEqual(
      records.map((x) => x.outcome),
      ['done', 'done'],
    )
    assert.equal(records[0].deleted + records[1].deleted, N)
    assert.deepEqual(new Set(records.map((x) => x.backup)), new Set([fileA, fileB]))
  })

  test('a second clear of the same rows, started when the first is nearly done: nothing left for it is an ordinary result', async () => {
    await seedMany(bed.database, 2000)
    const a = runCli(
      ['jobs', 'clear', '--force', '--no-backup', '--batch-size', '400', '--batch-pause', '150', '--json'],
      {env: bed.env()},
    )
    await until('the first clear to delete a batch', async () => (await jobCount()) < 2000)
    const b = await runCli(['jobs', 'clear', '--force', '--no-backup', '--batch-size', '400', '--json'], {
      env: bed.env(),
    })
    const ra = await a
    assert.equal(ra.code, 0, ra.stderr)
    assert.equal(b.code, 0, b.stderr)
    noStack(b)
    assert.equal(ra.json.deleted + (b.json.deleted ?? 0), 2000)
    assertNoOrphans(await tableCounts(bed.database))
    assert.equal(await jobCount(), 0)
  })
})

describe('jobs clear and jobs kill at once', () => {
  test('kill of a row the clear has not reached yet: killed (failed, with its note), then cleared; nothing orphaned', async () => {
    await seedMany(bed.database, 3000)
    const target = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    const file = join(bed.dir, 'kill-later.ndjson')
    // A transaction holds a row half way: the clear waits there, so the kill comes before the clear reaches
    // its row however slowly the kill's process starts on a busy machine.
    const holder = await holdJobRowLock(bed.db.target, 1500)
    let r: CliResult
    try {
      const clear = runCli(['jobs', 'clear', '--force', '--backup', file, '--batch-size', '300', '--json'], {
        env: bed.env(),
        timeoutMs: 120_000,
      })
      await until('the clear to delete a batch', async () => (await jobCount()) < 3001)
      const kill = await runCli(['jobs', 'kill', String(target), '--force', '--reason', 'test', '--json'], {
        env: bed.env(),
      })
      assert.equal(kill.code, 0, kill.stdout + kill.stderr)
      assert.ok((await jobCount()) > 1, 'the clear was still working on older rows')
      await holder.release()
      r = await clear
    } finally {
      await holder.release().catch(() => undefined)
    }

    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.deleted, 3001)
    const counts = await tableCounts(bed.database)
    assert.equal(counts.jobs, 0)
    assert.equal(counts.notes, 0, "the kill's note went with its job")
    assertNoOrphans(counts)
    // The clear's backup holds the row as it was when the clear read it (before the kill).
    assert.ok((await backupIds(file)).includes(target))
  })

  test('kill of a row the clear already deleted: one line saying there is no such job, exit 2, nothing changed', async () => {
    const target = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    await seedMany(bed.database, 2000)
    const clear = runCli(
      ['jobs', 'clear', '--force', '--no-backup', '--batch-size', '250', '--batch-pause', '150', '--json'],
      {env: bed.env()},
    )
    await until(
      'the clear to delete the target',
      async () => (await bed.database.rows('SELECT id FROM job WHERE id = ?', [target])).length === 0,
    )
    const kill = await runCli(['jobs', 'kill', String(target), '--force'], {env: bed.env()})
    assert.equal(kill.code, 2, kill.stderr)
    assert.match(kill.stderr, /^atom-ops: there is no job with id \d+\n {2}hint: /)
    noStack(kill)
    const r = await clear
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.deleted, 2001)
    assertNoOrphans(await tableCounts(bed.database))
  })

  test('kill --delete of a row the clear is about to delete: deleted once, the clear counts it as already gone', async () => {
    await seedMany(bed.database, 2000)
    const target = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running', notes: ['x']})
    // The clear stops at the 1,000th row (held by another transaction), so the kill meets the target
    // still planned but not yet reached, however slow the machine.
    const lock = await holdJobRowLock(bed.db.target, 1000)
    const clear = runCli(['jobs', 'clear', '--force', '--no-backup', '--batch-size', '250', '--json'], {env: bed.env()})
    await until('the clear to delete the rows before the held one', async () => (await jobCount()) === 1001)
    const kill = await runCli(['jobs', 'kill', String(target), '--delete', '--no-backup', '--force', '--json'], {
      env: bed.env(),
    })
    await lock.release()
    assert.equal(kill.code, 0, kill.stderr)
    const r = await clear
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.deleted, 2000)
    assert.equal(r.json.alreadyGone, 1)
    assert.match(
      (await runCli(['jobs', 'clear', '--force', '--no-backup'], {env: bed.env()})).stdout,
      /0 jobs|nothing/i,
    )
    assertNoOrphans(await tableCounts(bed.database))
  })

  test('started together on the same rows, again and again: each either works or says why in one line; the rows end consistent', async () => {
    for (let round = 0; round < 3; round++) {
      await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
      await seedMany(bed.database, 400)
      const target = await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running', notes: ['n1']})
      const [c, k] = await Promise.all([
        runCli(['jobs', 'clear', '--force', '--no-backup', '--batch-size', '50', '--json'], {env: bed.env()}),
        runCli(['jobs', 'kill', String(target), '--force'], {env: bed.env()}),
      ])
      assert.equal(c.code, 0, c.stderr)
      noStack(c)
      noStack(k)
      // Killed first (0), already gone (2: no such job; 6: it changed or went while being killed).
      assert.ok([0, 2, 6].includes(k.code ?? -1), `kill exit ${k.code}: ${k.stderr}`)
      if (k.code !== 0) assert.match(k.stderr, /^atom-ops: .*(no job with id|changed|gone|MySQL error).*\n {2}hint: /)
      // The clear's snapshot includes the target: killed first or not, it is gone, with its note.
      const counts = await tableCounts(bed.database)
      assert.equal(counts.jobs + counts.notes, 0)
      assertNoOrphans(await tableCounts(bed.database))
    }
  })
})
