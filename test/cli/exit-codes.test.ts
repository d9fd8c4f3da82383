import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {describe, test} from 'node:test'

import {EXIT_CODES, exitCodesHelp, exitCodesMarkdown, globalExitCodesMarkdown} from '../../src/cli/exit-codes.js'
import {ExitCode} from '../../src/lib/errors.js'

const root = new URL('../../', import.meta.url)

describe('one table of exit codes per command', () => {
  test('every command has a table, and every table a command', async () => {
    const manifest = JSON.parse(await readFile(new URL('oclif.manifest.json', root), 'utf8')) as {commands: Record<string, unknown>}
    // The built-in help and autocomplete commands are oclif's, not ours.
    const ours = Object.keys(manifest.commands).filter((id) => !id.startsWith('autocomplete') && id !== 'help')
    assert.deepEqual(ours.sort(), Object.keys(EXIT_CODES).sort())
  })

  test("each command's help ends with its table, word for word", async () => {
    for (const id of Object.keys(EXIT_CODES)) {
      const path = id === 'doctor' || id === 'metrics' ? `${id}/index` : id.replace(':', '/')
      const command = (await import(new URL(`src/commands/${path}.ts`, root).href)).default as {description?: string}
      assert.ok(command.description?.endsWith(exitCodesHelp(id)), `${id}: ${command.description?.slice(-200)}`)
    }
  })

  test('the README table is generated from it (node scripts/readme.mjs)', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8')
    const section = readme.slice(readme.indexOf('<!-- exit-codes:begin -->') + '<!-- exit-codes:begin -->'.length, readme.indexOf('<!-- exit-codes:end -->')).trim()
    assert.equal(section, exitCodesMarkdown())
    const global = readme.slice(readme.indexOf('<!-- exit-codes-global:begin -->') + '<!-- exit-codes-global:begin -->'.length, readme.indexOf('<!-- exit-codes-global:end -->')).trim()
    assert.equal(global, globalExitCodesMarkdown())
  })

  test('codes are the documented ones, in order, each once; every command documents usage errors', () => {
    const known = new Set<number>(Object.values(ExitCode))
    for (const [id, table] of Object.entries(EXIT_CODES)) {
      const codes = table.map(([c]) => c)
      assert.deepEqual(codes, [...new Set(codes)].sort((a, b) => a - b), id)
      for (const c of codes) assert.ok(known.has(c), `${id}: ${c}`)
      assert.ok(codes.includes(0), id)
      // doctor reports usage errors as UNKNOWN (3), the others as 2
      assert.ok(codes.includes(id === 'doctor' ? 3 : 2), id)
    }
  })
})
