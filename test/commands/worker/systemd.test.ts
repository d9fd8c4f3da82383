import assert from 'node:assert/strict'
import {readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {SHOW_PROPERTIES} from '../../../src/lib/service/systemd.js'
import {runCli} from '../../helpers/cli.js'
import {type SystemdStandIn, systemdStandIn} from '../../helpers/systemd-standin.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
let sd: SystemdStandIn

before(async () => {
  bed = await TestBed.start()
  sd = await systemdStandIn('active')
  // A real worker for the install, so a start is verified through the real gearmand.
  await bed.startAtomWorker()
})
after(async () => {
  await bed?.stop()
  if (sd) await rm(sd.dir, {recursive: true, force: true})
})
beforeEach(async () => {
  await sd.resetCalls()
})

const cli = (args: string[]) =>
  runCli([...args, '--manager', 'systemd'], {env: bed.env({PATH: sd.path}), timeoutMs: 60_000})
const SHOW = ['systemctl', 'show', '--no-pager', '-p', SHOW_PROPERTIES.join(','), 'atom-worker.service']

describe('worker commands with systemd', () => {
  test('systemd (recorded stand-in): status of an active unit: exact systemctl show arguments, every field parsed', async () => {
    await sd.setState('active')
    const r = await cli(['worker', 'status', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.deepEqual(await sd.calls(), [SHOW])
    assert.equal(
      SHOW[4],
      'Id,LoadState,ActiveState,SubState,Result,MainPID,NRestarts,MemoryCurrent,ExecMainStatus,ExecMainExitTimestamp,ActiveEnterTimestamp,StateChangeTimestamp',
    )
    const unit = r.json.hosts[0].value.status[0]
    assert.deepEqual(
      {...unit},
      {
        unit: 'atom-worker.service',
        condition: 'running',
        rawState: 'active/running',
        since: 'Sun 2026-11-29 01:40:02 UTC',
        sinceIso: '2026-11-29T01:40:02.000Z',
        mainPid: 48_211,
        restarts: 0,
        memoryBytes: 58_392_576,
        startLimitHit: false,
        detail: 'success',
      },
    )
    assert.equal(r.json.hosts[0].manager, 'systemd')
  })

  test('systemd (recorded stand-in): status at the start limit after exits 111: flagged, explained, exit 1', async () => {
    await sd.setState('start-limit-hit')
    const r = await cli(['worker', 'status', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const unit = r.json.hosts[0].value.status[0]
    assert.equal(unit.startLimitHit, true)
    assert.equal(unit.condition, 'failed')
    assert.equal(unit.lastExitStatus, 111)
    assert.equal(unit.lastExitAt, 'Sun 2026-11-29 01:12:44 UTC')
    assert.equal(unit.restarts, 2)
    assert.equal(unit.memoryBytes, undefined, '[not set] is not a number')
    assert.match(unit.note, /start limit.*reset-failed.*111/)
    const human = await cli(['worker', 'status'])
    assert.match(human.stdout, /failed\/failed START-LIMIT-HIT/)
    assert.match(human.stdout, /last exit 111: AtoM's worker reached --max-job-count\/--max-mem-usage/)
  })

  test('systemd (recorded stand-in): restart at the start limit runs reset-failed first, says so, and is verified', async () => {
    await sd.setState('start-limit-hit')
    const r = await cli(['worker', 'restart', '--force'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.deepEqual(await sd.calls(), [
      SHOW,
      ['systemctl', 'reset-failed', '--no-ask-password', 'atom-worker.service'],
      ['systemctl', 'restart', '--no-ask-password', 'atom-worker.service'],
      SHOW,
    ])
    assert.match(r.stdout, /atom-worker\.service was at the start limit: reset-failed first/)
    assert.match(r.stdout, /restart verified on 127\.0\.0\.1:\d+ \(the server the web app asks\) in/)
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .at(-1)
    assert.deepEqual(audit.hosts[0].resetStartLimit, ['atom-worker.service'])
  })

  test('systemd (recorded stand-in): restart --dry-run at the start limit lists both commands and runs neither', async () => {
    await sd.setState('start-limit-hit')
    const r = await cli(['worker', 'restart', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(await sd.calls(), [SHOW])
    assert.match(
      r.stdout,
      /would run: systemctl reset-failed --no-ask-password atom-worker\.service\s+# at the start limit/,
    )
    assert.match(r.stdout, /would run: systemctl restart --no-ask-password atom-worker\.service/)
  })

  test("systemd (recorded stand-in): a refused restart is exit 6 with systemd's own message", async () => {
    await sd.setState('broken')
    const r = await cli(['worker', 'restart', '--force', '--json'])
    assert.equal(r.code, 6, r.stderr + r.stdout)
    // A failed unit is reset first (it may be at its start limit without saying so), then the restart is refused.
    const [reset, step] = r.json.hosts[0].value.steps
    assert.deepEqual([reset.action, reset.ok], ['reset-failed', true])
    assert.deepEqual([step.action, step.ok, step.message], ['restart', false, 'Job for atom-worker.service failed.'])
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .at(-1)
    // The reset took effect, the restart did not.
    assert.equal(audit.outcome, 'partial')
  })

  test('systemd (recorded stand-in): worker reset resets a failed unit and leaves an active one alone', async () => {
    await sd.setState('failed')
    const r = await cli(['worker', 'reset'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(await sd.calls(), [
      SHOW,
      ['systemctl', 'reset-failed', '--no-ask-password', 'atom-worker.service'],
    ])
    await sd.resetCalls()
    await sd.setState('active')
    const again = await cli(['worker', 'reset'])
    assert.equal(again.code, 0)
    assert.deepEqual(await sd.calls(), [SHOW])
    assert.match(again.stdout, /nothing to reset/)
  })

  test("systemd (recorded stand-in): --unit 'atom-worker@' expands the template through list-units", async () => {
    await sd.setState('active')
    const r = await cli(['worker', 'status', '--unit', 'atom-worker@', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const calls = await sd.calls()
    assert.deepEqual(calls[0], [
      'systemctl',
      'list-units',
      '--all',
      '--plain',
      '--no-legend',
      '--no-pager',
      '--type=service',
      'atom-worker@*',
    ])
    assert.deepEqual(calls[1], [
      'systemctl',
      'show',
      '--no-pager',
      '-p',
      SHOW_PROPERTIES.join(','),
      'atom-worker@1.service',
      'atom-worker@2.service',
    ])
    assert.deepEqual(r.json.hosts[0].value.units, ['atom-worker@1.service', 'atom-worker@2.service'])
  })

  test('systemd (recorded stand-in): logs: exact journalctl arguments; escape sequences shown inert', async () => {
    const r = await cli(['worker', 'logs', '-n', '20', '--since', '1 hour ago'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(await sd.calls(), [
      ['journalctl', '--no-pager', '-o', 'short-iso', '-n', '20', '--since', '1 hour ago', '-u', 'atom-worker.service'],
    ])
    assert.doesNotMatch(r.stdout, /\u001B/)
    assert.match(r.stdout, /\\u001b\[31mJob finished\.\\u001b\[0m Max job count reached/)
    assert.match(r.stdout, /Failed with result 'start-limit-hit'/)
  })

  test('systemd (recorded stand-in): systemctl missing is exit 4 with a hint, not a stack trace', async () => {
    const r = await runCli(['worker', 'status', '--manager', 'systemd'], {
      env: bed.env({PATH: '/nonexistent'}),
      timeoutMs: 30_000,
    })
    assert.equal(r.code, 4, r.stderr)
    assert.equal(r.stderr.split('\n')[0], 'atom-ops: systemctl not found')
    assert.match(r.stderr, /hint: .*--manager supervisor/)
  })
})
