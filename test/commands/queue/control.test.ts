import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {BinaryConnection, withBinary} from '../../../src/lib/gearman/binary.js'
import {runCli} from '../../helpers/cli.js'
import {waitFor} from '../../support/testbed/processes.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
let s0: string
const hp = (s: {host: string; port: number}) => `${s.host}:${s.port}`
const handleNumber = (handle: string) => Number(handle.slice(handle.lastIndexOf(':') + 1))

before(async () => {
  bed = await TestBed.start({gearmandCount: 2})
  s0 = hp(bed.servers[0])
})
after(async () => {
  await bed?.stop()
})

const admin = () => new GearmanAdmin(bed.servers[0], 2000)
const submit = (fn: string, unique: string) =>
  withBinary(bed.servers[0], 2000, (b) => b.submitBackground(fn, unique, '{"id":1}'))
const statusOf = async (fn: string) => (await admin().status()).find((s) => s.function === fn)

async function auditLines(): Promise<any[]> {
  const path = bed.env().ATOM_OPS_AUDIT_LOG!
  if (!existsSync(path)) return []
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

describe('queue cancel', () => {
  test('a waiting job: dry run changes nothing; no terminal and no --force refuses; --force cancels, verified, and a worker then discards it', async () => {
    const fn = bed.fn('arFindingAidJob')
    const handle = await submit(fn, 'cancel-me')

    const dry = await runCli(['queue', 'cancel', handle, '--server', s0, '--dry-run', '--json'], {env: bed.env()})
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.json.outcome, 'would-cancel')
    assert.equal((await admin().showJobs()).find((j) => j.handle === handle)?.ignored, false)

    const refused = await runCli(['queue', 'cancel', handle, '--server', s0], {env: bed.env()})
    assert.equal(refused.code, 5)
    assert.match(refused.stderr, /^atom-ops: refusing to continue without --force/)
    assert.equal((await admin().showJobs()).find((j) => j.handle === handle)?.ignored, false)

    const r = await runCli(['queue', 'cancel', handle, '--server', s0, '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.outcome, 'cancelled')
    assert.deepEqual([r.json.before.running, r.json.before.cancelled, r.json.after.cancelled], [false, false, true])
    assert.match(r.json.message, /stays counted/)
    // what the reference says, checked: still counted, then discarded (not run) when a worker pulls it
    assert.equal((await statusOf(fn))?.total, 1)
    const marker = join(bed.dir, 'ran-the-cancelled-job')
    await bed.startWorker(['arFindingAidJob'], {server: bed.servers[0], command: ['touch', marker]})
    await waitFor('the cancelled job to leave the queue', async () =>
      (await statusOf(fn))?.total === 0 ? true : undefined,
    )
    assert.equal(existsSync(marker), false, 'the worker did not run the cancelled job')
    // and the same worker does run a job that was not cancelled: the check above could fail
    await submit(fn, 'not-cancelled')
    await waitFor('the worker to run a normal job', async () => (existsSync(marker) ? true : undefined))

    const audit = (await auditLines()).filter((a) => a.handle === handle)
    // The refusal is on record too, naming the job it refused to cancel.
    assert.deepEqual(
      audit.map((a) => [a.command, a.outcome]),
      [
        ['queue:cancel', 'dry-run'],
        ['queue:cancel', 'refused'],
        ['queue:cancel', 'done'],
      ],
    )
  })

  test('a running job is reported truthfully as not stopped (exit 1), and it really keeps running', async () => {
    const fn = bed.fn('arObjectMoveJob')
    await bed.startWorker(['arObjectMoveJob'], {server: bed.servers[0], command: ['sleep', '100000']})
    const handle = await submit(fn, 'running-one')
    await waitFor('the job to run', async () => ((await statusOf(fn))?.running === 1 ? true : undefined))

    const dry = await runCli(['queue', 'cancel', handle, '--server', s0, '--dry-run'], {env: bed.env()})
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /would-not-stop/)

    const r = await runCli(['queue', 'cancel', handle, '--server', s0, '--force'], {env: bed.env()})
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stdout, /outcome\s+not-stopped/)
    assert.match(r.stdout, /cannot stop a running job/)
    const st = await withBinary(bed.servers[0], 2000, (b) => b.getStatus(handle))
    assert.deepEqual([st.known, st.running], [true, true])
    assert.equal((await statusOf(fn))?.running, 1)
    assert.equal((await auditLines()).find((a) => a.handle === handle && a.outcome !== 'dry-run')?.outcome, 'partial')
  })

  test('malformed input and an unknown handle: one line, a hint, documented exit codes, nothing audited', async () => {
    const before = (await auditLines()).length
    const cases: Array<[string[], number, RegExp]> = [
      [['queue', 'cancel', 'not-a-handle', '--server', s0], 2, /"not-a-handle" is not a Gearman job handle/],
      [['queue', 'cancel', 'H:host:1', '--server', 'host:1:2'], 2, /--server "host:1:2" is not a valid host:port/],
      [['queue', 'cancel', 'H:host:1'], 2, /job H:host:1 is not known to any job server/],
      [['queue', 'cancel', 'H:nowhere:424242', '--server', s0, '--force'], 2, /job H:nowhere:424242 is not known to/],
    ]
    for (const [args, code, message] of cases) {
      const r = await runCli(args, {env: bed.env()})
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 2, r.stderr)
      assert.match(lines[0], /^atom-ops: /)
      assert.match(lines[0], message)
      assert.match(lines[1], /^ {2}hint: /)
      assert.equal(r.stdout, '')
    }

    const json = await runCli(['queue', 'cancel', 'H bad', '--server', s0, '--json'], {env: bed.env()})
    assert.equal(json.code, 2)
    assert.equal(json.json.error.kind, 'usage')
    assert.equal((await auditLines()).length, before)
  })
})

