import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {access, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {connect, createServer, type Socket} from 'node:net'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import type {HostPort} from '../../src/lib/util/hostport.js'

import {GearmanAdmin} from '../../src/lib/gearman/admin.js'
import {withBinary} from '../../src/lib/gearman/binary.js'
import {
  assertNoOrphans,
  backupLines,
  dumpJobTables,
  holdJobRowLock,
  seedMany,
  tableCounts,
} from '../commands/jobs/helpers.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {until} from '../helpers/wait.js'
import {adminTarget} from '../support/testbed/mariadb.js'
import {startBlackhole} from '../support/testbed/processes.js'
import {insertJob} from '../support/testbed/seed.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../support/testbed/supervisord.js'
import {TestBed} from '../support/testbed/testbed.js'
import {submitBackgroundJob} from '../support/testbed/workers.js'

/**
 * The destructive commands interrupted part way, by SIGINT (Ctrl-C: stop cleanly, say what was done,
 * audit it, exit with the documented code) and by SIGKILL (no last words: whatever is on disk and in
 * the database must be consistent and a rerun must finish). Each signal is sent on an observable event
 * (a file appearing, a row count dropping, a function leaving gearmand), not after a fixed sleep.
 */
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
let bed: TestBed
before(async () => {
  bed = await TestBed.start()
})
after(async () => {
  await bed?.stop()
})

/** The built CLI as a child we can signal; `done` resolves with its output when it exits. */
function start(args: string[]): {child: ChildProcess; done: Promise<CliResult>} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...bed.env()},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    }),
  )
  return {child, done}
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

/** A Symfony-like cache tree of dirs x 150 files in the install's cache/, large enough to interrupt its removal. */
async function cacheTree(dirs: number): Promise<{cache: string; top: number; first: string}> {
  const cache = join(bed.realRoot, 'cache')
  await mkdir(cache, {recursive: true})
  for (let d = 0; d < dirs; d++) {
    const dir = join(cache, `d${d}`, 'config', 'modules')
    await mkdir(dir, {recursive: true})
    await Promise.all(Array.from({length: 150}, (_, f) => writeFile(join(dir, `f${f}.php`), '<?php return [];')))
  }

  return {cache, top: (await readdir(cache)).length, first: join(cache, 'd0', 'config', 'modules', 'f0.php')}
}

const jobCount = async () => (await tableCounts(bed.database)).jobs

/**
 * Some connection of the test database waits on a row lock (InnoDB's view, not a guess from time).
 * InnoDB refreshes INNODB_TRX only when it was not read for 0.1 s: callers poll it less often (until's everyMs).
 */
async function waitingOnLock(): Promise<boolean> {
  // INNODB_TRX needs the PROCESS privilege, which the bed's own user does not have.
  const mysql = (await import('mysql2/promise')).default
  const t = adminTarget()
  const admin = await mysql.createConnection({
    host: t.socketPath ? undefined : t.host,
    port: t.port,
    socketPath: t.socketPath,
    user: t.user,
    password: t.password,
  })
  try {
    const [rows] = await admin.execute<Array<import('mysql2').RowDataPacket & {n: number}>>(
      "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id IN (SELECT id FROM information_schema.PROCESSLIST WHERE db = ?)",
      [bed.db.name],
    )
    return Number(rows[0].n) > 0
  } finally {
    await admin.end()
  }
}

async function lastAudit(): Promise<Record<string, any>> {
  const lines = (await readFile(join(bed.dir, 'audit.log'), 'utf8')).trim().split('\n')
  return JSON.parse(lines.at(-1)!)
}

function oneLine(r: CliResult): void {
  assert.match(r.stderr, /atom-ops: .*\n {2}hint: /)
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `no stack trace: ${r.stderr}`)
}

