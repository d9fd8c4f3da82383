import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {chmod, readFile, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {RunningWorker} from '../../support/testbed/workers.js'

import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {runCli} from '../../helpers/cli.js'
import {hasScript, runInPty} from '../../helpers/pty.js'
import {stopProcess, waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

/** The demo's scenario: the service runs every class but one, whose worker hangs on its job outside the service. */
const HANGING = 'arInformationObjectXmlExportJob'

let bed: TestBed
let sup: RunningSupervisord
let stray: RunningWorker
before(async () => {
  bed = await TestBed.start()
  try {
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            bed.servers[0],
            STOCK_REGISTERED_CLASSES.filter((c) => c !== HANGING).map((c) => bed.fn(c)),
          ),
        },
      ],
    })
    stray = await bed.startWorker([HANGING], {command: ['sleep', '100000']})
  } catch (error) {
    await sup?.stop()
    await bed.stop()
    throw error
  }
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

const sv = () => ['--manager', 'supervisor', '--supervisor-config', sup.configFile]
const doctor = async (args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
  const r = await runCli(['doctor', '--json', ...args], {env: bed.env(env), timeoutMs: 120_000})
  assert.ok(r.json, `doctor printed JSON: ${r.stdout} ${r.stderr}`)
  return r
}

const byId = (report: any, id: string) => report.checks.find((c: any) => c.id === id)

/** Workers of the install's functions as gearmand counts them, to wait on the service's state. */
async function serviceWorkers(): Promise<number> {
  const status = await new GearmanAdmin(bed.servers[0], 2000).status()
  return status.find((s) => s.function === bed.fn('arFindingAidJob'))?.availableWorkers ?? 0
}

async function stopService(): Promise<void> {
  await sup.ctl('stop', 'atom-worker')
  await waitFor('the service to leave Gearman', async () => ((await serviceWorkers()) === 0 ? true : undefined), 15_000)
}

/** CPU hogs: as many busy processes as it takes to keep a two-core machine loaded. */
function startHogs(n = 6): ChildProcess[] {
  return Array.from({length: n}, () => spawn('sh', ['-c', 'while :; do :; done'], {stdio: 'ignore'}))
}

