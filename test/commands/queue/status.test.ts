import assert from 'node:assert/strict'
import {realpathSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {BinaryConnection} from '../../../src/lib/gearman/binary.js'
import {runCli} from '../../helpers/cli.js'
import {writeAtomInstall} from '../../support/testbed/fixture.js'
import {startGearmand} from '../../support/testbed/gearmand.js'
import {freePort, startBlackhole, waitFor} from '../../support/testbed/processes.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {submitBackgroundJob} from '../../support/testbed/workers.js'

const STOCK = [
  'arFindingAidJob',
  'arInheritRightsJob',
  'arUpdateEsActorRelationsJob',
  'arCalculateDescendantDatesJob',
  'arObjectMoveJob',
  'arInformationObjectCsvExportJob',
  'qtSwordPluginWorker',
  'arUpdatePublicationStatusJob',
  'arFileImportJob',
  'arInformationObjectXmlExportJob',
  'arXmlExportSingleFileJob',
  'arGenerateReportJob',
  'arActorCsvExportJob',
  'arActorXmlExportJob',
  'arRepositoryCsvExportJob',
  'arUpdateEsIoDocumentsJob',
  'arPhysicalObjectCsvHoldingsReportJob',
  'arValidateCsvJob',
]
const UNKNOWN = 'ffffffffffffffffffffffffffffffff-'

let bed: TestBed
let otherPrefix: string
const hp = (s: {host: string; port: number}) => `${s.host}:${s.port}`

before(async () => {
  bed = await TestBed.start({gearmandCount: 3})
  // A second AtoM install, known to atom-ops as profile "other"; a third profile whose install is missing.
  const otherRoot = join(bed.dir, 'other-atom')
  await mkdir(otherRoot, {recursive: true})
  await writeAtomInstall(otherRoot, {database: bed.db.target, gearmanServers: bed.servers, workersKey: 'other-key'})
  otherPrefix = functionPrefix(realpathSync(otherRoot), 'other-key')
  await writeFile(
    bed.env().ATOM_OPS_CONFIG!,
    `profiles:\n  other:\n    atom_root: ${otherRoot}\n  broken:\n    atom_root: ${join(bed.dir, 'nowhere')}\n`,
  )
  const [s0, s1, s2] = bed.servers
  await bed.startWorker(STOCK, {server: s2}) // one worker, 18 functions
  await bed.startWorker(['arFindingAidJob', 'arObjectMoveJob'], {server: s0, prefix: otherPrefix})
  await bed.startWorker(['arFindingAidJob'], {server: s1, prefix: UNKNOWN})
  await submitBackgroundJob(s1, bed.fn('arObjectMoveJob'), '{"id":1}', 'q1')
  await submitBackgroundJob(s1, bed.fn('arObjectMoveJob'), '{"id":2}', 'q2')
  await waitFor('two queued jobs', async () =>
    (await new GearmanAdmin(s1, 1000).status()).find((f) => f.function === bed.fn('arObjectMoveJob'))?.total === 2
      ? true
      : undefined,
  )
})
after(async () => {
  await bed?.stop()
})

describe('queue status', () => {
  test('default: only this install, decoded to job classes, waiting = total - running, per server', async () => {
    const r = await runCli(['queue', 'status', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const j = r.json
    assert.equal(j.scope, 'this install')
    assert.equal(j.prefix, bed.prefix)
    assert.deepEqual(
      j.servers.map((s: any) => [s.server, s.ok]),
      bed.servers.map((s) => [hp(s), true]),
    )
    const [s0, s1, s2] = j.servers
    assert.equal(s0.functions.length, 0)
    assert.equal(s0.hidden, 2)
    assert.deepEqual(
      s1.functions.map((f: any) => [f.jobClass, f.owner, f.waiting, f.running, f.total, f.availableWorkers]),
      [['arObjectMoveJob', 'current', 2, 0, 2, 0]],
    )
    assert.equal(s1.hidden, 1)
    assert.equal(s2.functions.length, 18)
    assert.deepEqual(s2.functions.map((f: any) => f.jobClass).sort(), [...STOCK].sort())
    assert.ok(
      s2.functions.every(
        (f: any) =>
          f.owner === 'current' && f.install === 'this install' && f.availableWorkers === 1 && f.waiting === 0,
      ),
    )
    assert.equal(s2.workers, 1, 'one worker connection, not 18')
    assert.deepEqual(j.totals, {waiting: 2, running: 0, functions: 19})
    assert.deepEqual(j.skippedProfiles, ['broken'])
    assert.equal(j.exitCode, 0)
  })

  test('--all: functions of another profile by name, an unknown prefix, sorted by waiting', async () => {
    const r = await runCli(['queue', 'status', '--all', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const [s0, s1] = r.json.servers
    assert.deepEqual(s0.functions.map((f: any) => [f.function, f.owner, f.install, f.profile, f.jobClass]).sort(), [
      [otherPrefix + 'arFindingAidJob', 'profile', 'profile other', 'other', 'arFindingAidJob'],
      [otherPrefix + 'arObjectMoveJob', 'profile', 'profile other', 'other', 'arObjectMoveJob'],
    ])
    assert.deepEqual(
      s1.functions.map((f: any) => [f.owner, f.install, f.waiting]),
      [
        ['current', 'this install', 2],
        ['unknown', 'unknown prefix', 0],
      ],
    )
  })

  test('the human table names installs and job classes, and explains the per-function worker column', async () => {
    const r = await runCli(['queue', 'status', '--all'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /profile other\s*│\s*arObjectMoveJob/)
    assert.match(r.stdout, /unknown prefix\s*│\s*ffffffffffffffffffffffffffffffff-arFindingAidJob/)
    assert.match(r.stdout, /this install\s*│\s*arObjectMoveJob\s*│\s*2\s*│\s*0\s*│\s*0/)
    assert.match(r.stdout, /counts in each of their rows/)
    const plain = await runCli(['queue', 'status'], {env: bed.env()})
    assert.match(plain.stdout, /2 functions of other installs hidden: --all/)
    assert.match(
      plain.stdout,
      new RegExp(
        `Waiting with no worker to run them: arObjectMoveJob \\(this install\\) on 127\\.0\\.0\\.1:${bed.servers[1].port}\\.`,
      ),
    )
  })

  test('one server down and one blackholed: both reported with their error within --timeout, the live one still shown, exit 4', async () => {
    const hole = await startBlackhole()
    const dead = await freePort()
    try {
      const r = await runCli(
        [
          'queue',
          'status',
          '--json',
          '--timeout',
          '1',
          '--gearman',
          hp(bed.servers[2]),
          '--gearman',
          `127.0.0.1:${dead}`,
          '--gearman',
          hp(hole),
        ],
        {env: bed.env()},
      )
      assert.equal(r.code, 4, r.stderr)
      const [live, down, silent] = r.json.servers
      assert.equal(live.ok, true)
      assert.equal(live.functions.length, 18)
      assert.deepEqual([down.ok, down.error.kind], [false, 'refused'])
      assert.deepEqual([silent.ok, silent.error.kind], [false, 'timeout'])
      assert.match(silent.error.message, /did not answer in time/)
      assert.equal(r.json.unreachable, 2)

      const human = await runCli(
        [
          'queue',
          'status',
          '--timeout',
          '1',
          '--gearman',
          hp(bed.servers[2]),
          '--gearman',
          `127.0.0.1:${dead}`,
          '--gearman',
          hp(hole),
        ],
        {env: bed.env()},
      )
      assert.equal(human.code, 4)
      assert.match(human.stdout, new RegExp(`127\\.0\\.0\\.1:${dead}  DOWN  .*refused`))
      assert.match(human.stdout, new RegExp(`${hole.port}  DOWN  .*did not answer in time`))
      assert.match(human.stdout, /arFindingAidJob/)
      assert.match(human.stdout, /2 servers did not answer \(exit code 4\)/)
    } finally {
      await hole.close()
    }
  })

  test('ping: ECHO latency, version and pid per server; the dead one reported, exit 4', async () => {
    const dead = await freePort()
    const r = await runCli(
      ['queue', 'ping', '--json', '--gearman', hp(bed.servers[0]), '--gearman', `127.0.0.1:${dead}`],
      {env: bed.env()},
    )
    assert.equal(r.code, 4, r.stderr)
    const [ok, down] = r.json.servers
    assert.equal(ok.pid, bed.gearmands[0].pid)
    assert.match(ok.version, /^1\.1\./)
    assert.ok(ok.latencyMs >= 0 && ok.latencyMs < 1000)
    assert.equal(down.error.kind, 'refused')
    const all = await runCli(['queue', 'ping'], {env: bed.env()})
    assert.equal(all.code, 0, all.stderr)
    assert.equal((all.stdout.match(/│ ok /g) ?? []).length, 3)
  })
})

describe('queue workers', () => {
  test('a worker registered for 18 functions is one connection; --all shows every install', async () => {
    const r = await runCli(['queue', 'workers', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.connections, 1)
    const w = r.json.servers[2].workers[0]
    assert.equal(w.functions.length, 18)
    assert.equal(w.address, '127.0.0.1')
    assert.ok(Number.isInteger(w.fd))
    assert.ok(w.functions.every((f: any) => f.owner === 'current'))
    const all = await runCli(['queue', 'workers', '--all', '--json'], {env: bed.env()})
    assert.equal(all.json.connections, 3)
    assert.deepEqual(
      all.json.servers[0].workers[0].functions.map((f: any) => f.install),
      ['profile other', 'profile other'],
    )
    const human = await runCli(['queue', 'workers', '--all'], {env: bed.env()})
    assert.match(human.stdout, /│ 18 +│ arFindingAidJob, /)
    assert.match(
      human.stdout,
      /profile other: arFindingAidJob, arObjectMoveJob|profile other: arObjectMoveJob, arFindingAidJob/,
    )
    assert.match(human.stdout, /3 distinct worker connections/)
  })
})

describe('queue jobs', () => {
  test('handles with their state from GET_STATUS and the unique ids', async () => {
    const r = await runCli(['queue', 'jobs', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const s1 = r.json.servers[1]
    assert.equal(s1.jobs.length, 2)
    assert.ok(s1.jobs.every((j: any) => j.handle.startsWith('H:') && j.state === 'waiting' && j.cancelled === false))
    assert.deepEqual([...s1.uniqueIds].sort(), ['q1', 'q2'])
    assert.equal(r.json.jobs, 2)
  })
})

describe('scale through the CLI: 2,000 functions of this install and 300 workers', () => {
  test('status and workers report every one', async (t) => {
    const g = await startGearmand(bed.dir)
    const conns: BinaryConnection[] = []
    try {
      for (let i = 0; i < 300; i++) {
        const c = await BinaryConnection.open(g, 3000)
        conns.push(c)
        c.registerWorker(
          Array.from({length: 7}, (_, k) => `${bed.prefix}ScaleJob${(i * 7 + k) % 2000}`),
          `scale-${i}`,
        )
      }

      await waitFor(
        'registrations',
        async () => {
          const s = await new GearmanAdmin(g, 5000).snapshot()
          return s.status.length === 2000 && s.workers.length === 300 ? true : undefined
        },
        20_000,
        100,
      )
      let t0 = Date.now()
      const st = await runCli(['queue', 'status', '--json', '--gearman', hp(g)], {env: bed.env()})
      t.diagnostic(`queue status --json, 2000 functions: ${Date.now() - t0} ms (CLI process included)`)
      assert.equal(st.code, 0, st.stderr)
      assert.equal(st.json.servers[0].functions.length, 2000)
      assert.equal(st.json.servers[0].workers, 300)
      t0 = Date.now()
      const wk = await runCli(['queue', 'workers', '--json', '--gearman', hp(g)], {env: bed.env()})
      t.diagnostic(`queue workers --json, 300 workers: ${Date.now() - t0} ms (CLI process included)`)
      assert.equal(wk.json.connections, 300)
      assert.ok(
        wk.json.servers[0].workers.every((w: any) => w.functions.length === 7 && /^scale-\d+$/.test(w.clientId)),
      )
      const human = await runCli(['queue', 'workers', '--gearman', hp(g)], {env: bed.env()})
      assert.equal(human.code, 0)
      assert.match(human.stdout, /300 distinct worker connections/)
      assert.equal((human.stdout.match(/scale-\d+/g) ?? []).length, 300)
    } finally {
      for (const c of conns) c.close()
      await g.stop()
    }
  })
})