describe('jobs clear interrupted', () => {
  beforeEach(async () => {
    await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
  })

  test('SIGINT while the first batch waits on a row AtoM holds: stops at once, nothing deleted, no backup left, audit "failed", exit 5; a rerun with the same --backup finishes', async () => {
    await seedMany(bed.database, 3000)
    const before = await dumpJobTables(bed.database)
    const file = join(bed.dir, 'int-locked.ndjson.gz')
    // Another transaction (AtoM updating a job) holds the first job's row until the test lets go.
    const holder = await holdJobRowLock(bed.db.target)
    let r: CliResult
    try {
      const {child, done} = start(['jobs', 'clear', '--force', '--backup', file, '--batch-size', '200'])
      await until('the clear waiting on the lock', () => waitingOnLock(), 60_000, 250)
      child.kill('SIGINT')
      r = await done
    } finally {
      await holder.release()
    }

    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /SIGINT received: stopping; the batch in flight is rolled back/)
    assert.match(r.stderr, /atom-ops: interrupted: stopped before deleting anything/)
    oneLine(r)
    assert.deepEqual(await dumpJobTables(bed.database), before)
    assert.equal(await exists(file), false, 'a backup that holds no deleted job is removed')
    const audit = await lastAudit()
    assert.deepEqual([audit.outcome, audit.deleted, audit.interrupted], ['failed', 0, true])
    const again = await runCli(['jobs', 'clear', '--force', '--backup', file, '--json'], {env: bed.env()})
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.deleted, 3000)
  })

  test('SIGHUP (the terminal closed) while the first batch waits on a lock, then SIGINT again while it stops: handled as one interrupt, nothing deleted, exit 5', async () => {
    await seedMany(bed.database, 500)
    const before = await dumpJobTables(bed.database)
    const holder = await holdJobRowLock(bed.db.target)
    let r: CliResult
    try {
      const {child, done} = start(['jobs', 'clear', '--force', '--no-backup', '--batch-size', '200'])
      let stderr = ''
      child.stderr!.on('data', (d: string) => (stderr += d))
      await until('the clear waiting on the lock', () => waitingOnLock(), 60_000, 250)
      child.kill('SIGHUP')
      await until('the clear to take the hang-up', async () => stderr.includes('SIGHUP received'))
      child.kill('SIGINT')
      r = await done
    } finally {
      await holder.release()
    }

    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /SIGHUP received: stopping; the batch in flight is rolled back/)
    assert.equal(r.stderr.match(/received: stopping/g)?.length, 1, r.stderr)
    oneLine(r)
    assert.deepEqual(await dumpJobTables(bed.database), before)
  })

  test('SIGINT during the deletes: stops at once, rolls back the batch in flight, says how many and where the backup is, partial audit, exit 6; a rerun finishes', async () => {
    await seedMany(bed.database, 3000)
    const file = join(bed.dir, 'int-delete.ndjson')
    const {child, done} = start([
      'jobs',
      'clear',
      '--force',
      '--backup',
      file,
      '--batch-size',
      '200',
      '--batch-pause',
      '300',
    ])
    await until('the first batch to go', async () => (await jobCount()) < 3000)
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 6, r.stderr)
    const m = /atom-ops: interrupted: stopped after deleting (\d+) of 3000 jobs/.exec(r.stderr)
    assert.ok(m, r.stderr)
    assert.match(
      r.stderr,
      new RegExp(
        `hint: Each batch is a transaction.*Every deleted job is in the backup ${file.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)}\\. Run it again with another --backup FILE`,
      ),
    )
    oneLine(r)
    const mid = await tableCounts(bed.database)
    assert.equal(mid.jobs, 3000 - Number(m[1]), 'the message says exactly what was deleted')
    assert.ok(mid.jobs > 0, 'it stopped early')
    assert.equal(mid.jobs % 200, 0, 'whole batches only')
    assertNoOrphans(mid)
    const lines = await backupLines(file)
    assert.deepEqual(JSON.parse(lines.at(-1)!), {
      end: true,
      jobs: Number(m[1]),
      batches: Number(m[1]) / 200 + (lines.some((l) => l.startsWith('{"rolledBack"')) ? 1 : 0),
      stopped: 'interrupted',
    })
    const audit = await lastAudit()
    assert.equal(audit.outcome, 'partial')
    assert.equal(audit.deleted, Number(m[1]))
    assert.equal(audit.backup, file)
    assert.equal(audit.interrupted, true)
    const again = await runCli(['jobs', 'clear', '--force', '--no-backup', '--json'], {env: bed.env()})
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.deleted, mid.jobs)
    assertNoOrphans(await tableCounts(bed.database))
  })

  test('SIGKILL while the first batch waits on a lock: nothing deleted, the backup holds no job; a rerun finishes', async () => {
    await seedMany(bed.database, 3000)
    const file = join(bed.dir, 'kill-locked.ndjson.gz')
    const holder = await holdJobRowLock(bed.db.target)
    try {
      const {child, done} = start(['jobs', 'clear', '--force', '--backup', file, '--batch-size', '200'])
      await until('the clear waiting on the lock', () => waitingOnLock(), 60_000, 250)
      child.kill('SIGKILL')
      assert.equal((await done).signal, 'SIGKILL')
    } finally {
      await holder.release()
    }

    assert.equal(await jobCount(), 3000, 'nothing is deleted before its batch is in the backup')
    assert.equal((await backupLines(file)).filter((l) => l.startsWith('["o",')).length, 0)
    const again = await runCli(
      ['jobs', 'clear', '--force', '--backup', join(bed.dir, 'kill-locked-2.ndjson.gz'), '--json'],
      {env: bed.env()},
    )
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.deleted, 3000)
    assertNoOrphans(await tableCounts(bed.database))
  })
})

