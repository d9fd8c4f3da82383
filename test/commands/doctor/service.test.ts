import assert from 'node:assert/strict'
import {readdir, rm, utimes} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {type SystemdStandIn, systemdStandIn} from '../../helpers/systemd-standin.js'
import {waitFor} from '../../support/testbed/processes.js'
import {STOCK_WORKER_TYPES} from '../../support/testbed/schema.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

const ALL = [...new Set(Object.values(STOCK_WORKER_TYPES).flat())]

describe('doctor and the worker service under a real supervisord', () => {
  let bed: TestBed
  let sup: RunningSupervisord
  before(async () => {
    bed = await TestBed.start()
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            bed.servers[0],
            ALL.map((c) => bed.fn(c)),
          ),
        },
      ],
    })
    await waitFor(
      'supervised worker in Gearman',
      async () => ((await sup.ctl('status', 'atom-worker')).stdout.includes('RUNNING') ? true : undefined),
      15_000,
    )
  })
  after(async () => {
    await sup?.stop()
    await bed?.stop()
  })
  const doctor = (args: string[]) =>
    runCli(['doctor', '--manager', 'supervisor', '--supervisor-config', sup.configFile, ...args], {
      env: bed.env(),
      timeoutMs: 120_000,
    })

  test('a running program: OK', async () => {
    const r = await doctor(['--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const service = r.json.checks.find((c: any) => c.id === 'worker.service')
    assert.equal(service.status, 'ok')
    assert.match(service.summary, /atom-worker RUNNING on local/)
  })

  test('a program in FATAL is named first, and --fix restarts it and ends green', async () => {
    // A worker that dies at once: supervisord gives up (FATAL) and Gearman loses the install's functions.
    await sup.addPrograms([{name: 'atom-worker-broken', command: ['false'], startsecs: 1, startretries: 0}])
    await waitFor(
      'FATAL',
      async () => ((await sup.ctl('status', 'atom-worker-broken')).stdout.includes('FATAL') ? true : undefined),
      15_000,
    )
    await sup.ctl('stop', 'atom-worker')
    const broken = await runCli(
      ['doctor', '--json', '--manager', 'supervisor', '--supervisor-config', sup.configFile, '--unit', 'atom-worker*'],
      {env: bed.env()},
    )
    assert.equal(broken.code, 2, broken.stderr)
    assert.equal(broken.json.checks[0].id, 'worker.service')
    assert.match(broken.json.checks[0].summary, /atom-worker is STOPPED|atom-worker-broken is FATAL/)
    assert.ok(broken.json.checks[0].evidence.some((e: string) => /atom-worker-broken: FATAL/.test(e)))
    const nagios = await runCli(
      [
        'doctor',
        '--nagios',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup.configFile,
        '--unit',
        'atom-worker*',
      ],
      {env: bed.env()},
    )
    assert.match(nagios.stdout, /^ATOM-OPS CRITICAL - .*(STOPPED|FATAL).* \| workers=0;;1: /)

    // --fix without a terminal and without --force shows the report and the fix, then refuses (5), changing nothing
    const refused = await doctor(['--fix'])
    assert.equal(refused.code, 5)
    assert.match(refused.stdout, /Most likely cause: .*(STOPPED|FATAL)/)
    assert.match(refused.stdout, /doctor --fix would:\n {2}1\. reset the worker unit's start limit if hit, restart it/)
    assert.match(refused.stderr, /refusing to continue without --force/)
    assert.match((await sup.ctl('status', 'atom-worker')).stdout, /STOPPED/)

    // on the unit that runs the real worker: restart, verified, doctor green again
    const fixed = await doctor(['--fix', '--force', '--json'])
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr)
    assert.equal(fixed.json.before.checks[0].id, 'worker.service')
    assert.deepEqual(
      fixed.json.fixes.map((f: any) => [f.action.kind, f.ok]),
      [['reset-and-restart-worker', true]],
    )
    assert.match(fixed.json.fixes[0].message, /restart verified through Gearman/)
    assert.equal(fixed.json.after.status, 'ok')
    await sup.ctl('remove', 'atom-worker-broken')
  })
})

