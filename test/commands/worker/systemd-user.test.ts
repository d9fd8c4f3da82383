import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {runCli} from '../../helpers/cli.js'
import {startUserSystemd, type UserSystemd, userSystemdAvailable} from '../../helpers/systemd-user.js'
import {waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {gearmanWorkerCommand} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

/**
 * The systemd manager against a real systemd 252 (a user manager in a private mount namespace; see
 * test/helpers/systemd-user.ts): real `systemctl show` output parsed, real restarts and stops, each
 * verified through the real gearmand. What this cannot show (the system manager's start limit after
 * exits 111, the journal) is covered by the recorded stand-in tests in systemd.test.ts.
 */
let bed: TestBed
let sd: UserSystemd
// What AtoM's real worker registers on a stock install.
const JOB_CLASSES = STOCK_REGISTERED_CLASSES

before(async () => {
  if (!userSystemdAvailable()) return
  bed = await TestBed.start()
  sd = await startUserSystemd(join(bed.dir, 'systemd'))
  const command = gearmanWorkerCommand(
    bed.servers[0],
    JOB_CLASSES.map((c) => bed.fn(c)),
  )
  await sd.writeUnit(
    'atom-worker.service',
    [
      '[Unit]',
      'Description=AtoM worker (test)',
      '[Service]',
      'Type=simple',
      `ExecStart=${command.join(' ')}`,
      'KillSignal=SIGTERM',
      'Restart=on-failure',
      '',
    ].join('\n'),
  )
  const started = sd.ctl('start', 'atom-worker.service')
  assert.equal(started.code, 0, started.stderr)
  await workersFor(1)
})
after(async () => {
  await sd?.stop()
  await bed?.stop()
})

/** Waits until every job class has this many workers in gearmand. */
async function workersFor(n: number): Promise<void> {
  await waitFor(
    `${n} worker(s) per job class`,
    async () => {
      const status = await new GearmanAdmin(bed.servers[0], 2000).status()
      return JOB_CLASSES.every((c) => (status.find((s) => s.function === bed.fn(c))?.availableWorkers ?? 0) === n)
        ? true
        : undefined
    },
    15_000,
  )
}

const cli = (args: string[]) =>
  runCli([...args, '--manager', 'systemd', '--unit', 'atom-worker'], {env: bed.env({PATH: sd.path}), timeoutMs: 60_000})

describe(
  'worker commands against a real systemd (user manager)',
  {skip: userSystemdAvailable() ? false : 'needs root, unshare, nsenter and systemd'},
  () => {
    test('status: active/running with the real main PID, since and restarts as systemd reports them; workers per job class from Gearman', async () => {
      const r = await cli(['worker', 'status', '--json'])
      assert.equal(r.code, 0, r.stderr + r.stdout)
      const unit = r.json.hosts[0].value.status[0]
      assert.equal(unit.unit, 'atom-worker.service')
      assert.equal(unit.condition, 'running')
      assert.equal(unit.rawState, 'active/running')
      assert.equal(unit.mainPid, Number(sd.property('atom-worker.service', 'MainPID')))
      assert.ok(unit.mainPid > 0)
      assert.equal(unit.restarts, Number(sd.property('atom-worker.service', 'NRestarts')))
      assert.equal(unit.since, sd.property('atom-worker.service', 'ActiveEnterTimestamp'))
      assert.ok(
        Math.abs(Date.parse(unit.sinceIso) - Date.now()) < 10 * 60_000,
        `since ${unit.sinceIso} parsed to about now`,
      )
      assert.equal(unit.startLimitHit, false)
      const memory = sd.property('atom-worker.service', 'MemoryCurrent')
      assert.equal(unit.memoryBytes, /^\d+$/.test(memory) ? Number(memory) : undefined, `MemoryCurrent=${memory}`)
      const human = await cli(['worker', 'status'])
      assert.match(human.stdout, /atom-worker\.service\s*│\s*active\/running\s*│/)
      assert.match(human.stdout, /1 worker connection for this install; 17\/18 job classes have workers/)
      assert.match(human.stdout, /arFindingAidJob\s*│\s*1\s*│/)
    })

    test('restart --force: a new main PID, verified through Gearman (the job classes have their worker again)', async () => {
      const before = Number(sd.property('atom-worker.service', 'MainPID'))
      const r = await cli(['worker', 'restart', '--force', '--json'])
      assert.equal(r.code, 0, r.stderr + r.stdout)
      assert.equal(r.json.verification.verified, true)
      assert.deepEqual(
        r.json.hosts[0].value.steps.map((s: {action: string; ok: boolean}) => [s.action, s.ok]),
        [['restart', true]],
      )
      const afterPid = Number(sd.property('atom-worker.service', 'MainPID'))
      assert.ok(afterPid > 0 && afterPid !== before, `main PID ${before} -> ${afterPid}`)
      await workersFor(1)
    })

    test('stop --force: the job classes lose their worker in Gearman (verified); status says inactive; start brings it back', async () => {
      const stop = await cli(['worker', 'stop', '--force', '--json'])
      assert.equal(stop.code, 0, stop.stderr + stop.stdout)
      assert.equal(stop.json.verification.verified, true)
      assert.equal(sd.property('atom-worker.service', 'ActiveState'), 'inactive')
      await workersFor(0)
      const status = await cli(['worker', 'status', '--json'])
      assert.equal(status.json.hosts[0].value.status[0].rawState, 'inactive/dead')
      const start = await cli(['worker', 'start', '--force', '--json'])
      assert.equal(start.code, 0, start.stderr + start.stdout)
      assert.equal(start.json.verification.verified, true)
      await workersFor(1)
    })

    test('a unit that fails at once: restart is reported as refused by systemd (exit 6), with its own message', async () => {
      await sd.writeUnit(
        'atom-broken.service',
        ['[Unit]', 'Description=fails', '[Service]', 'Type=oneshot', "ExecStart=/bin/sh -c 'exit 111'", ''].join('\n'),
      )
      const r = await runCli(
        ['worker', 'restart', '--force', '--json', '--manager', 'systemd', '--unit', 'atom-broken', '--wait', '0'],
        {env: bed.env({PATH: sd.path}), timeoutMs: 60_000},
      )
      assert.equal(r.code, 6, r.stderr + r.stdout)
      const step = r.json.hosts[0].value.steps[0]
      assert.equal(step.ok, false)
      assert.match(
        step.message,
        /^Job for atom-broken\.service failed because the control process exited with error code\./,
      )
      const status = await runCli(['worker', 'status', '--json', '--manager', 'systemd', '--unit', 'atom-broken'], {
        env: bed.env({PATH: sd.path}),
      })
      const unit = status.json.hosts[0].value.status[0]
      assert.deepEqual([unit.condition, unit.rawState, unit.lastExitStatus], ['failed', 'failed/failed', 111])
    })
  },
)
