import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  AbortedError,
  AtomOpsError,
  ConfigError,
  describeError,
  ExitCode,
  OperationError,
  UnreachableError,
  UsageError,
} from '../../src/lib/errors.js'

test('each kind of error ends the process with its documented code', () => {
  const cases: Array<[AtomOpsError, string, number]> = [
    [new AtomOpsError('problems', 'zombies found'), 'problems', 1],
    [new UsageError('--limit "x" is not a whole number'), 'usage', 2],
    [new ConfigError('config.php not found'), 'config', 3],
    [new UnreachableError('MySQL', 'connect ECONNREFUSED 127.0.0.1:3306'), 'unreachable', 4],
    [new AbortedError('cancelled: nothing was changed'), 'aborted', 5],
    [new OperationError('stopped part way'), 'failed', 6],
  ]
  for (const [error, kind, code] of cases) {
    assert.ok(error instanceof AtomOpsError, kind)
    assert.ok(error instanceof Error, kind)
    assert.equal(error.kind, kind)
    assert.equal(error.exitCode, code, kind)
  }

  assert.deepEqual(
    cases.map((testCase) => testCase[2]),
    Object.values(ExitCode).filter((c) => c !== 0),
    'every failure code has its error',
  )
})

test('the hint, the service and the cause travel with the error', () => {
  const cause = new Error('ECONNREFUSED')
  const e = new UnreachableError('gearmand', '127.0.0.1:4730 did not answer', 'Is gearman-job-server running?', {cause})
  assert.equal(e.service, 'gearmand')
  assert.equal(e.hint, 'Is gearman-job-server running?')
  assert.equal(e.cause, cause)
  assert.equal(new UsageError('x').hint, undefined)
})

test("describeError: an Error's message, anything else as text", () => {
  assert.equal(describeError(new ConfigError('no profiles')), 'no profiles')
  assert.equal(describeError('a string'), 'a string')
  assert.equal(describeError(42), '42')
  assert.equal(describeError(undefined), 'undefined')
})
