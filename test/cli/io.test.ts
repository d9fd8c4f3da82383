import assert from 'node:assert/strict'
import {test} from 'node:test'

import {IOStreams} from '../../src/cli/io.js'
import {screen} from '../helpers/screen.js'

// Service tier: the pager is a child process (here one that cannot start); the rest of io is in io.unit.test.ts.

// Longer than the 5-line screen, so it would be paged.
const long = Array.from({length: 20}, (_, i) => `line ${i}`).join('\n')

test('a pager that cannot be started: the text is printed as usual', async () => {
  const out = screen(true)
  await new IOStreams({json: false}, {PAGER: '/nonexistent/pager'}, out, {isTTY: true}, {isTTY: true}).print(long)
  assert.equal(out.written, long + '\n')
})