describe('the worker service stopped while a stray worker stays connected', () => {
  let idle: any
  test('with the service manager known: the stopped service is the cause, with worker restart as the fix', async () => {
    await stopService()
    const r = await doctor(sv())
    assert.equal(r.code, 2)
    idle = r.json
    assert.equal(r.json.mostLikelyCause.id, 'worker.service')
    assert.match(r.json.mostLikelyCause.summary, /atom-worker is STOPPED/)
    // The flags that found the worker are in the command, so that it works when copied as printed.
    assert.equal(
      r.json.mostLikelyCause.fix,
      `atom-ops worker restart --manager supervisor --supervisor-config ${sup.configFile}`,
    )
    const classes = byId(r.json, 'gearman.job-classes')
    assert.match(
      classes.summary,
      /no available worker for 16 of 17 job classes: .*; only 1 still served: the worker service looks down/,
    )
    assert.deepEqual(classes.action, {kind: 'reset-and-restart-worker'})
    assert.ok(
      classes.evidence.some((e: string) => new RegExp(`still served: ${HANGING} by fd \\d+ from `).test(e)),
      classes.evidence.join('\n'),
    )
  })

  test('the command doctor prints, run as printed (plus --force): the worker restarts, verified through Gearman', async () => {
    const r = await doctor([...sv(), '--atom-root', bed.root])
    const words = r.json.mostLikelyCause.fix.split(' ')
    assert.deepEqual(words.slice(0, 3), ['atom-ops', 'worker', 'restart'])
    assert.ok(words.includes('--atom-root'), r.json.mostLikelyCause.fix)
    // Without the environment that found the install: only what the printed command says.
    const restart = await runCli([...words.slice(1), '--force'], {
      env: {...bed.env(), ATOM_OPS_ATOM_ROOT: undefined},
      timeoutMs: 120_000,
    })
    try {
      assert.equal(restart.code, 0, restart.stdout + restart.stderr)
      assert.match(restart.stdout, /^restart verified on 127\.0\.0\.1:\d+ \(the server the web app asks\)/m)
    } finally {
      await stopService()
    }
  })

  test('without a known service manager: the same gap still points at the service, with the restart attached', async () => {
    const r = await doctor()
    assert.equal(r.json.mostLikelyCause.id, 'gearman.job-classes')
    assert.match(r.json.mostLikelyCause.fix, /^atom-ops worker restart .*php symfony jobs:worker$/)
    assert.doesNotMatch(r.json.mostLikelyCause.fix, /--types/)
  })

  test('on a loaded machine (CPU hogs on every core) doctor reaches the same verdict', async () => {
    const hogs = startHogs()
    try {
      const r = await doctor(sv())
      assert.equal(r.code, 2)
      assert.equal(r.json.status, idle.status)
      assert.equal(r.json.mostLikelyCause.id, idle.mostLikelyCause.id)
      assert.equal(byId(r.json, 'worker.service').status, 'critical', JSON.stringify(byId(r.json, 'worker.service')))
    } finally {
      for (const h of hogs) h.kill('SIGKILL')
    }
  })

  test('--fix without a terminal shows the report and the fix in plain words, then refuses (5)', async () => {
    const r = await runCli(['doctor', '--fix', ...sv()], {env: bed.env(), timeoutMs: 120_000})
    assert.equal(r.code, 5)
    assert.match(r.stdout, /Most likely cause: atom-worker is STOPPED/)
    assert.match(
      r.stdout,
      /doctor --fix would:\n {2}1\. reset the worker unit's start limit if hit, restart it and wait until Gearman shows its workers/,
    )
    assert.doesNotMatch(r.stdout, /reset-and-restart-worker/)
    assert.match((await sup.ctl('status', 'atom-worker')).stdout, /STOPPED/)
  })

  test(
    '--fix in a terminal: the report first, then the question; No is exit 5 and changes nothing',
    {skip: !hasScript && 'script(1) not installed'},
    async () => {
      const r = await runInPty(['doctor', '--fix', ...sv()], {
        env: bed.env(),
        answers: [{when: /Apply the fix listed above\?/, type: 'n\r'}],
      })
      assert.equal(r.code, 5, r.output)
      const report = r.output.indexOf('Most likely cause:')
      const fixes = r.output.indexOf('doctor --fix would:')
      const question = r.output.indexOf('Apply the fix listed above?')
      assert.ok(report !== -1 && report < fixes && fixes < question, r.output)
      assert.match(r.output.slice(question), /cancelled: nothing was changed/)
      assert.doesNotMatch(r.output.slice(question), /--force/)
      assert.match((await sup.ctl('status', 'atom-worker')).stdout, /STOPPED/)
      const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      assert.equal(audit.at(-1).outcome, 'declined')
    },
  )

  test('--fix --force restarts the service, verified, and ends green although the stray worker is still there', async () => {
    const r = await runCli(['doctor', '--fix', '--force', '--json', ...sv()], {env: bed.env(), timeoutMs: 120_000})
    assert.equal(r.code, 0, JSON.stringify(r.json?.after?.mostLikelyCause ?? r.stderr))
    assert.deepEqual(
      r.json.fixes.map((f: any) => [f.action.kind, f.ok]),
      [['reset-and-restart-worker', true]],
    )
    assert.match(r.json.fixes[0].message, /restart verified through Gearman/)
    assert.match((await sup.ctl('status', 'atom-worker')).stdout, /RUNNING/)
  })
})

describe('advice that leads somewhere', () => {
  test('a stray worker under another prefix next to a healthy service: a warning that says how to find it, not "restart"', async () => {
    const other = await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'], {
      prefix: functionPrefix('/srv/some/other/atom', ''),
    })
    try {
      const r = await doctor(sv())
      const check = byId(r.json, 'gearman.other-prefix')
      assert.equal(check.status, 'warning')
      assert.match(
        check.fix,
        /^it is not the worker service .*fd \d+ from .*ss -tnp 'dport = :\d+'.*ps -o pid,user,args -p PID/,
      )
      assert.ok(check.evidence.some((e: string) => /^connections: fd \d+ from /.test(e)))
      assert.equal(r.code, 1)
      assert.doesNotMatch(r.json.mostLikelyCause.fix, /worker restart/)
    } finally {
      await other.stop()
    }
  })

  test('--db with a profile: the install is never compared with the profile it came from', async () => {
    const config = join(bed.dir, 'self.yml')
    await writeFile(config, `profiles:\n  site:\n    atom_root: ${bed.root}\n`)
    const t = bed.db.target
    // the same database, written another way: as an operator passes it when config.php is unreadable
    const url = `mysql://${t.user}:${encodeURIComponent(t.password)}@localhost:${t.port}/${t.database}`
    const r = await doctor(['--profile', 'site', '--db', url, ...sv()], {ATOM_OPS_CONFIG: config})
    assert.notEqual(
      byId(r.json, 'profiles.shared-prefix').status,
      'critical',
      JSON.stringify(byId(r.json, 'profiles.shared-prefix')),
    )
    assert.equal(r.code, 0, JSON.stringify(r.json.mostLikelyCause))
  })

  test('check titles name the subject, not a finding the summary may contradict', async () => {
    const r = await doctor(sv())
    for (const c of r.json.checks)
      assert.doesNotMatch(c.title, /^(No |A worker for every|.* (runs|has a worker|is up to date|parses)$)/, c.title)
    assert.ok(byId(r.json, 'jobs.stalled').title === 'Zombie and blocked jobs')
  })

  test('--nagios with --json is a usage error: UNKNOWN (3), and the JSON says 3 too', async () => {
    const r = await runCli(['doctor', '--nagios', '--json'], {env: bed.env()})
    assert.equal(r.code, 3)
    assert.equal(r.json.error.exitCode, 3)
  })
})

