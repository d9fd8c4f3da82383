/** doctor speaks Nagios/Icinga: its errors end in UNKNOWN (3), not in the other commands' codes. In-process runs. */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import Doctor from '../../../src/commands/doctor/index.js'
import {
  AbortedError,
  type AtomOpsError,
  ConfigError,
  OperationError,
  UnreachableError,
  UsageError,
} from '../../../src/lib/errors.js'
import {runInProcess} from '../../helpers/in-process.js'

const NOTHING = {ATOM_OPS_ATOM_ROOT: '/nonexistent/atom', ATOM_OPS_CONFIG: '/nonexistent/atom-ops.yml'}

describe("doctor's exit codes for errors", () => {
  test('a usage error is UNKNOWN (3), also in the --json error it prints', async () => {
    const r = await runInProcess('doctor', ['--nagios', '--json'], NOTHING)
    assert.equal(r.code, 3)
    assert.equal(r.json.error.kind, 'usage')
    assert.equal(r.json.error.exitCode, 3)
    const typo = await runInProcess('doctor', ['--nagois'], NOTHING)
    assert.equal(typo.code, 3)
    assert.match(typo.stderr, /^atom-ops: unknown flag --nagois\n {2}hint: Did you mean --nagios\?/)
  })

  test('a configuration error is UNKNOWN (3)', async () => {
    const r = await runInProcess('doctor', ['--profile', 'nope'], NOTHING)
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^atom-ops: unknown profile "nope"/)
  })

  test('every kind maps to UNKNOWN but a declined --fix, which keeps 5', () => {
    // exitCodeFor is the command's override of the base mapping; called directly for the kinds a run here cannot reach.
    const {exitCodeFor} = Doctor.prototype as unknown as {exitCodeFor(error: AtomOpsError): number}
    const codes = [
      new UsageError('x'),
      new ConfigError('x'),
      new UnreachableError('MySQL', 'x'),
      new OperationError('x'),
      new AbortedError('x'),
    ].map((e) => [e.kind, exitCodeFor(e)])
    assert.deepEqual(codes, [
      ['usage', 3],
      ['config', 3],
      ['unreachable', 3],
      ['failed', 3],
      ['aborted', 5],
    ])
  })
})
