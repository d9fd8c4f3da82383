import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

// @ts-expect-error: a plain .mjs build script, no types
import {roff} from '../../scripts/manpages.mjs'
import {EXIT_CODES, GLOBAL_EXIT_CODES} from '../../src/cli/exit-codes.js'

// The pages the build wrote (npm run build runs scripts/manpages.mjs after the manifest).
const repo = fileURLToPath(new URL('../../', import.meta.url))
const MAN = join(repo, 'dist/man')

interface ManifestFlag {
  name: string
  char?: string
  hidden?: boolean
}
const manifest = JSON.parse(await readFile(join(repo, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {id: string; hidden?: boolean; flags: Record<string, ManifestFlag>; description?: string}>
}
const page = (id: string) => `atom-ops-${id.replaceAll(':', '-')}.1`

/** What a person sees: man's own rendering, 80 columns, whitespace folded (so wrapped lines compare). */
function rendered(file: string): string {
  const r = spawnSync('man', ['-l', file], {
    encoding: 'utf8',
    env: {...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', MANPAGER: 'cat', PAGER: 'cat', LANG: 'C.UTF-8'},
  })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout.replaceAll('‐', '-').replaceAll(/\s+/g, ' ')
}

const folded = (s: string) => s.replaceAll(/\s+/g, ' ')

describe('man pages generated from the help and the exit-code table', () => {
  test('atom-ops(1) and one page per command, nothing else', async () => {
    const ours = Object.values(manifest.commands)
      .filter((c) => !c.hidden)
      .map((c) => c.id)
    assert.deepEqual(ours.sort(), Object.keys(EXIT_CODES).sort())
    assert.deepEqual((await readdir(MAN)).sort(), ['atom-ops.1', ...ours.map(page)].sort())
  })

  test("package.json's man lists every page, so npm install -g installs them", async () => {
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {man: string[]}
    assert.deepEqual(pkg.man.map((m) => m.replace(/^\.\/dist\/man\//, '')).sort(), (await readdir(MAN)).sort())
  })

  test('groff -ww finds nothing to warn about in any page, and lexgrog reads each NAME line as whatis does', async () => {
    for (const file of await readdir(MAN)) {
      const r = spawnSync('groff', ['-ww', '-man', '-Tutf8', '-z', join(MAN, file)], {encoding: 'utf8'})
      assert.equal(r.status, 0, `${file}: ${r.stderr}`)
      assert.equal(r.stderr, '', `${file}: ${r.stderr}`)
      const whatis = spawnSync('lexgrog', [join(MAN, file)], {encoding: 'utf8'})
      assert.equal(whatis.status, 0, `${file}: ${whatis.stdout}${whatis.stderr}`)
      assert.match(whatis.stdout, new RegExp(`"${file.replace(/\.1$/, '')} - \\S`), file)
    }
  })

  test("each command's page: its flags (not the hidden ones), its examples, and its exit codes as the table says, once", async () => {
    for (const [id, table] of Object.entries(EXIT_CODES)) {
      const text = rendered(join(MAN, page(id)))
      for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'FLAGS', 'EXIT STATUS', 'SEE ALSO'])
        assert.match(text, new RegExp(` ${section} `), `${id}: ${section}`)
      assert.match(text, new RegExp(`atom-ops ${id.replaceAll(':', ' ')}`))
      for (const flag of Object.values(manifest.commands[id].flags)) {
        if (flag.hidden)
          assert.doesNotMatch(text, new RegExp(`--${flag.name}\\b`), `${id}: hidden --${flag.name} shown`)
        else
          assert.ok(
            text.includes(`--${flag.name}`) || text.includes(`--[no-]${flag.name}`),
            `${id}: --${flag.name} missing`,
          )
      }

      const status = text.slice(text.indexOf(' EXIT STATUS '), text.indexOf(' SEE ALSO '))
      for (const [code, meaning] of table)
        assert.ok(status.includes(` ${code} ${folded(meaning)}`), `${id}: exit ${code} ${meaning}\n${status}`)
      // The help's "Exit codes: ..." paragraph became the section; it is not repeated in DESCRIPTION.
      assert.ok(!text.includes('Exit codes:'), id)
    }

    // One with hidden flags, to be sure the check above had something to check.
    assert.ok(Object.values(manifest.commands['jobs:clear'].flags).some((f) => f.hidden))
  })

  test('atom-ops(1): every command with its page, the global flags, the global exit codes', async () => {
    const text = rendered(join(MAN, 'atom-ops.1'))
    for (const id of Object.keys(EXIT_CODES))
      assert.ok(text.includes(`atom-ops ${id.replaceAll(':', ' ')} (${page(id).replace(/\.1$/, '(1)')})`), id)
    for (const flag of ['--atom-root', '--db', '--gearman', '--profile', '--timeout', '--json'])
      assert.ok(text.includes(flag), flag)
    for (const [code, meaning] of GLOBAL_EXIT_CODES)
      assert.ok(text.includes(` ${code} ${folded(meaning.replaceAll('`', ''))}`), `${code} ${meaning}`)
  })

  test('text is escaped for roff: a leading dot or quote, backslashes, hyphens, code spans, non-ASCII', () => {
    assert.equal(roff('.PP is text'), String.raw`\&.PP is text`)
    assert.equal(roff("'quoted"), String.raw`\&'quoted`)
    assert.equal(roff(String.raw`a\b`), String.raw`a\eb`)
    assert.equal(roff('--dry-run'), String.raw`\-\-dry\-run`)
    assert.equal(roff('run `jobs list`'), String.raw`run \fBjobs list\fR`)
    assert.equal(roff('wait… ×2'), String.raw`wait\[u2026] \[u00D7]2`)
    assert.equal(roff('two\n.lines'), 'two\n\\&.lines')
  })
})
