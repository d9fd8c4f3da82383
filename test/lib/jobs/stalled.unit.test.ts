/**
 * jobs stalled's classification, in-process: in-progress rows and a hand-built Gearman picture in,
 * states out. The same rules against real gearmand and MariaDB are in test/commands/jobs/stalled.test.ts.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {FunctionState, GearmanPicture, ServerAnswer} from '../../../src/lib/jobs/gearman.js'

import {classify, type InProgressJob, type InProgressRow} from '../../../src/lib/jobs/stalled.js'

const PREFIX = '0123456789abcdef0123456789abcdef-'
const OTHER_PREFIX = 'fedcba9876543210fedcba9876543210-'

/** Gearman's answer: what each function has (summed over the servers that answered), and which servers answered. */
function picture(
  functions: Array<Partial<FunctionState> & {function: string}>,
  servers: ServerAnswer[] = [{server: '127.0.0.1:4730', ok: true}],
): GearmanPicture {
  return {
    servers,
    functions: new Map(
      functions.map((f) => [
        f.function,
        {waiting: 0, running: 0, workers: 0, cancelled: 0, servers: ['127.0.0.1:4730'], ...f},
      ]),
    ),
    perServer: [],
    answered: servers.filter((s) => s.ok).length,
  }
}

/** An in-progress row of `name`, `ageSeconds` old. */
function row(id: number, name: string | null, ageSeconds: number): InProgressRow {
  return {id, name, user: 'admin', startedAt: '2026-12-01T09:00:00-08:00', ageSeconds}
}

const states = (jobs: InProgressJob[]) => Object.fromEntries(jobs.map((j) => [j.id, j.state]))

