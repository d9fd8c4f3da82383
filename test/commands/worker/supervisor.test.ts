import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {runCli} from '../../helpers/cli.js'
import {isAlive, waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

// What AtoM's real worker registers on a stock install (not the disabled SWORD plugin's class).
const CLASSES = STOCK_REGISTERED_CLASSES

let bed: TestBed
let sup: RunningSupervisord

before(async () => {
  bed = await TestBed.start()
  try {
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            bed.servers[0],
            CLASSES.map((c) => bed.fn(c)),
          ),
        },
      ],
    })
    await waitForWorkers(1)
  } catch (error) {
    await bed.stop()
    throw error
  }
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

/** Available workers of the install's arFindingAidJob, straight from gearmand. */
async function available(): Promise<number> {
  const status = await new GearmanAdmin(bed.servers[0], 2000).status()
  return status.find((s) => s.function === bed.fn('arFindingAidJob'))?.availableWorkers ?? 0
}

async function waitForWorkers(n: number): Promise<void> {
  await waitFor(`${n} worker(s) in gearmand`, async () => ((await available()) === n ? true : undefined), 15_000)
}

const sv = () => ['--manager', 'supervisor', '--supervisor-config', sup.configFile]
const cli = (args: string[]) => runCli(args, {env: bed.env(), timeoutMs: 120_000})

async function pidOf(program: string): Promise<number | undefined> {
  const r = await sup.ctl('pid', program)
  return /^\d+$/.test(r.stdout.trim()) && r.stdout.trim() !== '0' ? Number(r.stdout.trim()) : undefined
}