describe('jobs clear: its connection killed before anything was deleted', () => {
  test('KILL of the connection while the first batch waits on a lock: "nothing was deleted", not "is MariaDB running?"; exit 4, audit "failed", no backup left', async () => {
    await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
    await seedMany(bed.database, 1000)
    const file = join(bed.dir, 'conn-killed.ndjson.gz')
    const holder = await holdJobRowLock(bed.db.target)
    let r: CliResult
    try {
      const {done} = start(['jobs', 'clear', '--force', '--backup', file, '--batch-size', '200'])
      await until('the clear waiting on the lock', () => waitingOnLock(), 60_000, 250)
      const mysql = (await import('mysql2/promise')).default
      const t = adminTarget()
      const admin = await mysql.createConnection({
        host: t.socketPath ? undefined : t.host,
        port: t.port,
        socketPath: t.socketPath,
        user: t.user,
        password: t.password,
      })
      try {
        const [rows] = await admin.execute<Array<import('mysql2').RowDataPacket & {id: number}>>(
          "SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND info LIKE '%FOR UPDATE%' AND info NOT LIKE '%PROCESSLIST%'",
          [bed.db.name],
        )
        assert.ok(rows.length > 0)
        for (const row of rows) await admin.query(`KILL CONNECTION ${Number(row.id)}`)
      } finally {
        await admin.end()
      }

      r = await done
    } finally {
      await holder.release()
    }

    assert.equal(r.code, 4, r.stderr)
    assert.match(
      r.stderr,
      /^atom-ops: clear stopped before deleting anything: MySQL at .* closed the connection during a statement/,
    )
    assert.match(r.stderr, /hint: Nothing was deleted\. The connection was killed/)
    assert.doesNotMatch(r.stderr, /Is MariaDB/)
    oneLine(r)
    assert.equal(await jobCount(), 1000)
    assert.equal(await exists(file), false)
    const audit = await lastAudit()
    assert.deepEqual([audit.outcome, audit.deleted], ['failed', 0])
  })
})

