import {Config} from '@oclif/core/config'
import {versionAddition} from '@oclif/core/run'
import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {quickVersion} from '../../src/cli/quick-version.js'
import {tempDirectory} from '../helpers/temp-install.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const temp = tempDirectory('quick-version')

const ARGVS = [
  ['--version'],
  ['--version', 'queue'],
  ['-v'],
  ['-V'],
  ['--help'],
  ['version'],
  ['queue', '--version'],
  [],
]

/** For every argv: answered early exactly when oclif would print the version, and then with oclif's line. */
async function assertAsOclif(root: string): Promise<void> {
  const config = await Config.load(root)
  assert.notEqual(config.platform, 'wsl', 'on WSL quickVersion leaves the answer to oclif')
  for (const argv of ARGVS) {
    const ours = quickVersion(argv, root, {})
    if (versionAddition(argv, config)) assert.equal(ours, config.userAgent, argv.join(' '))
    else assert.equal(ours, undefined, argv.join(' '))
  }
}

describe('--version answered before oclif loads (bin/run.js)', () => {
  test("atom-ops' own package.json: the line is oclif's Config.userAgent, for the same arguments only", async () => {
    await assertAsOclif(ROOT)
    assert.match(quickVersion(['--version'], ROOT, {})!, /^atom-ops\/\d+\.\d+\.\d+\S* linux-\w+ node-v\d+/)
  })

  test("a package.json with oclif.additionalVersionFlags (-v): oclif's flags, the same line", async () => {
    const root = join(temp.path, 'extra')
    await mkdir(root, {recursive: true})
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({
        name: 'other-cli',
        version: '2.3.4-beta.1',
        type: 'module',
        oclif: {bin: 'other-cli', additionalVersionFlags: ['-v']},
      }),
    )
    await assertAsOclif(root)
  })

  test('DEBUG set (oclif then logs its own start-up) or no readable package.json: left to oclif', () => {
    assert.equal(quickVersion(['--version'], ROOT, {DEBUG: '*'}), undefined)
    assert.equal(quickVersion(['--version'], join(temp.path, 'nowhere'), {}), undefined)
  })
})