describe('worker restart is verified against what AtoM asks', () => {
  let two: TestBed
  let sup2: RunningSupervisord
  before(async () => {
    two = await TestBed.start({gearmandCount: 2})
    // The service registers on the first server only, while the web app asks the last (an added, empty one).
    sup2 = await startSupervisord(join(two.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            two.servers[0],
            STOCK_REGISTERED_CLASSES.map((c) => two.fn(c)),
          ),
        },
      ],
    })
  })
  after(async () => {
    await sup2?.stop()
    await two?.stop()
  })

  test('workers back on another server are not "verified": the server checked is named', async () => {
    const r = await runCli(
      [
        'worker',
        'restart',
        '--force',
        '--wait',
        '3',
        '--json',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup2.configFile,
      ],
      {env: two.env(), timeoutMs: 120_000},
    )
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.json.verification.verified, false)
    assert.equal(r.json.verification.checked, `127.0.0.1:${two.servers[1].port} (the server the web app asks)`)
    assert.equal(r.json.verification.expectedClasses, STOCK_REGISTERED_CLASSES.length)
    const human = await runCli(
      [
        'worker',
        'restart',
        '--force',
        '--wait',
        '1',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup2.configFile,
      ],
      {env: two.env(), timeoutMs: 120_000},
    )
    assert.match(
      human.stdout,
      new RegExp(`restart NOT verified on 127\\.0\\.0\\.1:${two.servers[1].port} \\(the server the web app asks\\)`),
    )
  })

  test(
    'in a terminal the wait for Gearman shows progress',
    {skip: !hasScript && 'script(1) not installed'},
    async () => {
      const r = await runInPty(
        [
          'worker',
          'restart',
          '--force',
          '--wait',
          '2',
          '--manager',
          'supervisor',
          '--supervisor-config',
          sup2.configFile,
        ],
        {env: two.env()},
      )
      assert.match(r.output, /waiting for Gearman: \d+ job class\(es\) still without a worker, \d+s/)
    },
  )
})

describe(
  'a monitoring user who cannot read config.php',
  {skip: process.getuid?.() !== 0 && 'needs root to run as nobody'},
  () => {
    const nobody = {uid: 65_534, gid: 65_534}
    before(async () => {
      // The install is world-readable but config.php (0640, root) is not, as on a real server.
      for (let dir = bed.realRoot; dir.startsWith(bed.dir); dir = dirname(dir)) await chmod(dir, 0o755)
      await chmod(bed.root, 0o755).catch(() => undefined)
    })

    test('queue status works without database credentials', async () => {
      const r = await runCli(['queue', 'status', '--json'], {env: bed.env(), user: nobody})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.json.prefix, bed.prefix)
    })

    test('metrics reports the database as down (0) and still has Gearman', async () => {
      const r = await runCli(['metrics'], {env: bed.env(), user: nobody})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /^atom_ops_database_up\{install="default"\} 0$/m)
      assert.match(r.stdout, /^atom_ops_gearman_up\{server="127\.0\.0\.1:\d+"\} 1$/m)
    })

    test('doctor marks the database checks UNKNOWN with the reason, and still checks Gearman', async () => {
      const r = await doctor([], {})
      const asNobody = await runCli(['doctor', '--json'], {env: bed.env(), user: nobody})
      assert.ok(asNobody.json, asNobody.stderr)
      const db = byId(asNobody.json, 'database')
      assert.equal(db.status, 'unknown')
      assert.match(db.summary, /cannot check the database: AtoM's config\.php is not readable/)
      assert.equal(byId(asNobody.json, 'gearman.job-classes').status, byId(r.json, 'gearman.job-classes').status)
    })
  },
)

describe('exit codes that match the table', () => {
  test('jobs export to a directory that does not exist: 2, nothing written', async () => {
    const r = await runCli(['jobs', 'export', '--output', '/nonexistent-dir/x.csv'], {env: bed.env()})
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /^atom-ops: cannot write \/nonexistent-dir\/x\.csv\.partial: ENOENT\n {2}hint: /)
  })

  test('jobs list --limit -1: a usage error that says what is allowed', async () => {
    const r = await runCli(['jobs', 'list', '--limit', '-1'], {env: bed.env()})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^atom-ops: --limit: expected an integer greater than or equal to 0/)
  })
})

// Keeps the stray worker's process accounted for: it is the bed's, stopped with it.
after(async () => {
  if (stray) await stopProcess(stray.pid)
})
