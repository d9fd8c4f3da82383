import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {type SystemdStandIn, systemdStandIn} from '../../helpers/systemd-standin.js'
import {TestBed} from '../../support/testbed/testbed.js'

/**
 * systemd's start limit (Result=start-limit-hit, `systemctl start` refused until reset-failed) belongs
 * to the system manager, which cannot run here (not PID 1), and the user manager of the test bed does
 * not reach it: this uses the recording stand-in for systemctl (test/helpers/systemd-standin.ts),
 * with a real worker in the real gearmand for the verification.
 */
let bed: TestBed
let sd: SystemdStandIn

before(async () => {
  bed = await TestBed.start()
  sd = await systemdStandIn('start-limit-hit')
  await bed.startAtomWorker()
  await writeFile(
    bed.env().ATOM_OPS_CONFIG!,
    [
      'profiles:',
      '  main:',
      `    atom_root: ${bed.root}`,
      '    manager: systemd',
      '    unit: atom-worker',
      '    guard: {fix: [restart-worker]}',
      '',
    ].join('\n'),
  )
})
after(async () => {
  await bed?.stop()
})

describe('guard run at the start limit (recorded systemd stand-in)', () => {
  test('reset-failed before the restart, in that order; the service is then OK (the unit definition warning stays: exit 1)', async () => {
    const r = await runCli(['guard', 'run', '--profile', 'main', '--json'], {
      env: bed.env({PATH: sd.path}),
      timeoutMs: 180_000,
    })
    assert.equal(r.code, 1, r.stderr + r.stdout)
    assert.equal(r.json.verdict, 'warning')
    assert.match(r.json.after.mostLikelyCause.summary, /is not ordered after MySQL\/MariaDB and gearmand/)
    assert.match(r.json.before.checks.find((c: any) => c.id === 'worker.service').summary, /hit its start limit/)
    const restart = r.json.actions.find((a: any) => a.action === 'restart-worker')
    assert.equal(restart.outcome, 'done')
    assert.equal(restart.message, 'start limit reset for atom-worker.service; restart verified through Gearman')
    const steps = (await sd.calls()).filter(
      (c) => c[0] === 'systemctl' && ['reset-failed', 'restart', 'start'].includes(c[1]),
    )
    assert.deepEqual(steps, [
      ['systemctl', 'reset-failed', '--no-ask-password', 'atom-worker.service'],
      ['systemctl', 'restart', '--no-ask-password', 'atom-worker.service'],
    ])
    assert.equal(r.json.after.checks.find((c: any) => c.id === 'worker.service').status, 'ok')
  })
})
