/**
 * The unit tier's rule (scripts/run-tests.sh --tier unit runs test/**\/*.unit.test.ts), checked on the test
 * files and the helpers they import: no child process, no network, no test bed; temporary files are fine.
 */
import assert from 'node:assert/strict'
import {readdir, readFile} from 'node:fs/promises'
import {test} from 'node:test'

const TEST = new URL('../', import.meta.url)

const FORBIDDEN: Array<[RegExp, string]> = [
  [/from 'node:(child_process|net|dgram|http|https)'/, 'a child process or the network'],
  [/helpers\/(cli|pty|systemd-user|systemd-standin|fake-server)\.js'/, 'a helper that starts processes or servers'],
  [
    /support\/testbed\/(?!fixture\.js|schema\.js)[\w-]+\.js'/,
    'the test bed (services); only its fixture files may be written',
  ],
]

test('in-process tests start no process and open no connection, directly or through a helper', async () => {
  const units = (await readdir(TEST, {recursive: true})).filter((f) => f.endsWith('.unit.test.ts'))
  assert.ok(units.length > 20, `unit tests found: ${units.length}`)
  for (const file of units) {
    const text = await readFile(new URL(file, TEST), 'utf8')
    const helpers = [...text.matchAll(/^import (?!type\b)[^\n]*from '(?:\.\.?\/)+helpers\/([\w-]+)\.js'/gm)].map(
      (m) => m[1],
    )
    for (const [name, source] of [
      [file, text],
      ...(await Promise.all(
        helpers.map(async (h) => [
          `helpers/${h}.ts (from ${file})`,
          await readFile(new URL(`helpers/${h}.ts`, TEST), 'utf8'),
        ]),
      )),
    ]) {
      // A type-only import runs nothing.
      const code = source.replaceAll(/^import type .*$/gm, '')
      for (const [pattern, what] of FORBIDDEN)
        assert.doesNotMatch(code, pattern, `${name} uses ${what}: name it *.test.ts (the service tier)`)
    }
  }
})
