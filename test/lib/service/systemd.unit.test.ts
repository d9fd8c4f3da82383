import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseShow, systemdTimeToIso, unitName, unitStatusFromShow} from '../../../src/lib/service/systemd.js'

describe('systemd output', () => {
  test('parseShow splits blocks per unit at blank lines', () => {
    const blocks = parseShow(
      'Id=a.service\nActiveState=active\n\nId=b.service\nActiveState=failed\nResult=start-limit-hit\n',
    )
    assert.deepEqual(blocks, [
      {Id: 'a.service', ActiveState: 'active'},
      {Id: 'b.service', ActiveState: 'failed', Result: 'start-limit-hit'},
    ])
  })

  test('timestamps: UTC and numeric zones become ISO; a named local zone is left as printed', () => {
    assert.equal(systemdTimeToIso('Sun 2026-11-29 01:40:02 UTC'), '2026-11-29T01:40:02.000Z')
    assert.equal(systemdTimeToIso('Sun 2026-11-29 01:40:02 +0100'), '2026-11-29T00:40:02.000Z')
    assert.equal(systemdTimeToIso('Sun 2026-11-29 01:40:02 CET'), undefined)
    assert.equal(systemdTimeToIso(''), undefined)
    assert.equal(systemdTimeToIso('n/a'), undefined)
  })

  test('unit names get .service unless typed', () => {
    assert.equal(unitName('atom-worker'), 'atom-worker.service')
    assert.equal(unitName('atom-worker@2'), 'atom-worker@2.service')
    assert.equal(unitName('atom.target'), 'atom.target')
  })

  test('states: activating/auto-restart is backoff, not-found is unknown, MemoryCurrent [not set] and UINT64_MAX are no number', () => {
    const backoff = unitStatusFromShow(
      {
        Id: 'x.service',
        LoadState: 'loaded',
        ActiveState: 'activating',
        SubState: 'auto-restart',
        MemoryCurrent: '18446744073709551615',
      },
      'x.service',
    )
    assert.equal(backoff.condition, 'backoff')
    assert.equal(backoff.memoryBytes, undefined)
    const missing = unitStatusFromShow(
      {Id: 'x.service', LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead'},
      'x.service',
    )
    assert.equal(missing.condition, 'unknown')
    assert.match(missing.note!, /unit not found/)
    const neverExited = unitStatusFromShow(
      {ActiveState: 'active', SubState: 'running', ExecMainExitTimestamp: '', ExecMainStatus: '0'},
      'y.service',
    )
    assert.equal(neverExited.lastExitStatus, undefined, 'no exit yet: no exit status')
  })
})