describe('jobs kill --delete killed', () => {
  test('SIGKILL as soon as its backup is on disk: the row is either all there or all gone, the backup complete; a rerun finishes', async () => {
    await bed.database.execute("DELETE FROM object WHERE class_name = 'QubitJob'")
    const id = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'running',
      notes: ['a', 'b'],
      properties: {userToken: 't'},
    })
    const file = join(bed.dir, 'kill-delete.ndjson')
    const {child, done} = start(['jobs', 'kill', String(id), '--delete', '--force', '--backup', file])
    await until('the backup file', () => exists(file))
    child.kill('SIGKILL')
    await done
    const counts = await tableCounts(bed.database)
    assertNoOrphans(counts)
    assert.ok(
      counts.jobs === 0 || (counts.jobs === 1 && counts.notes === 2 && counts.properties === 1),
      JSON.stringify(counts),
    )
    // Killed before the commit, the row is all there and the file may hold it too (a rerun deletes it);
    // after, the file holds it, with or without its trailer.
    const jobsInFile = (await backupLines(file)).filter((l) => l.startsWith('["o",')).length
    assert.ok(counts.jobs === 1 || jobsInFile === 1, `deleted but not in the backup: ${jobsInFile}`)
    if (counts.jobs === 1) {
      const again = await runCli(['jobs', 'kill', String(id), '--delete', '--force', '--no-backup'], {env: bed.env()})
      assert.equal(again.code, 0, again.stderr)
    }

    assert.equal(await jobCount(), 0)
    assertNoOrphans(await tableCounts(bed.database))
  })
})

describe('queue drop interrupted while a second server is silent', () => {
  let hole: Awaited<ReturnType<typeof startBlackhole>>
  before(async () => {
    hole = await startBlackhole()
  })
  after(async () => {
    await hole?.close()
  })

  async function registered(fn: string): Promise<boolean> {
    return (await new GearmanAdmin(bed.servers[0], 2000).status()).some((s) => s.function === fn)
  }

  test('SIGINT before anything is sent: exit 5, nothing dropped', async () => {
    const fn = bed.fn('arInheritRightsJob')
    await submitBackgroundJob(bed.servers[0], fn, '{"id":1}')
    const server = `${bed.servers[0].host}:${bed.servers[0].port}`
    // The first status round waits --timeout for the silent server: interrupt inside it.
    const {child, done} = start([
      'queue',
      'drop',
      fn,
      '--force',
      '--gearman',
      server,
      '--gearman',
      `127.0.0.1:${hole.port}`,
      '--timeout',
      '5',
    ])
    await until('the CLI to connect to the silent server', async () => hole.connections() > 0)
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /SIGINT received: nothing was sent/)
    assert.ok(await registered(fn), 'still registered')
  })

  test('SIGINT after the drop was sent, while verifying: the report says so, a partial audit record, exit 6', async () => {
    const fn = bed.fn('arUpdateEsActorRelationsJob')
    await submitBackgroundJob(bed.servers[0], fn, '{"id":1}')
    const server = `${bed.servers[0].host}:${bed.servers[0].port}`
    const {child, done} = start([
      'queue',
      'drop',
      fn,
      '--force',
      '--gearman',
      server,
      '--gearman',
      `127.0.0.1:${hole.port}`,
      '--timeout',
      '5',
    ])
    await until('the drop to reach gearmand', async () => !(await registered(fn)))
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stderr, /SIGINT received after the drop of .* was sent; the result was not verified\n {2}hint: /)
    const audit = await lastAudit()
    assert.equal(audit.outcome, 'partial')
    assert.equal(audit.function, fn)
  })

  test('SIGKILL during it: the function is either still there or dropped, never something in between; a rerun says so', async () => {
    const fn = bed.fn('arCalculateDescendantDatesJob')
    await submitBackgroundJob(bed.servers[0], fn, '{"id":1}')
    const server = `${bed.servers[0].host}:${bed.servers[0].port}`
    const {child, done} = start([
      'queue',
      'drop',
      fn,
      '--force',
      '--gearman',
      server,
      '--gearman',
      `127.0.0.1:${hole.port}`,
      '--timeout',
      '5',
    ])
    await until('the CLI to connect to the silent server', async () => hole.connections() > 0)
    child.kill('SIGKILL')
    await done
    const again = await runCli(['queue', 'drop', fn, '--force', '--gearman', server, '--timeout', '3', '--json'], {
      env: bed.env(),
    })
    if (await registered(fn)) assert.fail(`still registered after a rerun: ${again.stdout}${again.stderr}`)
    assert.ok([0, 6].includes(again.code ?? -1), `exit ${again.code}: ${again.stderr}`)
  })
})