describe('worker commands against a real supervisord', () => {
  test("status: the program RUNNING with its pid and uptime, and the install's workers per job class from Gearman", async () => {
    const r = await cli(['worker', 'status', ...sv(), '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const host = r.json.hosts[0]
    assert.equal(host.ok, true)
    assert.equal(host.host, 'local')
    assert.equal(host.manager, 'supervisor')
    const unit = host.value.status[0]
    assert.equal(unit.unit, 'atom-worker')
    assert.equal(unit.condition, 'running')
    assert.equal(unit.rawState, 'RUNNING')
    assert.equal(unit.mainPid, await pidOf('atom-worker'))
    assert.ok(unit.memoryBytes > 0, 'memory of the running process is read with ps')
    assert.ok(Date.parse(unit.sinceIso) <= Date.now())
    const server = r.json.gearman.servers[0]
    assert.equal(r.json.gearman.prefix, bed.prefix)
    assert.equal(server.workerConnections, 1)
    const byClass = Object.fromEntries(server.classes.map((c: any) => [c.jobClass, c.availableWorkers]))
    for (const c of CLASSES) assert.equal(byClass[c], 1, c)
    // a listed class no worker registers (the disabled plugin's) is shown with none
    assert.equal(byClass.qtSwordPluginWorker, 0)

    const human = await cli(['worker', 'status', ...sv()])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /atom-worker\s*│\s*RUNNING/)
    assert.match(human.stdout, /arFindingAidJob\s*│\s*1/)
  })

  test('stop without --force and without a terminal is refused (exit 5) and changes nothing', async () => {
    const pid = await pidOf('atom-worker')
    const r = await cli(['worker', 'stop', ...sv()])
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /^atom-ops: refusing to continue without --force/)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    assert.equal(await pidOf('atom-worker'), pid)
    assert.equal(await available(), 1)
  })

  test('restart --dry-run shows the supervisorctl command and changes nothing', async () => {
    const pid = await pidOf('atom-worker')
    const r = await cli(['worker', 'restart', ...sv(), '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.dryRun, true)
    assert.deepEqual(r.json.hosts[0].value.plan, [
      {
        action: 'restart',
        units: ['atom-worker'],
        argv: ['supervisorctl', '-c', sup.configFile, 'restart', 'atom-worker'],
      },
    ])
    assert.equal(await pidOf('atom-worker'), pid)
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.equal(audit.at(-1).outcome, 'dry-run')
  })

  test('stop --force: the functions lose their workers in Gearman (verified), the program is STOPPED', async () => {
    const r = await cli(['worker', 'stop', ...sv(), '--force', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.equal(r.json.verification.verified, true)
    assert.deepEqual(r.json.verification.missing, [])
    assert.equal(await available(), 0, 'gearmand itself says no worker is left')
    assert.equal(r.json.hosts[0].value.after[0].rawState, 'STOPPED')
    assert.equal(await pidOf('atom-worker'), undefined)

    const status = await cli(['worker', 'status', ...sv(), '--json'])
    assert.equal(status.code, 1, 'a stopped worker is a problem')
    assert.ok(status.json.problems.some((p: string) => /atom-worker: STOPPED/.test(p)))
  })

  test('start --force: verified through Gearman when every job class that had workers has them again', async () => {
    const r = await cli(['worker', 'start', ...sv(), '--force', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.equal(r.json.verification.verified, true)
    assert.equal(await available(), 1)
  })

  test('restart --force: a new process, verified through Gearman, with an audit record', async () => {
    const before = await pidOf('atom-worker')
    const started = Date.now()
    const r = await cli(['worker', 'restart', ...sv(), '--force'])
    const took = Date.now() - started
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.match(r.stdout, /restart verified on 127\.0\.0\.1:\d+ \(the server the web app asks\) in \d+\.\ds/)
    const after = await pidOf('atom-worker')
    assert.ok(after && after !== before, `new pid ${after} != ${before}`)
    assert.ok(isAlive(after!))
    assert.equal(await available(), 1)
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const last = audit.at(-1)
    assert.equal(last.outcome, 'done')
    assert.equal(last.action, 'restart')
    assert.equal(last.verified, true)
    process.stderr.write(
      `# worker restart (supervisord, CLI process included): ${took} ms; ${/restart verified on [^:]+:\d+ [^:]+/.exec(r.stdout)![0]}\n`,
    )
  })

  test('restart that cannot be verified: exit 1 and the missing job classes are named', async () => {
    // A program that runs but registers under another prefix: supervisord is happy, Gearman is not.
    await sup.addPrograms([
      {
        name: 'atom-worker-wrong',
        command: gearmanWorkerCommand(bed.servers[0], ['0123456789abcdef0123456789abcdef-arFindingAidJob']),
      },
    ])
    // stop the real one so the install has no worker; the expectation then is every class of gearman.yml
    await sup.ctl('stop', 'atom-worker')
    await waitForWorkers(0)
    const r = await cli([
      'worker',
      'restart',
      ...sv(),
      '--unit',
      'atom-worker-wrong',
      '--force',
      '--wait',
      '2',
      '--json',
    ])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    assert.equal(r.json.verification.verified, false)
    assert.ok(
      r.json.verification.missing.some((m: string) => /arFindingAidJob: (0 available workers|not registered)/.test(m)),
      JSON.stringify(r.json.verification.missing),
    )
    assert.ok(r.json.verification.elapsedMs >= 2000)
    await sup.ctl('stop', 'atom-worker-wrong')
    await sup.ctl('start', 'atom-worker')
    await waitForWorkers(1)
  })

  test('a program in FATAL is reported (exit 1); worker reset explains that start is what helps', async () => {
    await sup.addPrograms([{name: 'atom-worker-broken', command: ['false'], startretries: 0}])
    await waitFor(
      'FATAL',
      async () => ((await sup.ctl('status', 'atom-worker-broken')).stdout.includes('FATAL') ? true : undefined),
      15_000,
    )
    const r = await cli(['worker', 'status', ...sv(), '--unit', 'atom-worker-broken', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const unit = r.json.hosts[0].value.status[0]
    assert.equal(unit.rawState, 'FATAL')
    assert.equal(unit.condition, 'failed')
    assert.equal(unit.lastExitStatus, 1)
    assert.match(unit.note, /FATAL/)

    const reset = await cli(['worker', 'reset', ...sv(), '--unit', 'atom-worker-broken'])
    assert.equal(reset.code, 0, reset.stderr)
    assert.match(reset.stdout, /no start limit to reset: atom-worker-broken is FATAL .*atom-ops worker start/)
  })

  test("a worker that exits 111 (AtoM's --max-job-count) is reported with its exit status", async () => {
    await sup.addPrograms([
      {name: 'atom-worker-limited', command: ['sh', '-c', 'sleep 1.2; exit 111'], startsecs: 1, autorestart: false},
    ])
    await waitFor(
      'EXITED',
      async () => ((await sup.ctl('status', 'atom-worker-limited')).stdout.includes('EXITED') ? true : undefined),
      15_000,
    )
    const r = await cli(['worker', 'status', ...sv(), '--unit', 'atom-worker-limited', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const unit = r.json.hosts[0].value.status[0]
    assert.equal(unit.rawState, 'EXITED')
    assert.equal(unit.lastExitStatus, 111)
    assert.match(unit.note, /111.*--max-job-count/)
    const human = await cli(['worker', 'status', ...sv(), '--unit', 'atom-worker-limited'])
    assert.match(human.stdout, /last exit 111: AtoM's worker reached --max-job-count/)
  })

  test("a group ('atom-workers:*') is expanded to its processes", async () => {
    const fns = [bed.fn('arGenerateReportJob')]
    await sup.addPrograms(
      [
        {name: 'w1', command: gearmanWorkerCommand(bed.servers[0], fns)},
        {name: 'w2', command: gearmanWorkerCommand(bed.servers[0], fns)},
      ],
      {name: 'atom-workers'},
    )
    await waitFor(
      'group running',
      async () =>
        (await sup.ctl('status', 'atom-workers:*')).stdout.match(/RUNNING/g)?.length === 2 ? true : undefined,
      15_000,
    )
    for (const unit of ['atom-workers:*', 'atom-workers']) {
      const r = await cli(['worker', 'status', ...sv(), '--unit', unit, '--json'])
      assert.deepEqual(r.json.hosts[0].value.units, ['atom-workers:w1', 'atom-workers:w2'], unit)
      assert.ok(r.json.hosts[0].value.status.every((s: any) => s.condition === 'running'))
    }

    const stop = await cli(['worker', 'stop', ...sv(), '--unit', 'atom-workers:*', '--force', '--wait', '0', '--json'])
    assert.equal(stop.code, 0, stop.stderr)
    assert.deepEqual(
      stop.json.hosts[0].value.steps.map((s: any) => [s.unit, s.ok]),
      [
        ['atom-workers:w1', true],
        ['atom-workers:w2', true],
      ],
    )
  })

  test('an unknown program is a usage error naming the programs there are', async () => {
    const r = await cli(['worker', 'status', ...sv(), '--unit', 'no-such-worker'])
    assert.equal(r.code, 2)
    assert.match(
      r.stderr,
      /^atom-ops: no supervisord program matches "no-such-worker"\n {2}hint: Programs: .*atom-worker/,
    )
  })

  test('logs: the last N lines of the program log; --since is refused for supervisord', async () => {
    await sup.addPrograms([
      {name: 'chatty', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "job $i done"; done; sleep 1000']},
    ])
    await waitFor(
      'chatty log',
      async () => ((await sup.ctl('tail', 'chatty')).stdout.includes('job 5') ? true : undefined),
      15_000,
    )
    const r = await cli(['worker', 'logs', ...sv(), '--unit', 'chatty', '-n', '2'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'job 4 done\njob 5 done\n')
    const json = await cli(['worker', 'logs', ...sv(), '--unit', 'chatty', '-n', '3', '--json'])
    assert.deepEqual(json.json.hosts[0].value.lines, ['job 3 done', 'job 4 done', 'job 5 done'])
    const since = await cli(['worker', 'logs', ...sv(), '--unit', 'chatty', '--since', '1 hour ago'])
    assert.equal(since.code, 2)
    assert.match(since.stderr, /--since needs the systemd journal/)
  })

  test('logs of a program that wrote nothing: it says the log is empty, not nothing at all', async () => {
    await sup.addPrograms([{name: 'quiet', command: ['sleep', '100000']}])
    await waitFor(
      'quiet running',
      async () => ((await sup.ctl('status', 'quiet')).stdout.includes('RUNNING') ? true : undefined),
      15_000,
    )
    const r = await cli(['worker', 'logs', ...sv(), '--unit', 'quiet', '-n', '5'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'local: no log lines for quiet: the log is empty.\n')
    const json = await cli(['worker', 'logs', ...sv(), '--unit', 'quiet', '-n', '5', '--json'])
    assert.deepEqual(json.json.hosts[0].value.lines, [])
  })

  test("times in the one human format with the zone: the program's start in this machine's zone, as a job's start is in AtoM's", async () => {
    const r = await runCli(['worker', 'status', ...sv()], {env: bed.env({TZ: 'Asia/Kolkata'}), timeoutMs: 120_000})
    assert.match(r.stdout, /atom-worker\s*│\s*RUNNING\s*│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30 \(/, r.stdout)
    const {insertJob} = await import('../../support/testbed/seed.js')
    const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    const job = await runCli(['jobs', 'list', '--status', 'running'], {env: bed.env({TZ: 'Asia/Kolkata'})})
    const offset = (await runCli(['jobs', 'show', String(id), '--json'], {env: bed.env()})).json.startedAt.slice(-6)
    assert.match(
      job.stdout,
      new RegExp(`│ ${id}\\s.*│ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\${offset} │`),
      job.stdout,
    )
  })

  test('jobs kill on a supervisord host names no systemd command; without --restart-worker it points at worker restart', async () => {
    const {insertJob} = await import('../../support/testbed/seed.js')
    const id = await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running'})
    const r = await cli(['jobs', 'kill', String(id), '--force', ...sv()])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /atom-ops worker restart/)
    assert.doesNotMatch(r.stdout + r.stderr, /systemctl/)
  })

  test('logs: a log with control characters, which supervisorctl itself cannot show, is a clear error (exit 6)', async () => {
    await sup.addPrograms([
      {
        name: 'noisy',
        command: ['sh', '-c', String.raw`printf "line one\n\033[31mred\033]0;title\007\nlast line\n"; sleep 1000`],
      },
    ])
    await waitFor(
      'noisy log',
      async () =>
        (await readFile(join(sup.dir, 'noisy.log'), 'utf8').catch(() => '')).includes('last line') ? true : undefined,
      15_000,
    )
    const r = await cli(['worker', 'logs', ...sv(), '--unit', 'noisy', '-n', '2'])
    assert.equal(r.code, 6, r.stderr + r.stdout)
    assert.match(r.stderr, /^atom-ops: supervisorctl cannot show the log of noisy: it contains control characters/)
    assert.doesNotMatch(r.stderr + r.stdout, /\u001B/, 'nothing raw reaches the terminal')
  })

  test('logs --follow prints new lines as they come and ends cleanly on Ctrl-C (SIGINT)', async () => {
    await sup.addPrograms([
      {name: 'tick', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done']},
    ])
    const {spawn} = await import('node:child_process')
    const bin = new URL('../../../bin/run.js', import.meta.url).pathname
    const child = spawn(process.execPath, [bin, 'worker', 'logs', '--follow', ...sv(), '--unit', 'tick', '-n', '1'], {
      env: {PATH: process.env.PATH, HOME: process.env.HOME, ...bed.env()},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    try {
      const first = await waitFor('a first tick', async () => /tick (\d+)/.exec(out)?.[1], 15_000)
      await waitFor('a later tick', async () => (out.includes(`tick ${Number(first) + 3}`) ? true : undefined), 15_000)
    } finally {
      child.kill('SIGINT')
    }

    const [code] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, sig) => resolve([c, sig])),
    )
    assert.equal(code, 0)
    assert.doesNotMatch(out, /Press Ctrl-C/)
  })

  test('--supervisor-config alone picks supervisord; a profile gives the default unit and manager', async () => {
    const implied = await cli([
      'worker',
      'status',
      '--supervisor-config',
      sup.configFile,
      '--unit',
      'atom-worker',
      '--json',
    ])
    assert.equal(implied.json.hosts[0].manager, 'supervisor')
    const {writeFile, rm} = await import('node:fs/promises')
    const file = join(bed.dir, 'atom-ops.yml')
    await writeFile(
      file,
      `default: main\nprofiles:\n  main:\n    atom_root: ${bed.root}\n    unit: "atom-workers:*"\n    manager: supervisor\n`,
    )
    try {
      const r = await cli(['worker', 'status', '--supervisor-config', sup.configFile, '--json'])
      assert.equal(r.json.unitPattern, 'atom-workers:*')
      assert.deepEqual(r.json.hosts[0].value.units, ['atom-workers:w1', 'atom-workers:w2'])
      const flagWins = await cli([
        'worker',
        'status',
        '--supervisor-config',
        sup.configFile,
        '--unit',
        'atom-worker',
        '--json',
      ])
      assert.deepEqual(flagWins.json.hosts[0].value.units, ['atom-worker'])
      await writeFile(file, `default: main\nprofiles:\n  main:\n    manager: upstart\n`)
      const bad = await cli(['worker', 'status'])
      assert.equal(bad.code, 3)
      assert.match(
        bad.stderr,
        /^atom-ops: .*atom-ops\.yml: profile "main" setting "manager" "upstart" is not systemd or supervisor\n {2}hint: /,
      )
    } finally {
      await rm(file, {force: true})
    }
  })

  test('supervisord down: one line, exit 4, a hint', async () => {
    const r = await cli([
      'worker',
      'status',
      '--manager',
      'supervisor',
      '--supervisor-config',
      join(bed.dir, 'nope.conf'),
    ])
    assert.equal(r.code, 4, r.stderr)
    assert.match(r.stderr, /^atom-ops: .*could not find config file/)
    assert.match(r.stderr, /hint: /)
  })
})
