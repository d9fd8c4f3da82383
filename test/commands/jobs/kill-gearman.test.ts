import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {runCli} from '../../helpers/cli.js'
import {waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {insertJob} from '../../support/testbed/seed.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {startWorker, submitBackgroundJob} from '../../support/testbed/workers.js'

const HOUR = 3_600_000
let bed: TestBed
let admin: GearmanAdmin
before(async () => {
  bed = await TestBed.start()
  admin = new GearmanAdmin(bed.servers[0], 2000)
})
after(async () => {
  await bed?.stop()
})
// Each test starts from an empty queue: a worker for every listed function pulls what is queued
// (cancelled jobs are discarded, the rest answered at once), then leaves.
beforeEach(async () => {
  const queued = (await admin.status()).filter((s) => s.total > 0).map((s) => s.function)
  if (queued.length === 0) return
  const drain = await startWorker(bed.servers[0], queued, {wait: false})
  try {
    await waitFor(
      'the queue to drain',
      async () => ((await admin.status()).every((s) => s.total === 0) ? true : undefined),
      15_000,
    )
  } finally {
    await drain.stop()
  }
})

describe("jobs kill and the row's queued Gearman job", () => {
  test("when gearmand cannot say which handle is the row's, nothing is cancelled and the output says plainly it will still run", async () => {
    const id = await insertJob(bed.database, {name: 'arXmlExportSingleFileJob', status: 'running'})
    await submitBackgroundJob(bed.servers[0], bed.fn('arXmlExportSingleFileJob'), JSON.stringify({id}))
    // another function's job on the same server: handles cannot be told apart
    await submitBackgroundJob(bed.servers[0], bed.fn('arActorCsvExportJob'), JSON.stringify({id: 1}))
    const before = (await admin.showJobs()).filter((j) => !j.ignored).map((j) => j.handle)
    assert.equal(before.length, 2)
    const r = await runCli(['jobs', 'kill', String(id), '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.queued.state, 'not-cancelled')
    assert.match(
      r.json.queued.message,
      /^1 queued job of arXmlExportSingleFileJob was NOT cancelled \(the server also holds 1 queued job\(s\) of 1 other function\(s\).*\): it will still run/,
    )
    assert.deepEqual([...r.json.queued.candidates].sort(), [...before].sort())
    assert.match(
      r.json.queued.command,
      new RegExp(`^atom-ops queue cancel <handle> --server 127\\.0\\.0\\.1:${bed.servers[0].port} .*one of: H:`),
    )
    assert.equal((await admin.showJobs()).filter((j) => j.ignored).length, 0, 'nothing was cancelled')
    const human = await runCli(
      [
        'jobs',
        'kill',
        String(await insertJob(bed.database, {name: 'arActorXmlExportJob', status: 'running'})),
        '--force',
      ],
      {env: bed.env()},
    )
    assert.doesNotMatch(human.stdout, /queued jobs of: \(none\)/)
  })

  test('the only queued job of its function, beside running jobs of others: cancelled', async () => {
    const id = await insertJob(bed.database, {name: 'arUpdatePublicationStatusJob', status: 'running'})
    await submitBackgroundJob(bed.servers[0], bed.fn('arUpdatePublicationStatusJob'), JSON.stringify({id}))
    const r = await runCli(['jobs', 'kill', String(id), '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.queued.state, 'cancelled')
    assert.equal((await admin.showJobs()).filter((j) => !j.ignored).length, 0)
  })

  test('jobs stalled: a row whose only queued job was cancelled is a zombie, not waiting', async () => {
    const id = await insertJob(bed.database, {
      name: 'arRepositoryCsvExportJob',
      status: 'running',
      createdAt: new Date(Date.now() - 2 * HOUR),
    })
    await submitBackgroundJob(bed.servers[0], bed.fn('arRepositoryCsvExportJob'), JSON.stringify({id}))
    const waiting = await runCli(['jobs', 'stalled', '--json'], {env: bed.env()})
    assert.equal(waiting.json.stalled.find((j: any) => j.id === id).state, 'waiting')
    const [job] = (await admin.showJobs()).filter((j) => !j.ignored)
    await admin.cancelJob(job.handle)
    const r = await runCli(['jobs', 'stalled', '--json'], {env: bed.env()})
    const row = r.json.stalled.find((j: any) => j.id === id)
    assert.equal(row.state, 'zombie')
    assert.match(row.reason, /1 queued job was cancelled/)
    assert.equal(r.code, 1)
    await bed.database.execute('DELETE FROM object WHERE id = ?', [id])
  })
})

describe('jobs kill --restart-worker', () => {
  let sup: RunningSupervisord
  const HANGS = 'arGenerateReportJob'
  before(async () => {
    // The service's worker hangs on any job it takes, as a stalled atom-worker does.
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            bed.servers[0],
            STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)),
            ['sleep', '100000'],
          ),
        },
      ],
    })
  })
  after(async () => {
    await sup?.stop()
  })

  test('the worker hanging on the killed job goes, the re-queued job is cancelled, the service comes back: all checked in Gearman', async () => {
    const id = await insertJob(bed.database, {name: HANGS, status: 'running', createdAt: new Date(Date.now() - HOUR)})
    await submitBackgroundJob(bed.servers[0], bed.fn(HANGS), JSON.stringify({id}))
    const running = async () => (await admin.status()).find((s) => s.function === bed.fn(HANGS))?.running ?? 0
    await waitFor('the worker to hang on the job', async () => ((await running()) === 1 ? true : undefined), 15_000)
    const pid = async () => /pid (\d+)/.exec((await sup.ctl('status', 'atom-worker')).stdout)?.[1]
    const pidBefore = await pid()
    const plain = await runCli(
      ['jobs', 'kill', String(await insertJob(bed.database, {name: HANGS, status: 'running'})), '--force'],
      {env: bed.env()},
    )
    assert.match(plain.stdout, /is not stopped: Gearman cannot stop a running job\. Add --restart-worker/)
    const r = await runCli(
      [
        'jobs',
        'kill',
        String(id),
        '--restart-worker',
        '--force',
        '--json',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup.configFile,
      ],
      {env: bed.env(), timeoutMs: 180_000},
    )
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.workerRestart?.start?.verification))
    assert.deepEqual(r.json.workerRestart.running, {function: bed.fn(HANGS), before: 1, after: 0})
    assert.equal(r.json.workerRestart.requeued.outcome.state, 'cancelled')
    assert.match(r.json.worker, /went with the restart: Gearman shows 1 → 0 running job/)
    assert.equal(await running(), 0)
    assert.match((await sup.ctl('status', 'atom-worker')).stdout, /RUNNING/)
    assert.notEqual(await pid(), pidBefore, 'a new worker process')
    assert.equal(r.json.workerRestart.start.verification.verified, true)
    const audit = (await readFile(bed.env().ATOM_OPS_AUDIT_LOG!, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      [audit.at(-1).command, audit.at(-1).outcome, audit.at(-1).workerRestart.running.after],
      ['jobs:kill', 'done', 0],
    )
    const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
    assert.equal(row.status_id, 185)
  })
})
