import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'

/** Unknown commands through the built CLI: one line, a hint with the nearest command, exit 127; never a prompt, never run. */
describe('an unknown command', () => {
  for (const [typed, nearest, topicHelp] of [
    [['jobs', 'lisst'], 'jobs list', 'atom-ops help jobs'],
    [['jobs:lisst'], 'jobs list', 'atom-ops help jobs'],
    [['jbos', 'list'], 'jobs list', 'atom-ops help lists'],
    [['queue', 'stauts'], 'queue status', 'atom-ops help queue'],
    [['doctr'], 'doctor', 'atom-ops help lists'],
  ] as const) {
    test(`${typed.join(' ')}: exit 127, "Did you mean: atom-ops ${nearest}?"`, async () => {
      const r = await runCli([...typed], {input: 'y\n'})
      assert.equal(r.code, 127, r.stderr)
      assert.equal(r.stdout, '', 'nothing ran')
      assert.match(
        r.stderr,
        /^atom-ops: "[^"\n]+" is not an atom-ops command\n {2}hint: Did you mean: atom-ops ([a-z ]+)\? \(([^)]+)\)\n$/,
      )
      assert.equal(/Did you mean: atom-ops ([a-z ]+)\?/.exec(r.stderr)![1], nearest)
      assert.ok(r.stderr.includes(topicHelp), r.stderr)
    })
  }

  test('a word far from every command: no guess, where to look', async () => {
    const r = await runCli(['frobnicate'])
    assert.equal(r.code, 127)
    assert.equal(
      r.stderr,
      'atom-ops: "frobnicate" is not an atom-ops command\n  hint: atom-ops help lists the commands.\n',
    )
  })

  test('a known command given a word it does not take: a usage error (exit 2) naming it', async () => {
    const r = await runCli(['config', 'show', 'extra'])
    assert.equal(r.code, 2)
    assert.equal(r.stderr, 'atom-ops: "config show" does not take "extra"\n  hint: See: atom-ops config show --help\n')
  })

  test('--json: the error object on stdout, exit 127', async () => {
    const r = await runCli(['jobs', 'lisst', '--json'])
    assert.equal(r.code, 127)
    assert.deepEqual(JSON.parse(r.stdout).error, {
      kind: 'unknown-command',
      message: '"jobs lisst" is not an atom-ops command',
      hint: 'Did you mean: atom-ops jobs list? (atom-ops help jobs lists the commands)',
      exitCode: 127,
    })
  })

  test('escape sequences typed as a command are shown inert', async () => {
    const r = await runCli(['\u001B[2Jboom'])
    assert.equal(r.code, 127)
    assert.doesNotMatch(r.stderr, /\u001B/)
  })
})
