import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {nextCronRun} from '../../../src/lib/guard/install.js'
import {runCli} from '../../helpers/cli.js'
import {startUserSystemd, type UserSystemd, userSystemdAvailable} from '../../helpers/systemd-user.js'
import {waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {gatedCommand, gearmanWorkerCommand} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {auditRecords} from './helpers.js'

/**
 * guard against a real systemd 252 (a user manager in a private mount namespace, see
 * test/helpers/systemd-user.ts): the worker at its real start limit brought back by guard run; guard
 * install's service and timer loaded, enabled and run by that manager; status and uninstall. The cron
 * fallback writes its file into a folder of the test's (no cron daemon runs here to read it).
 */
let bed: TestBed
let sd: UserSystemd | undefined
let gate: string
const unitDir = () => join(bed.dir, 'systemd', 'config', 'systemd', 'user')

before(async () => {
  bed = await TestBed.start()
  gate = join(bed.dir, 'worker-gate-closed')
  await writeFile(
    bed.env().ATOM_OPS_CONFIG!,
    [
      'default: main',
      'profiles:',
      '  main:',
      `    atom_root: ${bed.root}`,
      '    manager: systemd',
      '    unit: atom-worker',
      '    guard: {fix: [restart-worker], max_restarts_per_hour: 3}',
      '',
    ].join('\n'),
  )
  if (!userSystemdAvailable()) return
  sd = await startUserSystemd(join(bed.dir, 'systemd'))
  const command = gatedCommand(
    gearmanWorkerCommand(
      bed.servers[0],
      STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)),
    ),
    gate,
  )
  await sd.writeUnit(
    'atom-worker.service',
    [
      '[Unit]',
      'Description=AtoM worker (test)',
      'After=mariadb.service gearman-job-server.service',
      'StartLimitIntervalSec=300',
      'StartLimitBurst=3',
      '[Service]',
      'Type=simple',
      `ExecStart=${command.map((a) => `"${a.replaceAll(/(["\\$%])/g, (c) => (c === '%' ? '%%' : c === '$' ? '$$' : `\\${c}`))}"`).join(' ')}`,
      'Restart=on-failure',
      'RestartSec=100ms',
      '',
    ].join('\n'),
  )
  const started = sd.ctl('start', 'atom-worker.service')
  assert.equal(started.code, 0, started.stderr)
  await workers(1)
})
after(async () => {
  await sd?.stop()
  await bed?.stop()
})

async function workers(n: number): Promise<void> {
  await waitFor(
    `${n} worker(s) for the install`,
    async () => {
      const status = await new GearmanAdmin(bed.servers[0], 2000).status()
      return (status.find((s) => s.function === bed.fn('arFindingAidJob'))?.availableWorkers ?? 0) === n
        ? true
        : undefined
    },
    20_000,
  )
}

const env = (extra: NodeJS.ProcessEnv = {}) => bed.env({PATH: sd?.path ?? process.env.PATH, ...extra})
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, {env: env(extra), timeoutMs: 240_000})

