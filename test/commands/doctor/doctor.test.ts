import assert from 'node:assert/strict'
import {stat, utimes, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, afterEach, before, describe, test} from 'node:test'

import type {RunningWorker} from '../../support/testbed/workers.js'

import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {runCli} from '../../helpers/cli.js'
import {freePort, startBlackhole} from '../../support/testbed/processes.js'
import {STOCK_WORKER_TYPES} from '../../support/testbed/schema.js'
import {TestBed} from '../../support/testbed/testbed.js'

const ALL = [...new Set(Object.values(STOCK_WORKER_TYPES).flat())]

let bed: TestBed
before(async () => {
  bed = await TestBed.start({gearmandCount: 2})
})
after(async () => {
  await bed?.stop()
})

const started: RunningWorker[] = []
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop()
})

async function worker(
  classes: string[],
  options: {server?: {host: string; port: number}; prefix?: string} = {},
): Promise<void> {
  started.push(await bed.startWorker(classes, options))
}

async function doctor(extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const json = await runCli(['doctor', '--json', ...extra], {env: bed.env(env)})
  const nagios = await runCli(['doctor', '--nagios', ...extra], {env: bed.env(env)})
  assert.equal(json.code, nagios.code, 'same exit code with --json and --nagios')
  assert.ok(json.json, `doctor --json printed JSON: ${json.stdout} ${json.stderr}`)
  return {report: json.json, code: json.code, nagios: nagios.stdout.trim()}
}

