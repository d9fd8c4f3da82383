import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseExits, parseRunningDescription, parseSupervisorStatus} from '../../../src/lib/service/supervisor.js'
import {parseShow, systemdTimeToIso, unitName, unitStatusFromShow} from '../../../src/lib/service/systemd.js'
import {globToRegExp} from '../../../src/lib/service/types.js'
import {memcachedFromParams} from '../../../src/lib/cache/clear.js'

describe('systemd output', () => {
  test('parseShow splits blocks per unit at blank lines', () => {
    const blocks = parseShow('Id=a.service\nActiveState=active\n\nId=b.service\nActiveState=failed\nResult=start-limit-hit\n')
    assert.deepEqual(blocks, [{Id: 'a.service', ActiveState: 'active'}, {Id: 'b.service', ActiveState: 'failed', Result: 'start-limit-hit'}])
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
    const backoff = unitStatusFromShow({Id: 'x.service', LoadState: 'loaded', ActiveState: 'activating', SubState: 'auto-restart', MemoryCurrent: '18446744073709551615'}, 'x.service')
    assert.equal(backoff.condition, 'backoff')
    assert.equal(backoff.memoryBytes, undefined)
    const missing = unitStatusFromShow({Id: 'x.service', LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead'}, 'x.service')
    assert.equal(missing.condition, 'unknown')
    assert.match(missing.note!, /unit not found/)
    const neverExited = unitStatusFromShow({ActiveState: 'active', SubState: 'running', ExecMainExitTimestamp: '', ExecMainStatus: '0'}, 'y.service')
    assert.equal(neverExited.lastExitStatus, undefined, 'no exit yet: no exit status')
  })
})

describe('supervisord output', () => {
  test('status lines, including group members and descriptions with spaces', () => {
    const lines = parseSupervisorStatus(
      'bad                              FATAL     Exited too quickly (process log may have details)\ngrp:good                         RUNNING   pid 21818, uptime 1 day, 2:03:04\nnosuch: ERROR (no such process)\n',
    )
    assert.deepEqual(lines, [
      {name: 'bad', state: 'FATAL', description: 'Exited too quickly (process log may have details)'},
      {name: 'grp:good', state: 'RUNNING', description: 'pid 21818, uptime 1 day, 2:03:04'},
    ])
    assert.deepEqual(parseRunningDescription(lines[1].description), {pid: 21818, uptimeSeconds: 86400 + 2 * 3600 + 3 * 60 + 4})
  })

  test('exit statuses from supervisord\'s log: the last one per program wins', () => {
    const log = [
      '2026-11-29 02:29:16,291 WARN exited: bad (exit status 1; not expected)',
      '2026-11-29 02:29:17,801 WARN exited: e111 (exit status 111; not expected)',
      '2026-11-29 02:30:17,801 INFO exited: e111 (exit status 0; expected)',
    ].join('\n')
    const exits = parseExits(log)
    assert.deepEqual(exits.get('bad'), {status: 1, at: '2026-11-29 02:29:16'})
    assert.equal(exits.get('e111')!.status, 0)
  })
})

describe('globs and memcached settings', () => {
  test('globToRegExp anchors and escapes', () => {
    assert.ok(globToRegExp('atom-worker@*').test('atom-worker@12.service'))
    assert.ok(!globToRegExp('atom-worker@*').test('xatom-worker@1'))
    assert.ok(globToRegExp('php*-fpm*').test('php8.2-fpm'))
    assert.ok(!globToRegExp('a.b').test('axb'))
    assert.ok(globToRegExp('w[12]').test('w2') && !globToRegExp('w[12]').test('w3'))
  })

  test("memcached servers from cache_engine_param as QubitCache reads it: host/port, a servers list, localhost, defaults", () => {
    assert.deepEqual(memcachedFromParams({host: 'localhost', port: 11212}), [{host: '127.0.0.1', port: 11212}])
    assert.deepEqual(memcachedFromParams({servers: [{host: '10.0.0.1', port: 11211}, '10.0.0.2:11213']}), [{host: '10.0.0.1', port: 11211}, {host: '10.0.0.2', port: 11213}])
    assert.deepEqual(memcachedFromParams(undefined), [{host: '127.0.0.1', port: 11211}])
    // QubitCache's own servers shape: each item [{host: h}, {port: p}]
    assert.deepEqual(memcachedFromParams({servers: [[{host: '10.0.0.7'}, {port: 11219}]]}), [{host: '10.0.0.7', port: 11219}])
  })
})
