import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {findStalled} from '../../../src/lib/jobs/stalled.js'
import {runCli} from '../../helpers/cli.js'
import {insertJob} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {submitBackgroundJob} from '../../support/testbed/workers.js'

const HOUR = 3_600_000
let bed: TestBed
const ids: Record<string, number> = {}

before(async () => {
  bed = await TestBed.start({gearmandCount: 2})
  const db = bed.database
  const now = Date.now()
  const last = bed.servers[1]
  // running: a worker hangs on its job.
  await bed.startWorker(['arInformationObjectXmlExportJob'], {command: ['sleep', '100000']})
  ids.running = await insertJob(db, {
    name: 'arInformationObjectXmlExportJob',
    status: 'running',
    createdAt: new Date(now - 3 * HOUR),
  })
  await submitBackgroundJob(last, bed.fn('arInformationObjectXmlExportJob'), JSON.stringify({id: ids.running}))
  // waiting: queued, no worker for it.
  ids.waiting = await insertJob(db, {name: 'arFindingAidJob', status: 'running', createdAt: new Date(now - 2 * HOUR)})
  await submitBackgroundJob(bed.servers[0], bed.fn('arFindingAidJob'), JSON.stringify({id: ids.waiting}))
  // zombie: nothing in Gearman for its function at all.
  ids.zombie = await insertJob(db, {name: 'arObjectMoveJob', status: 'running', createdAt: new Date(now - 5 * HOUR)})
  // blocked: a later move behind the zombie.
  ids.blocked = await insertJob(db, {name: 'arFileImportJob', status: 'running', createdAt: new Date(now - 4 * HOUR)})
  // zombie of a class whose function gearmand knows (a worker exists, nothing queued or running).
  await bed.startWorker(['arGenerateReportJob'])
  ids.idleZombie = await insertJob(db, {
    name: 'arGenerateReportJob',
    status: 'running',
    createdAt: new Date(now - 6 * HOUR),
  })
  // young: in progress for a minute, not stalled.
  ids.young = await insertJob(db, {name: 'arGenerateReportJob', status: 'running', createdAt: new Date(now - 60_000)})
  // Completed rows are never stalled.
  await insertJob(db, {name: 'arObjectMoveJob', status: 'completed', createdAt: new Date(now - 9 * HOUR)})
  // Wait until the hanging worker has grabbed its job.
  for (let i = 0; i < 50; i++) {
    const r = await findStalled(
      db,
      bed.clock,
      {servers: bed.servers, prefix: bed.prefix, timeoutMs: 2000},
      {olderThanMs: HOUR},
    )
    if (r.stalled.find((j) => j.id === ids.running)?.state === 'running') break
    await new Promise((res) => setTimeout(res, 100))
  }
})
after(async () => {
  await bed?.stop()
})

describe('jobs stalled', () => {
  test('classifies with real queued, running and missing Gearman jobs (library)', async () => {
    const r = await findStalled(
      bed.database,
      bed.clock,
      {servers: bed.servers, prefix: bed.prefix, timeoutMs: 2000},
      {olderThanMs: HOUR},
    )
    const state = Object.fromEntries(r.stalled.map((j) => [j.id, j.state]))
    assert.equal(state[ids.running], 'running')
    assert.equal(state[ids.waiting], 'waiting')
    assert.equal(state[ids.zombie], 'zombie')
    assert.equal(state[ids.blocked], 'blocked')
    assert.equal(state[ids.idleZombie], 'zombie')
    assert.equal(state[ids.young], undefined)
    assert.equal(r.stalled.find((j) => j.id === ids.blocked)?.blockedBy, ids.zombie)
    assert.equal(r.inProgress, 6)
    assert.ok(r.problems)
  })

  test('the command: exit 1 with zombies and blocked jobs; --json; the table', async () => {
    const r = await runCli(['jobs', 'stalled', '--json'], {env: bed.env()})
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.json.counts.zombie, 2)
    assert.equal(r.json.counts.blocked, 1)
    const h = await runCli(['jobs', 'stalled'], {env: bed.env()})
    assert.equal(h.code, 1)
    assert.match(h.stdout, /zombie/)
    assert.match(h.stdout, /2 zombie, 1 blocked, 1 running, 1 waiting/)
  })

  test('a threshold above every row: nothing stalled, exit 0', async () => {
    const r = await runCli(['jobs', 'stalled', '--older-than', '7d', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.stalled.length, 0)
  })

  test('one server down: rows that would be zombies are unknown, the dead server is named', async () => {
    const r = await runCli(
      [
        'jobs',
        'stalled',
        '--json',
        '--gearman',
        `${bed.servers[1].host}:${bed.servers[1].port}`,
        '--gearman',
        '127.0.0.1:1',
      ],
      {env: bed.env()},
    )
    const byId = Object.fromEntries(r.json.stalled.map((j: {id: number; state: string}) => [j.id, j.state]))
    assert.equal(byId[ids.running], 'running')
    assert.equal(byId[ids.idleZombie], 'unknown')
    assert.ok(r.json.servers.some((s: {ok: boolean; server: string}) => !s.ok && s.server === '127.0.0.1:1'))
  })

  test('every server down: exit 4', async () => {
    const r = await runCli(['jobs', 'stalled', '--gearman', '127.0.0.1:1'], {env: bed.env()})
    // blocked rows are still known from MySQL alone: exit 1 wins over 4.
    assert.ok([1, 4].includes(r.code ?? -1), r.stderr)
    assert.match(r.stdout, /did not answer/)
  })

  test('bad --older-than: exit 2', async () => {
    const r = await runCli(['jobs', 'stalled', '--older-than', 'soon'], {env: bed.env()})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--older-than "soon" is not a duration/)
  })
})
