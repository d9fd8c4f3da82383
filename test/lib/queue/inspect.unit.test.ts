import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, test} from 'node:test'

import {type FunctionStatus} from '../../../src/lib/gearman/admin.js'
import {type QueueScope} from '../../../src/lib/queue/common.js'
import {FunctionDecoder} from '../../../src/lib/queue/decode.js'
import {sortFunctions, statusServer} from '../../../src/lib/queue/inspect.js'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const HERE = md5('/usr/share/nginx/atom') + '-'
const STAGING = md5('/srv/atom-staging') + '-'
const STRANGER = md5('/somewhere/else') + '-'

const scope = (all: boolean): QueueScope => ({
  servers: [],
  timeoutMs: 1000,
  decoder: new FunctionDecoder(HERE, new Map([[STAGING, 'staging']])),
  all,
  skippedProfiles: [],
})
const status = (fn: string, total: number, running: number, availableWorkers = 1): FunctionStatus => ({
  function: fn,
  total,
  running,
  waiting: total - running,
  availableWorkers,
})

describe('queue status rows', () => {
  test('each row: the decoded function then the counts, the same keys in the same order as the decoded object spread with the counts', () => {
    const s = scope(true)
    const lines = [
      status(HERE + 'arFindingAidJob', 3, 1, 2),
      status(STAGING + 'arObjectMoveJob', 0, 0),
      status(STRANGER + 'arFileImportJob', 1, 0),
      status('reverse', 0, 0, 4),
    ]
    const server = statusServer(s, {
      where: {host: '127.0.0.1', port: 4730},
      ok: true,
      value: {status: lines, workers: []},
    })
    const expected = lines.map((l) => ({
      ...s.decoder.decode(l.function),
      waiting: l.waiting,
      running: l.running,
      total: l.total,
      availableWorkers: l.availableWorkers,
    }))
    const byName = new Map(server.functions.map((r) => [r.function, r]))
    for (const want of expected) {
      const got = byName.get(want.function)!
      assert.deepEqual(got, want)
      assert.deepEqual(Object.keys(got), Object.keys(want), want.owner)
    }

    assert.equal(JSON.stringify(sortFunctions([...expected])), JSON.stringify(server.functions))
  })

  test('without --all only this install: the others are counted as hidden', () => {
    const lines = [
      status(HERE + 'arFindingAidJob', 0, 0),
      status(STAGING + 'arObjectMoveJob', 2, 0),
      status('reverse', 0, 0),
    ]
    const server = statusServer(scope(false), {
      where: {host: '127.0.0.1', port: 4730},
      ok: true,
      value: {status: lines, workers: []},
    })
    assert.deepEqual(
      server.functions.map((r) => r.jobClass),
      ['arFindingAidJob'],
    )
    assert.equal(server.hidden, 2)
  })

  test('the busiest first (waiting, then running), then by name in localeCompare order: case-insensitive, `_` before letters', () => {
    const rows = [
      {function: HERE + 'arb', waiting: 0, running: 0},
      {function: HERE + 'arC', waiting: 0, running: 0},
      {function: HERE + 'ar_z', waiting: 0, running: 0},
      {function: HERE + 'arA', waiting: 0, running: 0},
      {function: HERE + 'zz', waiting: 0, running: 2},
      {function: HERE + 'yy', waiting: 1, running: 0},
    ]
    assert.deepEqual(
      sortFunctions(rows).map((r) => r.function.slice(HERE.length)),
      ['yy', 'zz', 'ar_z', 'arA', 'arb', 'arC'],
    )
  })
})