describe('queue drop', () => {
  test('an idle function without workers or jobs: dry run, then dropped and verified gone', async () => {
    const fn = bed.fn('arInheritRightsJob')
    const c = await BinaryConnection.open(bed.servers[0], 2000)
    c.registerWorker([fn])
    await waitFor('registration', async () => ((await statusOf(fn))?.availableWorkers === 1 ? true : undefined))
    c.close()
    await waitFor('the worker to leave', async () => ((await statusOf(fn))?.availableWorkers === 0 ? true : undefined))

    const dry = await runCli(['queue', 'drop', fn, '--server', s0, '--dry-run', '--json'], {env: bed.env()})
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.json.servers[0].outcome, 'would-drop')
    assert.ok(await statusOf(fn))

    const r = await runCli(['queue', 'drop', fn, '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      r.json.servers.map((s: any) => s.outcome),
      ['dropped', 'not-found'],
    )
    assert.equal(r.json.function.jobClass, 'arInheritRightsJob')
    assert.equal(await statusOf(fn), undefined)
    assert.equal(
      (await auditLines())
        .filter((a) => a.function === fn)
        .map((a) => a.outcome)
        .join(','),
      'dry-run,done',
    )
  })

  test('queued jobs and no worker: refused without --force (exit 5), dropped with it, the orphaning said', async () => {
    const fn = bed.fn('arGenerateReportJob')
    await submit(fn, 'orphan-1')
    const refused = await runCli(['queue', 'drop', fn, '--server', s0, '--json'], {env: bed.env()})
    assert.equal(refused.code, 5, refused.stderr)
    assert.equal(refused.json.servers[0].outcome, 'refused')
    assert.match(refused.json.servers[0].message, /orphan/)
    assert.equal((await statusOf(fn))?.total, 1)

    const forced = await runCli(['queue', 'drop', fn, '--server', s0, '--force'], {env: bed.env()})
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /dropped; 1 queued job\(s\) orphaned/)
    assert.equal(await statusOf(fn), undefined)
  })

  test('with a worker connected: not dropped (exit 6), the function still there', async () => {
    const fn = bed.fn('arValidateCsvJob')
    await bed.startWorker(['arValidateCsvJob'], {server: bed.servers[0]})
    const r = await runCli(['queue', 'drop', fn, '--server', s0, '--force'], {env: bed.env()})
    assert.equal(r.code, 6, r.stderr)
    assert.match(r.stdout, /refused/)
    assert.match(r.stdout, /workers are connected/)
    assert.equal((await statusOf(fn))?.availableWorkers, 1)
  })

  test('an unknown function and a malformed name: one line, exit 2 (a usage error, as an unknown job id)', async () => {
    const unknown = await runCli(['queue', 'drop', `${'0'.repeat(32)}-arFindingAidJob`, '--force'], {env: bed.env()})
    assert.equal(unknown.code, 2)
    assert.match(
      unknown.stderr,
      /^atom-ops: function 0{32}-arFindingAidJob is not registered on any job server\n {2}hint: /,
    )
    const bad = await runCli(['queue', 'drop', 'two words', '--force'], {env: bed.env()})
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^atom-ops: "two words" is not a Gearman function name/)
    const badServer = await runCli(['queue', 'drop', 'x', '--server', 'a b'], {env: bed.env()})
    assert.equal(badServer.code, 2)
    assert.match(badServer.stderr, /--server "a b" is not a valid host:port/)
  })
})