describe('doctor and systemd at its start limit', () => {
  let bed: TestBed
  let sd: SystemdStandIn
  before(async () => {
    bed = await TestBed.start()
    sd = await systemdStandIn('start-limit-hit')
    // The workers themselves are real (the stand-in only plays systemctl).
    await bed.startWorker(ALL)
  })
  after(async () => {
    await bed?.stop()
    if (sd) await rm(sd.dir, {recursive: true, force: true})
  })
  const doctor = (args: string[]) =>
    runCli(['doctor', '--manager', 'systemd', ...args], {env: bed.env({PATH: sd.path}), timeoutMs: 120_000})

  test('systemd (recorded stand-in): start limit named first, unit advice given, --fix resets and restarts, then green', async () => {
    const r = await doctor(['--json'])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.json.checks[0].id, 'worker.service')
    assert.match(r.json.checks[0].summary, /atom-worker\.service hit its start limit/)
    assert.deepEqual(r.json.checks[0].action, {kind: 'reset-and-restart-worker'})
    const unit = r.json.checks.find((c: any) => c.id === 'worker.unit-definition')
    assert.equal(unit.status, 'warning')
    assert.match(unit.summary, /not ordered after MySQL\/MariaDB and gearmand/)
    assert.ok(unit.evidence.includes('  SuccessExitStatus=111'), unit.evidence.join('\n'))
    assert.ok((await sd.calls()).some((c) => c.join(' ') === 'systemctl cat --no-pager atom-worker.service'))
    const nagios = await doctor(['--nagios'])
    assert.match(nagios.stdout, /^ATOM-OPS CRITICAL - atom-worker\.service hit its start limit/)

    await sd.resetCalls()
    const fixed = await doctor(['--fix', '--force', '--json'])
    assert.deepEqual(
      fixed.json.fixes.map((f: any) => [f.action.kind, f.ok]),
      [['reset-and-restart-worker', true]],
    )
    assert.match(fixed.json.fixes[0].message, /start limit reset for atom-worker\.service; restart verified/)
    const calls = (await sd.calls()).map((c) => c.slice(0, 2).join(' '))
    assert.ok(calls.indexOf('systemctl reset-failed') < calls.indexOf('systemctl restart'), calls.join('\n'))
    // the unit definition stays a warning (doctor only advises the drop-in); everything else is green
    assert.equal(fixed.json.after.checks[0].id, 'worker.unit-definition')
    assert.equal(fixed.json.after.status, 'warning')
    assert.equal(fixed.code, 1)
    assert.equal(fixed.json.after.checks.filter((c: any) => c.status === 'critical').length, 0)
  })
})

describe('doctor --fix on a stale config cache', () => {
  let bed: TestBed
  before(async () => {
    bed = await TestBed.start()
    await bed.startWorker(ALL)
  })
  after(async () => {
    await bed?.stop()
  })

  test('clears the Symfony cache, keeps the cache directory, and ends green', async () => {
    const yml = join(bed.realRoot, 'config', 'app.yml')
    const later = new Date(Date.now() + 120_000)
    await utimes(yml, later, later)
    const dry = await runCli(['doctor', '--fix', '--dry-run', '--json'], {env: bed.env()})
    assert.equal(dry.code, 2)
    assert.deepEqual(
      dry.json.fixes.map((f: any) => f.action.kind),
      ['clear-symfony-cache'],
    )
    assert.ok(
      (await readdir(join(bed.realRoot, 'cache', 'qubit', 'prod', 'config'))).length > 0,
      'dry run removed nothing',
    )

    const r = await runCli(['doctor', '--fix', '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.before.checks[0].id, 'cache.stale-config')
    assert.deepEqual(
      r.json.fixes.map((f: any) => [f.action.kind, f.ok]),
      [['clear-symfony-cache', true]],
    )
    assert.equal(r.json.after.status, 'ok')
    assert.deepEqual(await readdir(join(bed.realRoot, 'cache')), [])
    const audit = await (await import('node:fs/promises')).readFile(bed.env().ATOM_OPS_AUDIT_LOG!, 'utf8')
    assert.match(audit, /"command":"doctor".*"clear-symfony-cache"/)
  })
})