describe('cache clear --symfony killed mid-walk', () => {
  test('SIGKILL while it removes a large cache tree: the cache directory stays, a rerun empties it', async () => {
    const {cache, top, first} = await cacheTree(40)
    // No php on PATH here: --symfony removes the contents of cache/ itself.
    const {child, done} = start(['cache', 'clear', '--symfony', '--force'])
    await until(
      'the walk to remove something',
      async () => (await readdir(cache)).length < top || !(await exists(first)),
    )
    child.kill('SIGKILL')
    await done
    assert.ok(await exists(cache), 'the cache directory itself stays')
    const again = await runCli(['cache', 'clear', '--symfony', '--force'], {env: bed.env()})
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(await readdir(cache), [])
  })
})

/**
 * A TCP proxy to a real gearmand that forwards both ways until the client sends a line matching
 * `trigger`; that line still reaches gearmand, but from then on gearmand's answers on that connection
 * are held back: a server that took the command and then went silent.
 */
async function startStallingProxy(
  upstream: HostPort,
  trigger: RegExp,
): Promise<{port: number; triggered(): boolean; close(): Promise<void>}> {
  const sockets = new Set<Socket>()
  let triggered = false
  const server = createServer((client) => {
    const up = connect(upstream.port, upstream.host)
    let stalled = false
    for (const s of [client, up]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => sockets.delete(s))
    }

    client.on('data', (d) => {
      if (trigger.test(d.toString('latin1'))) {
        stalled = true
        triggered = true
      }

      up.write(d)
    })
    up.on('data', (d) => {
      if (!stalled) client.write(d)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as import('node:net').AddressInfo).port,
    triggered: () => triggered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

async function auditCount(): Promise<number> {
  const text = await readFile(join(bed.dir, 'audit.log'), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).length
}

/** Runs args (built with the blackhole's address) and sends SIGINT once the CLI has connected to it: nothing may have happened. */
async function interruptWhileConnecting(
  args: (addr: string, port: number) => string[],
  nothing: string,
): Promise<void> {
  const hole = await startBlackhole()
  try {
    const before = await auditCount()
    const {child, done} = start(args(`127.0.0.1:${hole.port}`, hole.port))
    await until('the CLI to connect to the silent server', async () => hole.connections() > 0)
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, new RegExp(`^atom-ops: SIGINT received: ${nothing}\\n {2}hint: `))
    assert.equal(await auditCount(), before, 'nothing audited')
  } finally {
    await hole.close()
  }
}

describe('queue cancel interrupted', () => {
  test('SIGINT while it reads the job from a silent server: exit 5, "nothing was sent", nothing audited', async () => {
    await interruptWhileConnecting(
      (addr) => ['queue', 'cancel', 'H:host:1', '--server', addr, '--gearman', addr, '--force', '--timeout', '10'],
      'nothing was sent',
    )
  })

  test('SIGINT after the cancel reached gearmand, before it answered: exit 6, a partial audit record; gearmand did cancel it and a rerun says so', async () => {
    const fn = bed.fn('arGenerateReportJob')
    const handle = await withBinary(bed.servers[0], 2000, (b) => b.submitBackground(fn, 'interrupt-cancel', '{"id":1}'))
    const proxy = await startStallingProxy(bed.servers[0], /^cancel job /m)
    try {
      const addr = `127.0.0.1:${proxy.port}`
      const {child, done} = start([
        'queue',
        'cancel',
        handle,
        '--server',
        addr,
        '--gearman',
        addr,
        '--force',
        '--timeout',
        '10',
      ])
      await until('the cancel to reach gearmand', async () => proxy.triggered())
      await until('gearmand to mark it', async () =>
        Boolean((await new GearmanAdmin(bed.servers[0], 2000).showJobs()).find((j) => j.handle === handle)?.ignored),
      )
      child.kill('SIGINT')
      const r = await done
      assert.equal(r.code, 6, r.stderr)
      assert.match(
        r.stderr,
        new RegExp(
          `^atom-ops: SIGINT received after the cancel of ${handle} was sent; the result was not verified\n {2}hint: Check with: atom-ops queue jobs`,
        ),
      )
      oneLine(r)
      const audit = await lastAudit()
      assert.deepEqual(
        [audit.command, audit.outcome, audit.handle, audit.interrupted],
        ['queue:cancel', 'partial', handle, 'SIGINT'],
      )
    } finally {
      await proxy.close()
    }

    const server = `${bed.servers[0].host}:${bed.servers[0].port}`
    const again = await runCli(
      ['queue', 'cancel', handle, '--server', server, '--gearman', server, '--force', '--json'],
      {env: bed.env()},
    )
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.outcome, 'already-cancelled')
  })

  test('SIGKILL after the cancel reached gearmand: the job is marked or not, never half; a rerun ends cancelled', async () => {
    const fn = bed.fn('arGenerateReportJob')
    const handle = await withBinary(bed.servers[0], 2000, (b) => b.submitBackground(fn, 'kill-cancel', '{"id":2}'))
    const proxy = await startStallingProxy(bed.servers[0], /^cancel job /m)
    try {
      const addr = `127.0.0.1:${proxy.port}`
      const {child, done} = start([
        'queue',
        'cancel',
        handle,
        '--server',
        addr,
        '--gearman',
        addr,
        '--force',
        '--timeout',
        '10',
      ])
      await until('the cancel to reach gearmand', async () => proxy.triggered())
      child.kill('SIGKILL')
      assert.equal((await done).signal, 'SIGKILL')
    } finally {
      await proxy.close()
    }

    const server = `${bed.servers[0].host}:${bed.servers[0].port}`
    const again = await runCli(
      ['queue', 'cancel', handle, '--server', server, '--gearman', server, '--force', '--json'],
      {env: bed.env()},
    )
    assert.equal(again.code, 0, again.stderr)
    assert.ok(['already-cancelled', 'cancelled'].includes(again.json.outcome), again.json.outcome)
    assert.equal(
      (await new GearmanAdmin(bed.servers[0], 2000).showJobs()).find((j) => j.handle === handle)?.ignored,
      true,
    )
  })
})

describe('worker restart and jobs kill --restart-worker interrupted (real supervisord)', () => {
  let sup: RunningSupervisord
  before(async () => {
    // A worker that registers nothing: restart's verification through Gearman waits, which is where we interrupt.
    sup = await startSupervisord(join(bed.dir, 'supervisor-interrupts'), {
      programs: [
        {name: 'silent-worker', command: ['sleep', '100000']},
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(bed.servers[0], [bed.fn('arFindingAidJob')], ['sleep', '100000']),
        },
      ],
    })
  })
  after(async () => {
    await sup?.stop()
  })
  const pidOf = async (program: string) => /pid (\d+)/.exec((await sup.ctl('status', program)).stdout)?.[1]
  const restartedFrom = (pid: string | undefined) =>
    until('the program to be restarted', async () => {
      const now = await pidOf('silent-worker')
      return now !== undefined && now !== pid
    })
  const restartArgs = (unit: string) => [
    '--manager',
    'supervisor',
    '--supervisor-config',
    sup.configFile,
    '--unit',
    unit,
  ]

  test('SIGINT while it reads the unit from a silent supervisord: exit 5, nothing audited', async () => {
    const conf = join(bed.dir, 'silent-supervisord.conf')
    await interruptWhileConnecting((_addr, port) => {
      writeFileSync(conf, `[supervisorctl]\nserverurl=http://127.0.0.1:${port}\n`)
      return ['worker', 'restart', '--manager', 'supervisor', '--supervisor-config', conf, '--force', '--timeout', '10']
    }, 'nothing was changed')
  })

  test('SIGINT after the restart, while it waits for Gearman: exit 6, a partial audit record; the program runs again', async () => {
    const pid = await pidOf('silent-worker')
    const {child, done} = start(['worker', 'restart', ...restartArgs('silent-worker'), '--force', '--wait', '60'])
    await restartedFrom(pid)
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 6, r.stderr)
    assert.match(
      r.stderr,
      /^atom-ops: SIGINT received after the restart of the worker was sent to the service manager; the result was not verified\n {2}hint: Check with: atom-ops worker status/,
    )
    const audit = await lastAudit()
    assert.deepEqual(
      [audit.command, audit.outcome, audit.action, audit.unit, audit.interrupted],
      ['worker:restart', 'partial', 'restart', 'silent-worker', 'SIGINT'],
    )
    const status = await runCli(['worker', 'status', ...restartArgs('silent-worker'), '--json'], {env: bed.env()})
    assert.equal(status.json.hosts[0].value.status[0].rawState, 'RUNNING', status.stdout)
  })

  test('SIGKILL while it waits for Gearman: the program runs; a rerun with --wait 0 finishes (exit 0)', async () => {
    const pid = await pidOf('silent-worker')
    const {child, done} = start(['worker', 'restart', ...restartArgs('silent-worker'), '--force', '--wait', '60'])
    await restartedFrom(pid)
    child.kill('SIGKILL')
    assert.equal((await done).signal, 'SIGKILL')
    const again = await runCli(
      ['worker', 'restart', ...restartArgs('silent-worker'), '--force', '--wait', '0', '--json'],
      {env: bed.env()},
    )
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.hosts[0].ok, true)
  })

  test('jobs kill --restart-worker, SIGINT during the restart: the job is already marked failed with its note (consistent), exit 6, audited', async () => {
    const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    const pid = await pidOf('silent-worker')
    const {child, done} = start([
      'jobs',
      'kill',
      String(id),
      '--force',
      '--restart-worker',
      ...restartArgs('silent-worker'),
    ])
    await restartedFrom(pid)
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 6, r.stderr)
    assert.match(
      r.stderr,
      new RegExp(
        `atom-ops: SIGINT received after the kill of job ${id} was started; the result was not verified\n {2}hint: Check with: atom-ops jobs show ${id}`,
      ),
    )
    const [row] = await bed.database.rows<{status_id: number; notes: number}>(
      'SELECT j.status_id, (SELECT COUNT(*) FROM note n WHERE n.object_id = j.id AND n.type_id = 197) AS notes FROM job j WHERE j.id = ?',
      [id],
    )
    assert.deepEqual([Number(row.status_id), Number(row.notes)], [185, 1])
    const audit = await lastAudit()
    assert.deepEqual(
      [audit.command, audit.outcome, audit.job, audit.interrupted],
      ['jobs:kill', 'partial', id, 'SIGINT'],
    )
  })
})

describe('cache clear interrupted', () => {
  test('SIGINT while it removes a large cache tree: exit 6, a partial audit record, the cache directory stays, a rerun empties it', async () => {
    const {cache, top, first} = await cacheTree(120)
    const {child, done} = start(['cache', 'clear', '--symfony', '--force'])
    await until(
      'the walk to remove something',
      async () => (await readdir(cache)).length < top || !(await exists(first)),
    )
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.code, 6, `the walk finished before the signal? ${r.stdout}${r.stderr}`)
    assert.match(
      r.stderr,
      /^atom-ops: SIGINT received after the cache clear was started; the result was not verified\n {2}hint: /,
    )
    const audit = await lastAudit()
    assert.deepEqual([audit.command, audit.outcome, audit.interrupted], ['cache:clear', 'partial', 'SIGINT'])
    assert.ok(await exists(cache), 'the cache directory itself stays')
    const again = await runCli(['cache', 'clear', '--symfony', '--force'], {env: bed.env()})
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(await readdir(cache), [])
  })
})