describe(
  'guard against a real systemd (user manager)',
  {skip: userSystemdAvailable() ? false : 'needs root, unshare, nsenter and systemd'},
  () => {
    test('the worker down after systemd gave up restarting it: guard run restarts it and verifies through Gearman', async () => {
      await writeFile(gate, '')
      sd!.ctl('restart', 'atom-worker.service')
      await waitFor(
        'atom-worker failed',
        async () => (sd!.property('atom-worker.service', 'ActiveState') === 'failed' ? true : undefined),
        30_000,
        100,
      )
      await rm(gate)
      await workers(0)
      const r = await cli(['guard', 'run', '--json'])
      assert.equal(r.code, 0, r.stderr + r.stdout)
      assert.match(
        r.json.before.checks.find((c: any) => c.id === 'worker.service').summary,
        /^atom-worker\.service is failed\/failed: no worker takes jobs$/,
      )
      const restart = r.json.actions.find((a: any) => a.action === 'restart-worker')
      assert.equal(restart.outcome, 'done')
      assert.match(restart.message, /restart verified through Gearman$/)
      assert.equal(sd!.property('atom-worker.service', 'ActiveState'), 'active')
      assert.equal(r.json.verdict, 'ok')
      await workers(1)
    })

    test('install: refused without --force off a terminal; --dry-run shows the units and writes nothing', async () => {
      const refused = await cli(['guard', 'install', '--unit-dir', unitDir()])
      assert.equal(refused.code, 5)
      assert.equal(existsSync(join(unitDir(), 'atom-ops-guard-main.timer')), false)
      const dry = await cli(['guard', 'install', '--unit-dir', unitDir(), '--dry-run'])
      assert.equal(dry.code, 0, dry.stderr)
      assert.match(
        dry.stdout,
        /through a systemd service and timer \(systemctl is-system-running: (running|degraded)\)/,
      )
      assert.match(dry.stdout, /--- .*atom-ops-guard-main\.service\n/)
      assert.match(dry.stdout, /OnUnitActiveSec=300s/)
      assert.match(dry.stdout, /Dry run: nothing was written\./)
      assert.equal(existsSync(join(unitDir(), 'atom-ops-guard-main.service')), false)
    })

    test('install --every 5m --force: service and timer loaded and enabled by systemd; the password never written; status shows the next run', async () => {
      const r = await cli(['guard', 'install', '--unit-dir', unitDir(), '--every', '5m', '--force', '--json'], {
        ATOM_OPS_DB_PASSWORD: 'hunter2-secret',
      })
      assert.equal(r.code, 0, r.stderr + r.stdout)
      assert.equal(r.json.ok, true)
      assert.equal(r.json.plan.scheduler, 'systemd')
      assert.deepEqual(r.json.plan.notCarried, ['ATOM_OPS_DB_PASSWORD'])
      const service = await readFile(join(unitDir(), 'atom-ops-guard-main.service'), 'utf8')
      const timer = await readFile(join(unitDir(), 'atom-ops-guard-main.timer'), 'utf8')
      assert.match(
        service,
        new RegExp(
          `^ExecStart=${process.execPath.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)} \\S+/bin/run\\.js guard run --profile main$`,
          'm',
        ),
      )
      assert.match(
        service,
        new RegExp(
          `^Environment=ATOM_OPS_CONFIG=${bed.env().ATOM_OPS_CONFIG!.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)}$`,
          'm',
        ),
      )
      assert.match(service, /^SuccessExitStatus=1$/m)
      assert.doesNotMatch(service + timer, /hunter2|DB_PASSWORD=/)
      assert.equal(sd!.property('atom-ops-guard-main.timer', 'ActiveState'), 'active')
      assert.equal(sd!.property('atom-ops-guard-main.timer', 'UnitFileState'), 'enabled')
      const status = await cli(['guard', 'status', '--json'])
      assert.equal(status.json.installed.scheduler, 'systemd')
      assert.equal(status.json.installed.active, true)
      const next = Date.parse(status.json.nextRunIso)
      assert.ok(next > Date.now() && next <= Date.now() + 5 * 60_000 + 60_000, `next run ${status.json.nextRunIso}`)
      const audit = (await auditRecords(bed.env().ATOM_OPS_AUDIT_LOG!, 'guard:install')).pop()
      assert.equal(audit?.outcome, 'done')
    })

    test('the installed service runs guard run as the timer would: its run shows in guard status', async () => {
      const stateFile = join(bed.env().ATOM_OPS_STATE_DIR!, 'guard', 'main.json')
      const runsBefore = JSON.parse(await readFile(stateFile, 'utf8')).runs.length
      assert.equal(runsBefore, 1)
      const started = sd!.ctl('start', 'atom-ops-guard-main.service')
      assert.equal(started.code, 0, started.stderr)
      assert.equal(sd!.property('atom-ops-guard-main.service', 'Result'), 'success')
      const {runs} = JSON.parse(await readFile(stateFile, 'utf8'))
      assert.equal(runs.length, runsBefore + 1)
      const status = await cli(['guard', 'status'])
      assert.equal(status.code, 0, status.stdout + status.stderr)
      assert.match(status.stdout, /guard \(main\): installed with systemd, every 5m/)
      assert.match(status.stdout, /next run: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+/)
      assert.match(status.stdout, /Last 2 runs, newest first:/)
      assert.match(status.stdout, /│ OK\s+│ OK\s+│ 0\s+│/)
    })

    test('uninstall --force: the timer stopped and gone, the files removed, the history kept', async () => {
      const r = await cli(['guard', 'uninstall', '--force'])
      assert.equal(r.code, 0, r.stderr + r.stdout)
      assert.equal(existsSync(join(unitDir(), 'atom-ops-guard-main.timer')), false)
      assert.equal(existsSync(join(unitDir(), 'atom-ops-guard-main.service')), false)
      assert.notEqual(sd!.property('atom-ops-guard-main.timer', 'LoadState'), 'loaded')
      const status = await cli(['guard', 'status', '--json'])
      assert.equal(status.code, 1)
      assert.equal(status.json.installed, null)
      assert.equal(status.json.runs.length, 2)
      const again = await cli(['guard', 'uninstall', '--force'])
      assert.equal(again.code, 0)
      assert.match(again.stdout, /not installed: nothing to remove/)
    })
  },
)

