import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {mkdir, readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {seedMany} from '../commands/jobs/helpers.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {startGearmand} from '../support/testbed/gearmand.js'
import {adminTarget} from '../support/testbed/mariadb.js'
import {freePort, startBlackhole} from '../support/testbed/processes.js'
import {TestBed} from '../support/testbed/testbed.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/**
 * Every command that talks to a service, against that service refused (nothing listens) and silent (a
 * listener that accepts and never answers): a clear message and its documented exit code, within
 * --timeout plus one second (plus the CLI's own start-up, measured here), never a hang.
 */
const TIMEOUT_S = 2

type Fault = 'refused' | 'silent'
interface Case {
  name: string
  args: (addr: string) => string[]
  /** Which service the address replaces. */
  service: 'gearman' | 'mysql' | 'memcached' | 'supervisor'
  code: number
  message: RegExp
  /** Checked on stdout instead of stderr (reports that show a down service as data). */
  stdout?: boolean
  /** More to check afterwards (files left behind), given the same address. */
  check?: (r: CliResult, addr: string) => Promise<void>
}

const G = (addr: string) => ['--gearman', addr]
/** The password travels as atom-ops recommends (ATOM_OPS_DB_PASSWORD), not in --db where ps shows it. */
const DB = (addr: string) => ['--db', `mysql://atom@${addr}/atom`]
const DB_PASSWORD = {ATOM_OPS_DB_PASSWORD: 'secret-pw'}
const UNREACHABLE = /refused the connection|did not answer in time|did not answer|unreachable|timed out/i
const MYSQL_DOWN = /^atom-ops: MySQL at atom@127\.0\.0\.1:\d+\/atom did not answer/
/** supervisorctl's own "refused connection", or our runner's timeout for a supervisorctl that never returns. */
const SUPERVISOR_DOWN =
  /supervisord is not answering: http:\/\/127\.0\.0\.1:\d+ refused connection|supervisorctl status did not finish within 6s \(commands get 3x --timeout\)/

/** doctor's check of the service: UNKN with supervisorctl's refusal, or the runner's timeout naming its budget and the flag that raises it. */
const DOCTOR_SUPERVISOR_DOWN =
  /UNKN[^\n]*(supervisord is not answering: http:\/\/127\.0\.0\.1:\d+ refused connection|supervisorctl status did not finish within 6s \(commands get 3x --timeout\))/

/** Scratch files of the cases (export targets, supervisord.conf files); created in before(). */
let work = ''
/** A backup file written by `jobs clear` on the real bed, so `jobs restore` fails on MySQL and nothing else. */
let backupFile = ''
const slug = (addr: string) => addr.replaceAll(/[^0-9A-Za-z]/g, '_')
const exportFile = (addr: string) => join(work, `export-${slug(addr)}.csv`)
/** A supervisord.conf whose [supervisorctl] section points at addr (refused or silent). */
function supervisorConf(addr: string): string {
  const file = join(work, `supervisord-${slug(addr)}.conf`)
  writeFileSync(file, `[supervisorctl]\nserverurl=http://${addr}\n`)
  return file
}

const SV = (addr: string) => ['--manager', 'supervisor', '--supervisor-config', supervisorConf(addr)]

const CASES: Case[] = [
  {
    name: 'queue status',
    service: 'gearman',
    args: (a) => ['queue', 'status', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'queue workers',
    service: 'gearman',
    args: (a) => ['queue', 'workers', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'queue jobs',
    service: 'gearman',
    args: (a) => ['queue', 'jobs', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'queue ping',
    service: 'gearman',
    args: (a) => ['queue', 'ping', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'queue watch',
    service: 'gearman',
    args: (a) => ['queue', 'watch', '--count', '1', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'queue cancel',
    service: 'gearman',
    args: (a) => ['queue', 'cancel', 'H:vm:1', '--server', a, '--force', ...G(a)],
    code: 4,
    message: UNREACHABLE,
  },
  {
    name: 'queue drop',
    service: 'gearman',
    args: (a) => ['queue', 'drop', 'x-arFindingAidJob', '--force', ...G(a)],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'cache clear --memcached',
    service: 'memcached',
    args: (a) => ['cache', 'clear', '--memcached-server', a, '--force'],
    code: 4,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'doctor (Gearman)',
    service: 'gearman',
    args: (a) => ['doctor', ...G(a)],
    code: 2,
    message: UNREACHABLE,
    stdout: true,
  },
  {
    name: 'doctor (MySQL)',
    service: 'mysql',
    args: (a) => ['doctor', ...DB(a)],
    code: 2,
    message: /MySQL at .* did not answer/,
    stdout: true,
  },
  {
    name: 'metrics (Gearman and MySQL)',
    service: 'gearman',
    args: (a) => ['metrics', ...G(a), ...DB(a)],
    code: 0,
    message: /atom_ops_gearman_up\{server="[^"]+"\} 0/,
    stdout: true,
  },
  // The jobs commands: MySQL down or silent, everything else (the install, its good gearmand) as configured.
  {name: 'jobs list', service: 'mysql', args: (a) => ['jobs', 'list', ...DB(a)], code: 4, message: MYSQL_DOWN},
  {name: 'jobs show 1', service: 'mysql', args: (a) => ['jobs', 'show', '1', ...DB(a)], code: 4, message: MYSQL_DOWN},
  {
    name: 'jobs export (stdout)',
    service: 'mysql',
    args: (a) => ['jobs', 'export', ...DB(a)],
    code: 4,
    message: MYSQL_DOWN,
  },
  {
    name: 'jobs export --output',
    service: 'mysql',
    args: (a) => ['jobs', 'export', '--output', exportFile(a), ...DB(a)],
    code: 4,
    message: MYSQL_DOWN,
    async check(r, a) {
      assert.equal(r.stdout, '')
      assert.ok(!existsSync(exportFile(a)), 'no export file')
      assert.ok(!existsSync(`${exportFile(a)}.partial`), 'no .partial file left')
    },
  },
  {name: 'jobs stalled', service: 'mysql', args: (a) => ['jobs', 'stalled', ...DB(a)], code: 4, message: MYSQL_DOWN},
  {
    name: 'jobs kill 1 --force',
    service: 'mysql',
    args: (a) => ['jobs', 'kill', '1', '--force', ...DB(a)],
    code: 4,
    message: MYSQL_DOWN,
  },
  {
    name: 'jobs clear --force',
    service: 'mysql',
    args: (a) => ['jobs', 'clear', '--force', ...DB(a)],
    code: 4,
    message: MYSQL_DOWN,
  },
  {
    name: 'jobs restore FILE',
    service: 'mysql',
    args: (a) => ['jobs', 'restore', backupFile, ...DB(a)],
    code: 4,
    message: MYSQL_DOWN,
  },
  // The worker commands under supervisord: supervisorctl against a server that refuses or never answers.
  {
    name: 'worker status (supervisord)',
    service: 'supervisor',
    args: (a) => ['worker', 'status', ...SV(a)],
    code: 4,
    message: SUPERVISOR_DOWN,
    stdout: true,
  },
  // doctor's worker-service check under the service-manager budget: an UNKNOWN that says which budget ran out, or supervisorctl's own refusal (CRITICAL overall: the bed has no worker then).
  {
    name: 'doctor (supervisord)',
    service: 'supervisor',
    args: (a) => ['doctor', ...SV(a)],
    code: 2,
    message: DOCTOR_SUPERVISOR_DOWN,
    stdout: true,
  },
  {
    name: 'worker restart (supervisord)',
    service: 'supervisor',
    args: (a) => ['worker', 'restart', ...SV(a), '--force', '--wait', '0'],
    code: 4,
    message: SUPERVISOR_DOWN,
    stdout: true,
  },
]

let bed: TestBed
let hole: Awaited<ReturnType<typeof startBlackhole>>
before(async () => {
  bed = await TestBed.start()
  hole = await startBlackhole()
  work = join(bed.dir, 'faults')
  await mkdir(work, {recursive: true})
  // A real backup of three jobs, checked good against the live database: restore can only fail on MySQL.
  backupFile = join(work, 'jobs-backup.ndjson')
  await seedMany(bed.database, 3)
  const cleared = await runCli(['jobs', 'clear', '--force', '--backup', backupFile], {env: bed.env()})
  assert.equal(cleared.code, 0, cleared.stderr)
  const checked = await runCli(['jobs', 'restore', backupFile, '--dry-run', '--json'], {env: bed.env()})
  assert.equal(checked.code, 0, checked.stderr)
  assert.equal(checked.json.jobs, 3)
})
after(async () => {
  await hole?.close()
  await bed?.stop()
})

async function address(fault: Fault): Promise<string> {
  return fault === 'refused' ? `127.0.0.1:${await freePort()}` : `127.0.0.1:${hole.port}`
}

describe('a service down or silent: clear message, documented code, no hang', () => {
  for (const c of CASES) {
    for (const fault of ['refused', 'silent'] as const) {
      test(`${c.name}: ${c.service} ${fault}`, async () => {
        const addr = await address(fault)
        const r: CliResult = await runCli([...c.args(addr), '--timeout', String(TIMEOUT_S)], {
          env: bed.env(DB_PASSWORD),
          timeoutMs: 60_000,
        })
        // Bounded by its own timeouts, not by this harness (which kills it after 60 s); the time it
        // takes is measured in bench/, never asserted here (a busy machine must not fail this test).
        assert.equal(r.signal, null, `killed by the harness: ${r.stdout}\n${r.stderr}`)
        assert.equal(r.code, c.code, `exit code: ${r.stdout}\n${r.stderr}`)
        assert.match(c.stdout ? r.stdout + r.stderr : r.stderr, c.message)
        // One line and its hint, nothing else.
        if (!c.stdout) assert.match(r.stderr, /^atom-ops: [^\n]*\n {2}hint: [^\n]*\n$/)
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace')
        assert.ok(!(r.stdout + r.stderr).includes('secret-pw'), 'no password')
        await c.check?.(r, addr)
      })
    }
  }
})

/** The CLI as a child whose output can be watched while it runs (runCli only reports at the end). */
function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = {stdout: '', stderr: '', bytes: 0, lines: 0}
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out.bytes += d.length
    for (let i = d.indexOf('\n'); i !== -1; i = d.indexOf('\n', i + 1)) out.lines++
    // A large export on stdout is only counted, not kept whole.
    out.stdout = out.stdout.length < 1 << 20 ? out.stdout + d : out.stdout
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
  // A hung CLI fails the test instead of hanging it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({code, signal})
    }),
  )
  /** Resolves once stdout holds at least this many bytes (or the CLI ended first: false). */
  const stdoutReaches = (n: number) =>
    new Promise<boolean>((resolve) => {
      if (out.bytes >= n) return resolve(true)
      const onData = () => {
        if (out.bytes >= n) {
          child.stdout.off('data', onData)
          resolve(true)
        }
      }

      child.stdout.on('data', onData)
      void exited.then(() => resolve(out.bytes >= n))
    })
  return {child, out, exited, stdoutReaches}
}

/** Resolves when nothing listens on the port any more (a killed server's socket is gone). */
async function refusedOn(port: number, timeoutMs = 5000): Promise<void> {
  const {connect} = await import('node:net')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(false)
      })
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
    })
    if (refused) return
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a service killed mid-operation: reported, documented code, no stack trace', () => {
  test('queue watch: gearmand killed after the first snapshot; the later snapshots show it down, exit 4', async () => {
    const g = await startGearmand(bed.dir)
    try {
      const run = spawnCli(
        [
          'queue',
          'watch',
          '--interval',
          '1',
          '--count',
          '3',
          '--json',
          '--gearman',
          `${g.host}:${g.port}`,
          '--timeout',
          String(TIMEOUT_S),
        ],
        bed.env(),
      )
      // The first snapshot is out (one whole JSON line): the server was up for it.
      const before = await Promise.race([
        new Promise<boolean>((resolve) => {
          const onData = () => {
            if (run.out.stdout.includes('\n')) {
              run.child.stdout.off('data', onData)
              resolve(true)
            }
          }

          run.child.stdout.on('data', onData)
        }),
        run.exited.then(() => false),
      ])
      assert.ok(before, `no first snapshot: ${run.out.stderr}`)
      process.kill(g.pid, 'SIGKILL')
      await refusedOn(g.port)
      const {code} = await run.exited
      const lines = run.out.stdout.trim().split('\n')
      assert.equal(lines.length, 3, run.out.stdout)
      const snapshots = lines.map((l) => JSON.parse(l))
      assert.equal(snapshots[0].servers[0].ok, true)
      assert.equal(snapshots[0].exitCode, 0)
      for (const s of snapshots.slice(1)) {
        assert.equal(s.servers[0].ok, false, JSON.stringify(s.servers))
        assert.equal(s.servers[0].error.kind, 'refused', JSON.stringify(s.servers[0].error))
        assert.match(s.servers[0].error.message, /refused the connection/)
        assert.equal(s.unreachable, 1)
        assert.equal(s.exitCode, 4)
      }

      assert.equal(code, 4, `exit code: ${run.out.stderr}`)
      assert.doesNotMatch(run.out.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace')
    } finally {
      await g.stop()
    }
  })

  describe('jobs export: its MySQL connection killed mid-stream', () => {
    const JOBS = 200_000
    let admin: import('mysql2/promise').Connection
    let cliUser = ''
    let cliDb = ''
    const CLI_PASSWORD = {ATOM_OPS_DB_PASSWORD: 'cli-pw'}
    before(async () => {
      await seedMany(bed.database, JOBS)
      // The CLI logs in as its own user, so only its connections are killed.
      const mysql = (await import('mysql2/promise')).default
      const t = adminTarget()
      admin = await mysql.createConnection({
        host: t.host,
        port: t.port,
        user: t.user,
        password: t.password,
        socketPath: t.socketPath,
      })
      cliUser = `${bed.db.user}_exp`
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [cliUser, '127.0.0.1', 'cli-pw'])
      await admin.query(`GRANT ALL PRIVILEGES ON \`${bed.db.name}\`.* TO ?@?`, [cliUser, '127.0.0.1'])
      cliDb = `mysql://${cliUser}@127.0.0.1:${bed.db.target.port ?? 3306}/${bed.db.name}`
    })
    after(async () => {
      if (!admin) return
      await admin.query('DROP USER IF EXISTS ?@?', [cliUser, '127.0.0.1']).catch(() => undefined)
      await admin.end()
    })

    /** Kills every connection of the CLI's user, again and again, until the CLI has ended. */
    async function killConnectionsUntil(ended: Promise<unknown>): Promise<number> {
      let done = false
      void ended.then(() => (done = true))
      let kills = 0
      while (!done) {
        const [conns] = await admin.query<Array<import('mysql2').RowDataPacket & {id: number}>>(
          'SELECT id FROM information_schema.PROCESSLIST WHERE user = ?',
          [cliUser],
        )
        for (const c of conns) {
          await admin.query('KILL ?', [Number(c.id)]).then(
            () => kills++,
            () => undefined,
          )
        }

        await new Promise((r) => setTimeout(r, 10))
      }

      return kills
    }

    /** Part way: exit 6, how many jobs were written, and that the output is incomplete (or, with --output, not there). */
    function assertOneLineFailure(code: number | null, stderr: string, hint: RegExp): void {
      assert.equal(code, 6, stderr)
      assert.match(stderr, /^atom-ops: the export stopped after [1-9]\d* jobs: [^\n]*MySQL[^\n]*\n {2}hint: [^\n]*\n$/)
      assert.match(stderr, hint)
      assert.doesNotMatch(stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace')
      assert.ok(!stderr.includes('cli-pw'), 'no password')
    }

    test('to --output FILE: exit 6, one line saying how far it got, and no file left (neither FILE nor FILE.partial)', async () => {
      const file = join(work, 'killed-export.csv')
      const run = spawnCli(
        ['jobs', 'export', '--db', cliDb, '--output', file, '--timeout', String(TIMEOUT_S)],
        bed.env(CLI_PASSWORD),
      )
      // Mid-stream: rows are being written (to whichever file the export writes first).
      const written = async () => {
        let n = 0
        for (const f of (await readdir(work)).filter((x) => x.startsWith('killed-export')))
          n += await stat(join(work, f)).then(
            (s) => s.size,
            () => 0,
          )
        return n
      }

      for (;;) {
        if ((await written()) > 100_000) break
        const ended = await Promise.race([
          run.exited.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 10)),
        ])
        assert.ok(!ended, `the export ended before it was interrupted: ${run.out.stderr}`)
      }

      const kills = await killConnectionsUntil(run.exited)
      const {code} = await run.exited
      assert.ok(kills > 0, 'a connection was killed')
      assertOneLineFailure(code, run.out.stderr, /hint: Nothing was written to .*killed-export\.csv/)
      assert.equal(run.out.stdout, '', 'no "Exported ..." line')
      assert.ok(!existsSync(file), 'no file under the final name')
      assert.ok(!existsSync(`${file}.partial`), 'no .partial file left behind')
      assert.deepEqual(
        (await readdir(work)).filter((f) => f.startsWith('killed-export')),
        [],
      )
    })

    test('to standard output: exit 6, one line saying the output is incomplete, the output cut short', async () => {
      const run = spawnCli(['jobs', 'export', '--db', cliDb, '--timeout', String(TIMEOUT_S)], bed.env(CLI_PASSWORD))
      assert.ok(await run.stdoutReaches(100_000), `the export ended before it was interrupted: ${run.out.stderr}`)
      const kills = await killConnectionsUntil(run.exited)
      const {code} = await run.exited
      assert.ok(kills > 0, 'a connection was killed')
      assertOneLineFailure(code, run.out.stderr, /hint: What was written so far is incomplete/)
      // Fewer rows than the table holds (the header and one line per job otherwise).
      assert.ok(run.out.lines < JOBS + 1, `output ${run.out.lines} lines`)
    })

    test('to --output FILE, interrupted by SIGINT: exit 6, how many jobs were written, no FILE and no FILE.partial', async () => {
      const file = join(work, 'interrupted-export.csv')
      const run = spawnCli(
        ['jobs', 'export', '--db', cliDb, '--output', file, '--page-size', '200'],
        bed.env(CLI_PASSWORD),
      )
      for (;;) {
        if (
          (await stat(`${file}.partial`).then(
            (s) => s.size,
            () => 0,
          )) > 100_000
        )
          break
        const ended = await Promise.race([
          run.exited.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 10)),
        ])
        assert.ok(!ended, `the export ended before it was interrupted: ${run.out.stderr}`)
      }

      run.child.kill('SIGINT')
      const {code} = await run.exited
      assert.equal(code, 6, run.out.stderr)
      assert.match(
        run.out.stderr,
        /^atom-ops: interrupted: the export stopped after [1-9]\d* jobs\n {2}hint: Nothing was written to .*interrupted-export\.csv/,
      )
      assert.ok(!existsSync(file) && !existsSync(`${file}.partial`), 'nothing left behind')
    })
  })
})
