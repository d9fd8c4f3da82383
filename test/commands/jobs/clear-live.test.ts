import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {until} from '../../helpers/wait.js'
import {lostWrites, startLiveWriter} from '../../support/testbed/live-writer.js'
import {TERM} from '../../support/testbed/schema.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {assertNoOrphans, backupLines, seedMany, tableCounts} from './helpers.js'

let bed: TestBed
before(async () => {
  bed = await TestBed.start()
})
after(async () => {
  await bed?.stop()
})

test('a plain clear while AtoM writes (new jobs, in-progress jobs completed with a note): every committed change is in the database or the backup', async () => {
  await seedMany(bed.database, 10_000, {statusId: TERM.jobCompleted})
  const running = await seedMany(bed.database, 10_000, {statusId: TERM.jobInProgress})
  const ids = Array.from({length: running.last - running.first + 1}, (_, i) => running.first + i)
  const writer = startLiveWriter(bed.database, ids, {everyMs: 50, perTick: 3})
  let writes: Awaited<ReturnType<typeof writer.stop>>
  const file = join(bed.dir, 'live.ndjson.gz')
  try {
    await until('the writer at work', async () => (await tableCounts(bed.database)).jobs > 20_000)
    const r = await runCli(['jobs', 'clear', '--force', '--backup', file, '--json'], {
      env: bed.env(),
      timeoutMs: 240_000,
    })
    assert.equal(r.code, 0, r.stderr)
  } finally {
    writes = await writer.stop()
  }

  // The writer and the clear overlapped: some job it completed was then deleted (it is in the backup).
  const backedUp = new Set(
    (await backupLines(file)).filter((l) => l.startsWith('["o",')).map((l) => Number(JSON.parse(l)[1])),
  )
  assert.ok(
    writes.completed.some((c) => backedUp.has(c.id)),
    `no overlap: ${writes.completed.length} completed, ${backedUp.size} backed up`,
  )
  // AtoM's statements failed only on jobs the clear deleted, never on a job it kept.
  assert.deepEqual(
    writes.refused.filter((id) => !backedUp.has(id)),
    [],
  )
  const restored = await runCli(['jobs', 'restore', file, '--json'], {env: bed.env(), timeoutMs: 240_000})
  assert.equal(restored.code, 0, restored.stderr)
  assert.equal(restored.json.restored, backedUp.size)
  assert.deepEqual(await lostWrites(bed.database, writes), {created: 0, completed: 0, notes: 0})
  const counts = await tableCounts(bed.database)
  assert.equal(
    counts.jobs,
    20_000 + writes.created.length,
    'every job, seeded or created meanwhile, is back or was kept',
  )
  assertNoOrphans(counts)
})