describe('classify: in-progress rows against what Gearman holds', () => {
  test('per class, the newest rows take the queued jobs, the next the running ones, the rest are zombies', () => {
    const rows = [
      row(1, 'arFindingAidJob', 7200),
      row(2, 'arFindingAidJob', 600),
      row(3, 'arFindingAidJob', 60),
      row(4, 'arFindingAidJob', 3600),
    ]
    const jobs = classify(
      rows,
      picture([{function: PREFIX + 'arFindingAidJob', waiting: 1, running: 1, workers: 2}]),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {1: 'zombie', 2: 'running', 3: 'waiting', 4: 'zombie'})
    assert.deepEqual(
      jobs.map((j) => j.id),
      [1, 2, 3, 4],
      'in the order given',
    )
    const waiting = jobs.find((j) => j.id === 3)!
    assert.equal(waiting.function, PREFIX + 'arFindingAidJob')
    assert.match(
      waiting.reason,
      /^queued for 0123456789abcdef0123456789abcdef-arFindingAidJob, 2 worker\(s\) registered$/,
    )
    assert.match(jobs.find((j) => j.id === 2)!.reason, /a worker is busy on/)
    assert.match(
      jobs.find((j) => j.id === 1)!.reason,
      /nothing queued or running for .*arFindingAidJob matches this row$/,
    )
  })

  test('rows of the same age: the higher id is the newer one', () => {
    const jobs = classify(
      [row(10, 'arFindingAidJob', 100), row(11, 'arFindingAidJob', 100)],
      picture([{function: PREFIX + 'arFindingAidJob', running: 1}]),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {10: 'zombie', 11: 'running'})
  })

  test("one class's queued and running jobs are never given to another class's rows", () => {
    const rows = [row(1, 'arFindingAidJob', 50), row(2, 'arInformationObjectCsvExportJob', 40)]
    const jobs = classify(
      rows,
      picture([
        {function: PREFIX + 'arFindingAidJob', waiting: 3},
        {function: PREFIX + 'arInformationObjectCsvExportJob'},
      ]),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {1: 'waiting', 2: 'zombie'})
  })

  test('the install prefix decides: the same class under another prefix (another install) is not this row', () => {
    const jobs = classify(
      [row(1, 'arFindingAidJob', 50)],
      picture([{function: OTHER_PREFIX + 'arFindingAidJob', waiting: 1, running: 1}]),
      PREFIX,
    )
    assert.equal(jobs[0].state, 'zombie')
    assert.equal(jobs[0].reason, `no Gearman server knows ${PREFIX}arFindingAidJob`)
  })

  test('queued jobs cancelled with `cancel job` are not waiting: their rows are zombies, and the reason says so', () => {
    const one = classify(
      [row(1, 'arFindingAidJob', 50)],
      picture([{function: PREFIX + 'arFindingAidJob', waiting: 0, cancelled: 1}]),
      PREFIX,
    )
    assert.equal(one[0].state, 'zombie')
    assert.match(one[0].reason, /\(1 queued job was cancelled: a worker discards it\)$/)
    const two = classify(
      [row(1, 'arFindingAidJob', 50)],
      picture([{function: PREFIX + 'arFindingAidJob', waiting: 0, cancelled: 2}]),
      PREFIX,
    )
    assert.match(two[0].reason, /\(2 queued jobs were cancelled: a worker discards them\)$/)
  })

  test('a server that did not answer: what the others hold is still matched, the rest is unknown (not zombie) and names it', () => {
    const servers = [
      {server: '127.0.0.1:4730', ok: true},
      {server: '10.0.0.9:4730', ok: false, error: 'connect ECONNREFUSED'},
    ]
    const jobs = classify(
      [row(1, 'arFindingAidJob', 900), row(2, 'arFindingAidJob', 30)],
      picture([{function: PREFIX + 'arFindingAidJob', waiting: 1}], servers),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {1: 'unknown', 2: 'waiting'})
    assert.match(jobs[0].reason, /on the servers that answered; 10\.0\.0\.9:4730 did not answer$/)
    assert.equal(jobs[0].gearman, 'unknown')
  })

  test('no server answered: every row is unknown', () => {
    const down = [{server: '127.0.0.1:4730', ok: false, error: 'timeout'}]
    const jobs = classify([row(1, 'arFindingAidJob', 900), row(2, 'arObjectMoveJob', 30)], picture([], down), PREFIX)
    assert.deepEqual(states(jobs), {1: 'unknown', 2: 'unknown'})
    assert.ok(jobs.every((j) => j.reason === 'no Gearman server answered'))
  })

  test('moves and file imports run one at a time: every one but the oldest is blocked behind it, whatever Gearman says', () => {
    const rows = [
      row(5, 'arObjectMoveJob', 300),
      row(6, 'arFileImportJob', 9000),
      row(7, 'arObjectMoveJob', 20),
      row(8, 'arFindingAidJob', 20),
    ]
    const jobs = classify(
      rows,
      picture([
        {function: PREFIX + 'arObjectMoveJob', waiting: 2},
        {function: PREFIX + 'arFindingAidJob', waiting: 1},
      ]),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {5: 'blocked', 6: 'zombie', 7: 'blocked', 8: 'waiting'})
    const move = jobs.find((j) => j.id === 7)!
    assert.equal(move.blockedBy, 6)
    assert.equal(move.gearman, 'waiting', 'what Gearman said of the row on its own is kept')
    assert.match(move.reason, /^waits behind older in-progress arFileImportJob #6 \(zombie\)/)
    assert.equal(jobs.find((j) => j.id === 6)!.blockedBy, undefined)
    assert.equal(jobs.find((j) => j.id === 8)!.blockedBy, undefined, 'other classes are never blocked')
  })

  test('a single move is not blocked; no rows, nothing to classify', () => {
    const jobs = classify(
      [row(1, 'arObjectMoveJob', 300)],
      picture([{function: PREFIX + 'arObjectMoveJob', running: 1}]),
      PREFIX,
    )
    assert.deepEqual(states(jobs), {1: 'running'})
    assert.deepEqual(classify([], picture([]), PREFIX), [])
  })
})