describe('doctor names the cause first', () => {
  test('every job class has a worker: OK, exit 0', async () => {
    await worker(ALL)
    const {report, code, nagios} = await doctor()
    assert.equal(code, 0)
    assert.equal(report.status, 'ok')
    assert.equal(report.mostLikelyCause, null)
    assert.match(nagios, /^ATOM-OPS OK - all \d+ checks passed \| workers=1;;1: waiting=0 /)
  })

  test('no worker at all', async () => {
    const {report, code, nagios} = await doctor()
    assert.equal(code, 2)
    assert.equal(report.mostLikelyCause.id, 'gearman.job-classes')
    assert.match(report.mostLikelyCause.summary, /no worker at all/)
    // No service manager known here: the plain command AtoM documents comes with it.
    assert.match(
      report.mostLikelyCause.fix,
      /^atom-ops worker restart .*# or, with no service manager: cd .*releases\/atom-2\.8 && php symfony jobs:worker$/,
    )
    assert.match(nagios, /^ATOM-OPS CRITICAL - no worker at all .* \| workers=0;;1: /)
  })

  test('workers for only some job classes (a worker started with --types)', async () => {
    await worker(ALL.filter((c) => c !== 'arObjectMoveJob' && c !== 'arFileImportJob'))
    const {report, code} = await doctor()
    assert.equal(code, 2)
    assert.equal(report.checks[0].id, 'gearman.job-classes')
    assert.match(
      report.checks[0].summary,
      /no available worker for 2 of 17 job classes: arObjectMoveJob, arFileImportJob/,
    )
  })

  test('a worker under another root path (an old release directory still running)', async () => {
    const {mkdir} = await import('node:fs/promises')
    const oldRelease = join(bed.realRoot, '..', 'atom-2.7')
    await mkdir(oldRelease, {recursive: true})
    await worker(ALL, {prefix: functionPrefix(join(bed.dir, 'releases', 'atom-2.7'), '')})
    const {report, code} = await doctor()
    assert.equal(code, 2)
    assert.equal(report.checks[0].id, 'gearman.other-prefix')
    assert.match(report.checks[0].evidence[0], /runs from another directory, .*releases\/atom-2\.7/)
  })

  test('a worker that hashed the symlinked root instead of its realpath', async () => {
    await worker(ALL, {prefix: functionPrefix(bed.root, '')})
    const {report} = await doctor()
    assert.equal(report.checks[0].id, 'gearman.other-prefix')
    assert.match(report.checks[0].evidence[0], /hashed the symlinked path/)
  })

  test('a worker with another workers_key', async () => {
    await worker(ALL, {prefix: functionPrefix(bed.realRoot, '')})
    const {report} = await doctor(['--workers-key', 'site-b'])
    assert.equal(report.checks[0].id, 'gearman.other-prefix')
    assert.match(report.checks[0].evidence[0], /workers_key "", the web app with "site-b"/)
  })

  test('workers connected only to the first server while AtoM asks the last', async () => {
    await worker(ALL, {server: bed.servers[0]})
    const {report, code} = await doctor()
    assert.equal(code, 2)
    assert.equal(report.checks[0].id, 'gearman.workers-elsewhere')
    assert.match(
      report.checks[0].summary,
      new RegExp(`connected to 127.0.0.1:${bed.servers[0].port}, but AtoM asks 127.0.0.1:${bed.servers[1].port}`),
    )
    // The worker's own gearman.yml lists the asked server: it runs on an older configuration, and the fix says so.
    assert.match(
      report.checks[0].evidence[1],
      /the worker's gearman\.yml lists .* too: the running worker uses an older configuration/,
    )
    assert.match(report.checks[0].fix, /^atom-ops cache clear --symfony && atom-ops worker restart/)
    assert.deepEqual(report.checks[0].action, {kind: 'clear-symfony-cache'})
  })

  test('the last server down', async () => {
    const dead = await freePort()
    const {report, code, nagios} = await doctor([
      '--gearman',
      `127.0.0.1:${bed.servers[0].port}`,
      '--gearman',
      `127.0.0.1:${dead}`,
    ])
    assert.equal(code, 2)
    assert.equal(report.checks[0].id, `gearman.server.127.0.0.1:${dead}`)
    assert.match(report.checks[0].summary, /refused the connection: AtoM shows "Could not connect/)
    assert.match(nagios, /^ATOM-OPS CRITICAL - Gearman job server 127\.0\.0\.1:\d+ refused/)
  })

  test('a silent server: the report still arrives, naming it, with the other server facts', async () => {
    const hole = await startBlackhole()
    try {
      await worker(ALL, {server: bed.servers[0]})
      const r = await runCli(
        [
          'doctor',
          '--json',
          '--timeout',
          '2',
          '--gearman',
          `127.0.0.1:${bed.servers[0].port}`,
          '--gearman',
          `127.0.0.1:${hole.port}`,
        ],
        {env: bed.env()},
      )
      assert.equal(r.code, 2)
      assert.equal(r.json.checks[0].id, `gearman.server.127.0.0.1:${hole.port}`)
      assert.match(r.json.checks[0].summary, /did not answer in time/)
      // the other server's facts are still in the report
      assert.ok(
        r.json.checks.some((c: any) => c.id === `gearman.server.127.0.0.1:${bed.servers[0].port}` && c.status === 'ok'),
      )
    } finally {
      await hole.close()
    }
  })

  test('a stale config cache: gearman.yml newer than its compiled copy', async () => {
    await worker(ALL)
    const yml = join(bed.realRoot, 'config', 'gearman.yml')
    // Put back as it was: "a minute ago" is newer than the compiled copy once the bed is older than that (a loaded machine).
    const was = await stat(yml)
    const future = new Date(Date.now() + 60_000)
    await utimes(yml, future, future)
    try {
      const {report, code} = await doctor()
      assert.equal(code, 2)
      assert.equal(report.checks[0].id, 'cache.stale-config')
      assert.match(
        report.checks[0].evidence[0],
        /^the web app runs on cache\/qubit\/prod\/config\/config_gearman\.yml\.php \(.*\), older than config\/gearman\.yml/,
      )
      assert.ok(
        report.checks[0].evidence.some((e: string) =>
          e.startsWith('the worker runs on cache/qubit/worker/config/config_gearman.yml.php'),
        ),
      )
      assert.match(report.checks[0].fix, /cache clear --symfony && atom-ops worker restart/)
      assert.deepEqual(report.checks[0].action, {kind: 'clear-symfony-cache'})
    } finally {
      await utimes(yml, was.atime, was.mtime)
    }
  })

  test('two profiles sharing one prefix with different databases', async () => {
    await worker(ALL)
    const config = join(bed.dir, 'shared.yml')
    await writeFile(
      config,
      `profiles:\n  site-a:\n    atom_root: ${bed.root}\n  site-b:\n    atom_root: ${bed.realRoot}\n    db: mysql://other:pw@127.0.0.1:3306/other_atom\n`,
    )
    const {report, code} = await doctor(['--profile', 'site-a'], {ATOM_OPS_CONFIG: config})
    assert.equal(code, 2)
    assert.equal(report.checks[0].id, 'profiles.shared-prefix')
    assert.match(report.checks[0].summary, /profile "site-a" shares prefix .* with "site-b"/)
  })

  test('--all-profiles checks every install; the worst status wins', async () => {
    await worker(ALL)
    const config = join(bed.dir, 'all.yml')
    await writeFile(
      config,
      `profiles:\n  good:\n    atom_root: ${bed.root}\n  broken:\n    atom_root: ${join(bed.dir, 'nowhere')}\n`,
    )
    const r = await runCli(['doctor', '--all-profiles', '--json'], {
      env: bed.env({ATOM_OPS_CONFIG: config, ATOM_OPS_ATOM_ROOT: ''}),
    })
    assert.equal(r.code, 2)
    const byName = Object.fromEntries(r.json.profiles.map((p: any) => [p.profile, p.report]))
    assert.equal(byName.good.status, 'ok')
    assert.equal(byName.broken.checks[0].id, 'install.config')
    assert.match(byName.broken.checks[0].summary, /AtoM root not found/)
  })

  test('a zombie in-progress move blocking a newer one; --fix marks the zombies failed', async () => {
    await worker(ALL)
    const {insertJob} = await import('../../support/testbed/seed.js')
    const zombie = await insertJob(bed.database, {
      name: 'arObjectMoveJob',
      status: 'running',
      createdAt: new Date(Date.now() - 4 * 3_600_000),
    })
    const blocked = await insertJob(bed.database, {
      name: 'arObjectMoveJob',
      status: 'running',
      createdAt: new Date(Date.now() - 2 * 3_600_000),
    })
    try {
      const {report, code, nagios} = await doctor()
      assert.equal(code, 2)
      assert.equal(report.checks[0].id, 'jobs.stalled')
      assert.match(report.checks[0].summary, /1 zombie and 1 blocked in-progress job/)
      assert.ok(report.checks[0].evidence.some((e: string) => e.startsWith(`#${blocked} arObjectMoveJob (blocked`)))
      assert.equal(report.metrics.zombies, 1)
      assert.ok(report.metrics.oldestInProgressSeconds >= 4 * 3600 - 60)
      assert.match(nagios, /^ATOM-OPS CRITICAL - 1 zombie and 1 blocked .*zombies=1;;0 oldest_in_progress=\d+s$/)

      // --fix marks the zombie failed; the move behind it, nothing in Gearman for it either, is next in line
      const fixed = await runCli(['doctor', '--fix', '--force', '--json'], {env: bed.env()})
      assert.deepEqual(
        fixed.json.fixes.map((f: any) => [f.action.kind, f.ok]),
        [['kill-zombies', true]],
      )
      assert.equal(fixed.json.fixes[0].message, `marked failed: #${zombie}`)
      const rows = await bed.database.rows<{id: number; status_id: number}>(
        'SELECT id, status_id FROM job WHERE id IN (?, ?) ORDER BY id',
        [zombie, blocked],
      )
      assert.deepEqual(
        rows.map((r) => [r.id, r.status_id]),
        [
          [zombie, 185],
          [blocked, 183],
        ],
      )
      assert.equal(fixed.json.after.checks[0].id, 'jobs.stalled')
      assert.match(fixed.json.after.checks[0].summary, /1 zombie and 0 blocked/)
    } finally {
      await bed.database.execute('DELETE FROM object WHERE id IN (?, ?)', [zombie, blocked])
    }
  })

  test('a usage error is UNKNOWN (3) for monitoring', async () => {
    const r = await runCli(['doctor', '--timeout', 'soon'], {env: bed.env()})
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^atom-ops: --timeout "soon"/)
  })
})
