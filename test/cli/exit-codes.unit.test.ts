import assert from 'node:assert/strict'
import {readdir, readFile} from 'node:fs/promises'
import {describe, test} from 'node:test'

import {
  EXIT_CODES,
  exitCodesHelp,
  exitCodesMarkdown,
  GLOBAL_EXIT_CODES,
  globalExitCodesMarkdown,
} from '../../src/cli/exit-codes.js'
import {ExitCode} from '../../src/lib/errors.js'
import {commandSource} from '../helpers/in-process.js'

const root = new URL('../../', import.meta.url)

describe('one table of exit codes per command', () => {
  test('every command has a table, and every table a command', async () => {
    // Our commands as oclif finds them (src/commands/<topic>/<verb>.ts; index.ts is the topic itself), without a build.
    const files = await readdir(new URL('src/commands/', root), {recursive: true})
    const ours = files
      .filter((f) => f.endsWith('.ts'))
      .map((f) =>
        f
          .replace(/\.ts$/, '')
          .replace(/\/index$/, '')
          .replaceAll('/', ':'),
      )
    assert.deepEqual(ours.sort(), Object.keys(EXIT_CODES).sort())
  })

  test("each command's help ends with its table, word for word", async () => {
    for (const id of Object.keys(EXIT_CODES)) {
      const command = (await import(commandSource(id).href)).default as {description?: string}
      assert.ok(command.description?.endsWith(exitCodesHelp(id)), `${id}: ${command.description?.slice(-200)}`)
    }
  })

  test('the README table is generated from it (node scripts/readme.mjs)', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8')
    const section = readme
      .slice(
        readme.indexOf('<!-- exit-codes:begin -->') + '<!-- exit-codes:begin -->'.length,
        readme.indexOf('<!-- exit-codes:end -->'),
      )
      .trim()
    assert.equal(section, exitCodesMarkdown())
    const global = readme
      .slice(
        readme.indexOf('<!-- exit-codes-global:begin -->') + '<!-- exit-codes-global:begin -->'.length,
        readme.indexOf('<!-- exit-codes-global:end -->'),
      )
      .trim()
    assert.equal(global, globalExitCodesMarkdown())
  })

  test('codes are the documented ones, in order, each once; every command documents usage errors', () => {
    const known = new Set<number>(Object.values(ExitCode))
    for (const [id, table] of Object.entries(EXIT_CODES)) {
      const codes = table.map(([c]) => c)
      assert.deepEqual(
        codes,
        [...new Set(codes)].sort((a, b) => a - b),
        id,
      )
      for (const c of codes) assert.ok(known.has(c), `${id}: ${c}`)
      assert.ok(codes.includes(0), id)
      // doctor reports usage errors as UNKNOWN (3), the others as 2
      assert.ok(codes.includes(id === 'doctor' ? 3 : 2), id)
    }
  })

  test('the global table gives every exit code its meaning, in order, and 127 for an unknown command', () => {
    assert.deepEqual(
      GLOBAL_EXIT_CODES.map(([code]) => code),
      [...Object.values(ExitCode), 127],
    )
  })
})