/** A function registered once and left without workers or jobs: what `queue drop` can drop. */
async function idleFunction(fn: string, server = bed.servers[0]): Promise<void> {
  const c = await BinaryConnection.open(server, 2000)
  c.registerWorker([fn])
  const there = async () => (await new GearmanAdmin(server, 2000).status()).find((s) => s.function === fn)
  await waitFor('registration', async () => ((await there())?.availableWorkers === 1 ? true : undefined))
  c.close()
  await waitFor('the worker to leave', async () => ((await there())?.availableWorkers === 0 ? true : undefined))
}

describe('queue drop takes the job class people type', () => {
  test("arUpdatePublicationStatusJob is this install's function for it: dry run names the full function, then dropped", async () => {
    const fn = bed.fn('arUpdatePublicationStatusJob')
    await idleFunction(fn)
    const dry = await runCli(['queue', 'drop', 'arUpdatePublicationStatusJob', '--dry-run'], {env: bed.env()})
    assert.equal(dry.code, 0, dry.stderr)
    assert.ok(dry.stdout.includes(`function ${fn} (this install, arUpdatePublicationStatusJob) - dry run`), dry.stdout)
    const r = await runCli(['queue', 'drop', 'arUpdatePublicationStatusJob', '-f', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      [r.json.function.function, r.json.typed, r.json.servers[0].outcome],
      [fn, 'arUpdatePublicationStatusJob', 'dropped'],
    )
    assert.equal(await statusOf(fn), undefined)
    assert.equal((await auditLines()).filter((a) => a.function === fn).at(-1).typed, 'arUpdatePublicationStatusJob')
  })

  test('a class of this install that no server has registered: exit 2 naming the function it means', async () => {
    const r = await runCli(['queue', 'drop', 'arActorXmlExportJob', '--force'], {env: bed.env()})
    assert.equal(r.code, 2, r.stderr)
    assert.equal(
      r.stderr.split('\n')[0],
      `atom-ops: job class arActorXmlExportJob (function ${bed.fn('arActorXmlExportJob')}) is not registered on any job server`,
    )
  })

  test('a misspelt class: exit 2, the nearest class in the hint, nothing sent', async () => {
    const fn = bed.fn('arCalculateDescendantDatesJob')
    await idleFunction(fn)
    const r = await runCli(['queue', 'drop', 'arCalculateDescendentDatesJob', '--force'], {env: bed.env()})
    assert.equal(r.code, 2, r.stderr)
    assert.match(
      r.stderr,
      /^atom-ops: "arCalculateDescendentDatesJob" is not a job class of this install, nor a registered function\n {2}hint: Did you mean arCalculateDescendantDatesJob\? .*queue status --all\n$/,
    )
    assert.ok(await statusOf(fn), 'still registered')
  })

  test('a function of no install, registered as typed, is still dropped as typed', async () => {
    await idleFunction('reverse')
    const r = await runCli(['queue', 'drop', 'reverse', '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      [r.json.function.function, r.json.typed, r.json.servers[0].outcome],
      ['reverse', undefined, 'dropped'],
    )
  })

  test('a class without an install to compute the prefix from: configuration error (3), the full name asked for', async () => {
    const r = await runCli(['queue', 'drop', 'arFindingAidJob', '--force', '--gearman', s0], {
      env: bed.env({ATOM_OPS_ATOM_ROOT: join(bed.dir, 'no-install')}),
    })
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /is a job class, and this install's function prefix is unknown/)
    assert.match(r.stderr, /hint: Give the full function name/)
  })
})

describe('queue cancel without --server asks every server', () => {
  const submitTo = (i: number, fn: string, unique: string) =>
    withBinary(bed.servers[i], 2000, (b) => b.submitBackground(fn, unique, '{}'))
  const jobsOn = (i: number) => new GearmanAdmin(bed.servers[i], 2000).showJobs()

  test('a handle only the second server holds: cancelled there, the lookup says where it was asked', async () => {
    const fn = bed.fn('arRepositoryCsvExportJob')
    let handle = await submitTo(1, fn, 'on-1-a')
    // Handles are numbered per server: take one the first server does not hold.
    for (let i = 0; (await jobsOn(0)).some((j) => j.handle === handle); i++) handle = await submitTo(1, fn, `on-1-${i}`)
    const r = await runCli(['queue', 'cancel', handle, '-f', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual([r.json.server, r.json.outcome], [hp(bed.servers[1]), 'cancelled'])
    assert.deepEqual(r.json.lookup, [
      {server: s0, found: false},
      {server: hp(bed.servers[1]), found: true},
    ])
    assert.equal((await jobsOn(1)).find((j) => j.handle === handle)?.ignored, true)
  })

  test('a handle both servers hold: refused naming both (exit 2), nothing sent; --server then picks one', async () => {
    const fn = bed.fn('arPhysicalObjectCsvHoldingsReportJob')
    let h0 = await submitTo(0, fn, 'both-0')
    let h1 = await submitTo(1, fn, 'both-1')
    for (let i = 0; handleNumber(h0) < handleNumber(h1); i++) h0 = await submitTo(0, fn, `both-0-${i}`)
    for (let i = 0; handleNumber(h1) < handleNumber(h0); i++) h1 = await submitTo(1, fn, `both-1-${i}`)
    assert.equal(h0, h1, 'the two servers hold the same handle')
    const r = await runCli(['queue', 'cancel', h0, '--force'], {env: bed.env()})
    assert.equal(r.code, 2, r.stderr)
    assert.equal(
      r.stderr.split('\n')[0],
      `atom-ops: job ${h0} is known to 2 job servers (${s0}, ${hp(bed.servers[1])}): atom-ops will not guess which one you mean`,
    )
    assert.match(r.stderr, /hint: Say which with --server/)
    for (const i of [0, 1])
      assert.equal((await jobsOn(i)).find((j) => j.handle === h0)?.ignored, false, `server ${i} untouched`)
    const picked = await runCli(['queue', 'cancel', h0, '--server', hp(bed.servers[1]), '--force', '--json'], {
      env: bed.env(),
    })
    assert.equal(picked.code, 0, picked.stderr)
    assert.deepEqual(
      [
        (await jobsOn(0)).find((j) => j.handle === h0)?.ignored,
        (await jobsOn(1)).find((j) => j.handle === h0)?.ignored,
      ],
      [false, true],
    )
  })

  test('a handle no server holds: exit 2; one server silent and the others without it: exit 4, the silent one named', async () => {
    const none = await runCli(['queue', 'cancel', 'H:nowhere:999999', '--force'], {env: bed.env()})
    assert.equal(none.code, 2, none.stderr)
    assert.match(none.stderr, /^atom-ops: job H:nowhere:999999 is not known to any job server/)
    const dead = await runCli(
      ['queue', 'cancel', 'H:nowhere:999999', '--force', '--gearman', s0, '--gearman', '127.0.0.1:1', '--timeout', '2'],
      {env: bed.env()},
    )
    assert.equal(dead.code, 4, dead.stderr)
    assert.match(
      dead.stderr,
      /^atom-ops: job H:nowhere:999999 is not known to the job servers that answered; 127\.0\.0\.1:1 did not answer\n {2}hint: It may be there/,
    )
  })
})
