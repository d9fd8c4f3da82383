import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {waitFor} from '../../../src/testbed/processes.js'
import {insertJob} from '../../../src/testbed/seed.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../../src/testbed/supervisord.js'
import {TestBed} from '../../../src/testbed/testbed.js'
import {submitBackgroundJob} from '../../../src/testbed/workers.js'
import {runCli} from '../../helpers/cli.js'

let bed: TestBed
let sup: RunningSupervisord
before(async () => {
  bed = await TestBed.start()
  // The install's worker hangs on every job, as a stalled atom-worker does.
  sup = await startSupervisord(join(bed.dir, 'supervisor'), {
    programs: [{name: 'atom-worker', command: gearmanWorkerCommand(bed.servers[0], [bed.fn('arFindingAidJob')], ['sleep', '100000'])}],
  })
  await waitFor('worker', async () => ((await sup.ctl('status', 'atom-worker')).stdout.includes('RUNNING') ? true : undefined), 15_000)
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

test('jobs kill --restart-worker marks the job failed and restarts the worker hanging on it, verified through Gearman', async () => {
  const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running', createdAt: new Date(Date.now() - 2 * 3600_000)})
  await submitBackgroundJob(bed.servers[0], bed.fn('arFindingAidJob'), JSON.stringify({id}))
  const {GearmanAdmin} = await import('../../../src/lib/gearman/admin.js')
  await waitFor('job running', async () => ((await new GearmanAdmin(bed.servers[0], 2000).status()).find((s) => s.function === bed.fn('arFindingAidJob'))?.running === 1 ? true : undefined))
  const pidBefore = /pid (\d+)/.exec((await sup.ctl('status', 'atom-worker')).stdout)![1]

  const r = await runCli(['jobs', 'kill', String(id), '--force', '--restart-worker', '--manager', 'supervisor', '--supervisor-config', sup.configFile, '--json'], {env: bed.env(), timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.equal(r.json.action, 'mark-failed')
  assert.equal(r.json.workerRestart.action, 'restart')
  assert.equal(r.json.workerRestart.verification.verified, true)
  assert.match(r.json.worker, /worker service was restarted/)
  const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
  assert.equal(row.status_id, 185)
  const pidAfter = /pid (\d+)/.exec((await sup.ctl('status', 'atom-worker')).stdout)![1]
  assert.notEqual(pidAfter, pidBefore, 'a new worker process')
  const audit = await (await import('node:fs/promises')).readFile(bed.env().ATOM_OPS_AUDIT_LOG!, 'utf8')
  assert.match(audit, /"command":"jobs:kill".*"workerRestart":"done"/)
})

test('without --restart-worker, kill says plainly that the hanging worker is not stopped', async () => {
  const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
  const r = await runCli(['jobs', 'kill', String(id), '--force'], {env: bed.env()})
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /is not stopped: Gearman cannot stop a running job/)
})