describe('guard install where systemd does not run: a cron entry', () => {
  test('detected from systemctl is-system-running (offline here); the entry runs guard run every 10 minutes', async () => {
    const cronDir = join(bed.dir, 'cron.d')
    await mkdir(cronDir, {recursive: true})
    // The machine's own systemctl: no systemd as PID 1 in this container.
    const r = await runCli(['guard', 'install', '--cron-dir', cronDir, '--every', '10m', '--force', '--json'], {
      env: bed.env(),
      timeoutMs: 120_000,
    })
    if (r.json?.plan?.scheduler === 'systemd') return // a machine where systemd runs: covered above
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.match(r.json.plan.schedulerWhy, /systemd does not run here|systemctl is not installed/)
    const text = await readFile(join(cronDir, 'atom-ops-guard-main'), 'utf8')
    assert.match(
      text,
      new RegExp(
        `^\\*/10 \\* \\* \\* \\* root ${process.execPath.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)} \\S+run\\.js guard run --profile main >/dev/null$`,
        'm',
      ),
    )
    assert.match(
      text,
      new RegExp(
        `^ATOM_OPS_CONFIG=${bed.env().ATOM_OPS_CONFIG!.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)}$`,
        'm',
      ),
    )
    const status = await runCli(['guard', 'status', '--json'], {env: bed.env()})
    assert.equal(status.json.installed.scheduler, 'cron')
    const next = new Date(status.json.nextRunIso)
    assert.equal(next.getMinutes() % 10, 0, 'cron fires at minutes 0, 10, 20...')
    assert.ok(next.getTime() > Date.now() - 60_000 && next.getTime() <= Date.now() + 600_000, status.json.nextRunIso)
    assert.equal(nextCronRun(600_000, Date.UTC(2026, 0, 1, 10, 7, 30)), '2026-01-01T10:10:00.000Z')
    const un = await runCli(['guard', 'uninstall', '--force'], {env: bed.env()})
    assert.equal(un.code, 0, un.stderr)
    assert.equal(existsSync(join(cronDir, 'atom-ops-guard-main')), false)
  })

  test('--every that cron cannot express, or out of range: exit 2; no cron folder: exit 3', async () => {
    const seven = await runCli(
      ['guard', 'install', '--scheduler', 'cron', '--cron-dir', bed.dir, '--every', '7m', '--force'],
      {env: bed.env()},
    )
    assert.equal(seven.code, 2)
    assert.match(
      seven.stderr,
      /^atom-ops: --every 7m cannot be written as a cron schedule\n {2}hint: With cron use minutes that divide an hour/,
    )
    const tiny = await runCli(['guard', 'install', '--every', '10s', '--dry-run'], {env: bed.env()})
    assert.equal(tiny.code, 2)
    assert.match(tiny.stderr, /--every "10s" must be between 1m and 1d/)
    const none = await runCli(
      ['guard', 'install', '--scheduler', 'cron', '--cron-dir', join(bed.dir, 'no-cron-here'), '--force'],
      {env: bed.env()},
    )
    assert.equal(none.code, 3)
    assert.match(none.stderr, /^atom-ops: no cron here: .*no-cron-here does not exist and systemd does not run/)
  })

  test('an invalid policy is refused before anything is written (exit 3)', async () => {
    const config = bed.env().ATOM_OPS_CONFIG!
    const good = await readFile(config, 'utf8')
    try {
      await writeFile(config, good.replace('fix: [restart-worker]', 'fix: [restart-worker], notify_url: not-a-url'))
      const r = await runCli(['guard', 'install', '--scheduler', 'cron', '--cron-dir', bed.dir, '--force'], {
        env: bed.env(),
      })
      assert.equal(r.code, 3)
      assert.match(r.stderr, /notify_url: "not-a-url" is not a URL/)
      assert.equal(existsSync(join(bed.dir, 'atom-ops-guard-main')), false)
    } finally {
      await writeFile(config, good)
    }
  })
})
