import assert from 'node:assert/strict'
import {test} from 'node:test'

import {splitShellWords} from '../../../src/lib/util/words.js'

test('shell words: quotes group, backslashes escape, an open quote is refused', () => {
  assert.deepEqual(splitShellWords(`php -d error_reporting="E_ALL & ~E_DEPRECATED" 'a b' c\\ d "x\\"y"`), [
    'php',
    '-d',
    'error_reporting=E_ALL & ~E_DEPRECATED',
    'a b',
    'c d',
    'x"y',
  ])
  assert.deepEqual(splitShellWords('  '), [])
  assert.equal(splitShellWords('php "symfony'), undefined)
})
