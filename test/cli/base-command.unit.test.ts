/**
 * The base command's error mapping, in-process: what is thrown becomes one line, a hint and the exit
 * code of its kind. Commands run from their source in this process (runInProcess), on runs that fail
 * before any service is asked; the same through the built CLI is in test/cli/flags.test.ts.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {CliResult} from '../helpers/cli.js'

import {toAtomOpsError} from '../../src/cli/base-command.js'
import {AtomOpsError, ConfigError, ExitCode} from '../../src/lib/errors.js'
import {runInProcess} from '../helpers/in-process.js'

/** No install and no config file: nothing the developer has configured is read. */
const NOTHING = {ATOM_OPS_ATOM_ROOT: '/nonexistent/atom', ATOM_OPS_CONFIG: '/nonexistent/atom-ops.yml'}

/** An error is one line and a hint on stderr, nothing on stdout. */
function assertError(r: CliResult, code: number, message: RegExp, hint: RegExp): void {
  assert.equal(r.code, code, r.stderr)
  assert.equal(r.stdout, '')
  const [line, hintLine, ...rest] = r.stderr.trimEnd().split('\n')
  assert.match(line, new RegExp(`^atom-ops: ${message.source}`))
  assert.match(hintLine, new RegExp(`^ {2}hint: ${hint.source}`))
  assert.deepEqual(rest, [])
}

describe('toAtomOpsError: anything thrown becomes an error of a kind', () => {
  test('our own errors keep their kind, message and hint', () => {
    const e = new ConfigError('config.php not found', 'Set --atom-root.')
    assert.equal(toAtomOpsError(e), e)
  })

  test('anything else is an unexpected failure (6), with the way to learn more', () => {
    const e = toAtomOpsError(new TypeError("Cannot read properties of undefined (reading 'x')"))
    assert.ok(e instanceof AtomOpsError)
    assert.equal(e.exitCode, ExitCode.failed)
    assert.equal(e.message, "unexpected error: Cannot read properties of undefined (reading 'x')")
    assert.match(e.hint!, /--debug/)
    assert.equal(toAtomOpsError('a thrown string').message, 'unexpected error: a thrown string')
  })
})

describe('flags and arguments: usage errors (2), one line and a hint naming the command', () => {
  test('a value of the wrong type', async () => {
    assertError(
      await runInProcess('jobs:list', ['--limit', 'abc'], NOTHING),
      2,
      /--limit: expected an integer but received: abc$/,
      /See: atom-ops jobs list --help$/,
    )
  })

  test('a mistyped flag: the nearest one', async () => {
    assertError(
      await runInProcess('queue:drop', ['x', '--dryrun'], NOTHING),
      2,
      /unknown flag --dryrun$/,
      /Did you mean --dry-run\? \(atom-ops queue drop --help/,
    )
  })

  test('a missing argument: what it is, and a harmless example', async () => {
    assertError(
      await runInProcess('jobs:kill', [], NOTHING),
      2,
      /missing ID: the job id$/,
      /Example: atom-ops jobs kill \d+ .*--dry-run$/,
    )
  })

  test('out of range, checked by our own parser', async () => {
    assertError(
      await runInProcess('jobs:list', ['--timeout', '0'], NOTHING),
      2,
      /--timeout "0" is not a number of seconds between 0 and 3600$/,
      /Seconds as a number/,
    )
  })

  test('with --json: the error as JSON on stdout, with the same exit code', async () => {
    const r = await runInProcess('jobs:list', ['--limit', 'abc', '--json'], NOTHING)
    assert.equal(r.code, 2)
    assert.equal(r.stderr, '')
    assert.deepEqual(r.json, {
      error: {
        kind: 'usage',
        message: '--limit: expected an integer but received: abc',
        hint: 'See: atom-ops jobs list --help',
        exitCode: 2,
      },
    })
  })
})

describe('configuration: errors of kind config (3)', () => {
  test('an unknown profile', async () => {
    assertError(
      await runInProcess('jobs:list', ['--profile', 'nope'], NOTHING),
      3,
      /unknown profile "nope"$/,
      /No profiles are defined; add one to \/nonexistent\/atom-ops\.yml\.$/,
    )
  })

  test('config show of a root that is not there: the report, then the error; exit 3', async () => {
    const r = await runInProcess('config:show', [], NOTHING)
    assert.equal(r.code, 3)
    assert.match(r.stdout, /atom root .*NOT RESOLVED: not found: \/nonexistent\/atom/)
    assert.match(r.stderr, /^atom-ops: AtoM root not found: \/nonexistent\/atom\n {2}hint: /)
  })
})
