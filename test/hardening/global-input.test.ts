import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {runCli} from '../helpers/cli.js'
import {TestBed} from '../support/testbed/testbed.js'

/**
 * Every command of the built CLI (read from the oclif manifest, so a new command is covered the day it
 * is added) against bad global input: one line and a hint on stderr, a documented exit code, no stack
 * trace, no password, nothing written.
 */
const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url)), 'utf8'),
) as {
  commands: Record<string, {args: Record<string, {required?: boolean; name: string}>; flags: Record<string, unknown>}>
}
const commands = Object.keys(manifest.commands)
  .filter((id) => !id.startsWith('autocomplete') && id !== 'help')
  .sort()

/** A plausible value for each required argument name, so the global flag is what fails. */
const SAMPLE_ARG: Record<string, string> = {
  id: '1',
  handle: 'H:localhost:1',
  function: 'fn',
  file: '/nonexistent/backup.json',
  name: 'x',
}

function argsFor(id: string): string[] {
  return Object.values(manifest.commands[id].args ?? {})
    .filter((a) => a.required)
    .map((a) => SAMPLE_ARG[a.name] ?? 'x')
}

/** doctor reports with Nagios codes: usage and config errors are UNKNOWN there. */
function expected(id: string, code: number): number[] {
  return id === 'doctor' ? [3] : [code]
}

let bed: TestBed
before(async () => {
  bed = await TestBed.start()
})
after(async () => {
  await bed?.stop()
})

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, {recursive: true})).map(String).sort()
}

const CASES: Array<{name: string; flags: string[]; code: number; message: RegExp}> = [
  {name: 'a bad --timeout', flags: ['--timeout', 'abc'], code: 2, message: /--timeout "abc"/},
  {
    name: 'an unknown profile',
    flags: ['--profile', 'no-such-profile'],
    code: 3,
    message: /unknown profile "no-such-profile"/,
  },
  {
    name: 'a malformed --gearman',
    flags: ['--gearman', 'host:1:2'],
    code: 2,
    message: /--gearman: "host:1:2" is not a valid host:port/,
  },
  {name: 'a malformed --db', flags: ['--db', 'mysql//root:hunter2@db/atom'], code: 2, message: /--db: not a valid URL/},
  {name: 'an unknown flag', flags: ['--no-such-flag'], code: 2, message: /unknown flag --no-such-flag/},
]

describe('every command rejects bad global input cleanly', () => {
  test('the manifest lists the commands', () => {
    assert.ok(commands.includes('config:show') && commands.includes('doctor'), commands.join(', '))
  })
  for (const id of commands) {
    for (const c of CASES) {
      test(`${id.replaceAll(':', ' ')}: ${c.name}`, async () => {
        const before = await files(bed.dir)
        const r = await runCli([...id.split(':'), ...argsFor(id), ...c.flags], {env: bed.env()})
        assert.ok(expected(id, c.code).includes(r.code!), `exit ${r.code}, wanted ${expected(id, c.code)}: ${r.stderr}`)
        const lines = r.stderr.trimEnd().split('\n')
        assert.match(lines[0], /^atom-ops: /, r.stderr)
        assert.match(lines[0], c.message)
        assert.ok(lines.length <= 2, r.stderr)
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace')
        assert.equal(r.stdout, '')
        for (const secret of [bed.db.target.password, 'hunter2'])
          assert.ok(!(r.stdout + r.stderr).includes(secret), 'no password')
        assert.deepEqual(await files(bed.dir), before, 'nothing written')
      })
    }
  }
})
