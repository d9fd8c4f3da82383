import assert from 'node:assert/strict'
import {test} from 'node:test'

import {globToRegExp} from '../../../src/lib/service/types.js'

test('globToRegExp anchors and escapes', () => {
  assert.ok(globToRegExp('atom-worker@*').test('atom-worker@12.service'))
  assert.ok(!globToRegExp('atom-worker@*').test('xatom-worker@1'))
  assert.ok(globToRegExp('php*-fpm*').test('php8.2-fpm'))
  assert.ok(!globToRegExp('a.b').test('axb'))
  assert.ok(globToRegExp('w[12]').test('w2') && !globToRegExp('w[12]').test('w3'))
})
