import assert from 'node:assert/strict'
import {test} from 'node:test'

import {memcachedFromParams} from '../../../src/lib/cache/clear.js'

test('memcached servers from cache_engine_param as QubitCache reads it: host/port, a servers list, localhost, defaults', () => {
  assert.deepEqual(memcachedFromParams({host: 'localhost', port: 11_212}), [{host: '127.0.0.1', port: 11_212}])
  assert.deepEqual(memcachedFromParams({servers: [{host: '10.0.0.1', port: 11_211}, '10.0.0.2:11213']}), [
    {host: '10.0.0.1', port: 11_211},
    {host: '10.0.0.2', port: 11_213},
  ])
  assert.deepEqual(memcachedFromParams(undefined), [{host: '127.0.0.1', port: 11_211}])
  // QubitCache's own servers shape: each item [{host: h}, {port: p}]
  assert.deepEqual(memcachedFromParams({servers: [[{host: '10.0.0.7'}, {port: 11_219}]]}), [
    {host: '10.0.0.7', port: 11_219},
  ])
})
