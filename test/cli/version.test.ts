import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {runCli, runProgram} from '../helpers/cli.js'

const BIN_URL = new URL('../../bin/run.js', import.meta.url).href
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('atom-ops --version', () => {
  test("bin/run.js answers before loading oclif, byte for byte what oclif's execute() prints; other arguments still reach oclif", async () => {
    const oclif = await runProgram(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const {execute} = await import('@oclif/core'); await execute({dir: ${JSON.stringify(BIN_URL)}, args: ['--version']})`,
      ],
      {cwd: ROOT},
    )
    const ours = await runCli(['--version'])
    assert.equal(oclif.code, 0, oclif.stderr)
    assert.equal(ours.code, 0, ours.stderr)
    assert.equal(ours.stdout, oclif.stdout)
    assert.equal(ours.stderr, oclif.stderr)
    assert.match(ours.stdout, /^atom-ops\/\S+ \S+ node-v\S+\n$/)
    // -v is no version flag of this CLI (no oclif.additionalVersionFlags): it stays an unknown command.
    const short = await runCli(['-v'])
    assert.equal(short.code, 127)
    assert.match(short.stderr, /"-v" is not an atom-ops command/)
  })
})
