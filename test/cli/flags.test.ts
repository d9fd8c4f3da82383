import assert from 'node:assert/strict'
import {mkdtemp, readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {before, describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'

interface ManifestFlag {
  name: string
  char?: string
  charAliases?: string[]
  hidden?: boolean
}

const root = new URL('../../', import.meta.url)
let commands: Record<string, {flags: Record<string, ManifestFlag>}>
let env: NodeJS.ProcessEnv

before(async () => {
  const manifest = JSON.parse(await readFile(new URL('oclif.manifest.json', root), 'utf8')) as {
    commands: typeof commands
  }
  commands = Object.fromEntries(
    Object.entries(manifest.commands).filter(([id]) => !id.startsWith('autocomplete') && id !== 'help'),
  )
  // No install, no config file: whatever fails here fails while the flags are parsed, or it is a configuration error (3).
  const dir = await mkdtemp(join(tmpdir(), 'atom-ops-flags-'))
  env = {
    ATOM_OPS_ATOM_ROOT: join(dir, 'no-atom'),
    ATOM_OPS_CONFIG: join(dir, 'none.yml'),
    ATOM_OPS_STATE_DIR: join(dir, 'state'),
    ATOM_OPS_AUDIT_LOG: join(dir, 'audit.log'),
  }
})

describe('one meaning per short flag', () => {
  test('every short letter stands for one long flag in every command, and a long flag has the same letter wherever it has one', () => {
    const shortOf = (f: ManifestFlag) =>
      [f.char, ...(f.charAliases ?? [])]
        .filter((x): x is string => Boolean(x))
        .sort()
        .join(',')
    const meaning = new Map<string, Set<string>>()
    const letters = new Map<string, Set<string>>()
    for (const c of Object.values(commands)) {
      for (const [name, f] of Object.entries(c.flags)) {
        for (const char of shortOf(f).split(',').filter(Boolean))
          meaning.set(char, (meaning.get(char) ?? new Set()).add(`--${name}`))
        if (shortOf(f)) letters.set(name, (letters.get(name) ?? new Set()).add(shortOf(f)))
      }
    }

    assert.ok(meaning.size > 0, 'the manifest has short flags')
    for (const [char, names] of meaning) assert.equal(names.size, 1, `-${char} means ${[...names].join(' and ')}`)
    for (const [id, c] of Object.entries(commands)) {
      for (const [name, f] of Object.entries(c.flags)) {
        if (letters.has(name))
          assert.deepEqual(
            new Set([shortOf(f)]),
            letters.get(name),
            `${id} --${name}: -${shortOf(f) || '(none)'}, elsewhere -${[...letters.get(name)!].join(', -')}`,
          )
      }
    }
  })

  test('-f is --force wherever there is a --force: queue cancel, queue drop and doctor too', () => {
    const withForce = Object.entries(commands).filter(([, c]) => c.flags.force)
    assert.ok(withForce.map(([id]) => id).includes('queue:cancel') && withForce.map(([id]) => id).includes('doctor'))
    for (const [id, c] of withForce) assert.equal(c.flags.force.char, 'f', id)
    assert.equal(commands['worker:logs'].flags.follow.char, 'F')
  })
})

/** A usage error is one line and a hint on stderr, exit 2, nothing on stdout. */
function assertUsage(r: {code: number | null; stdout: string; stderr: string}, message: RegExp, hint: RegExp): void {
  assert.equal(r.code, 2, r.stderr)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 2, r.stderr)
  assert.match(lines[0], message)
  assert.match(lines[1], hint)
}

describe('a mistyped flag gets the nearest one, as a mistyped command does', () => {
  test('jobs list --staus running: "Did you mean --status?", exit 2', async () => {
    const r = await runCli(['jobs', 'list', '--staus', 'running'], {env})
    assertUsage(
      r,
      /^atom-ops: unknown flag --staus$/,
      /^ {2}hint: Did you mean --status\? \(atom-ops jobs list --help lists the flags and arguments\)$/,
    )
  })

  test('--limt=5 (with its value attached) and a global flag: --atom-rot', async () => {
    assertUsage(await runCli(['jobs', 'list', '--limt=5'], {env}), /unknown flag --limt$/, /Did you mean --limit\?/)
    assertUsage(
      await runCli(['queue', 'status', '--atom-rot', '/x'], {env}),
      /unknown flag --atom-rot$/,
      /Did you mean --atom-root\?/,
    )
  })

  test('a short flag of the other case: worker logs -f means -F (--follow)', async () => {
    assertUsage(await runCli(['worker', 'logs', '-f'], {env}), /unknown flag -f$/, /Did you mean -F \(--follow\)\?/)
  })

  test('nothing near: no guess, where to look', async () => {
    assertUsage(
      await runCli(['jobs', 'list', '--frobnicate'], {env}),
      /unknown flag --frobnicate$/,
      /^ {2}hint: atom-ops jobs list --help lists the flags and arguments\.$/,
    )
  })

  test('--json: the error object, kind usage', async () => {
    const r = await runCli(['queue', 'drop', 'x', '--dryrun', '--json'], {env})
    assert.equal(r.code, 2)
    assert.deepEqual(r.json.error, {
      kind: 'usage',
      message: 'unknown flag --dryrun',
      hint: 'Did you mean --dry-run? (atom-ops queue drop --help lists the flags and arguments)',
      exitCode: 2,
    })
  })
})

describe("a missing argument: one line naming it and a hint, not oclif's text", () => {
  test('jobs kill: "missing ID: the job id" and an example to copy that changes nothing', async () => {
    const r = await runCli(['jobs', 'kill'], {env})
    assertUsage(r, /^atom-ops: missing ID: the job id$/, /^ {2}hint: Example: atom-ops jobs kill 1234 .*--dry-run$/)
    assert.doesNotMatch(r.stderr, /;|Note:|Missing 1 required|--force/)
  })

  test('queue drop and jobs restore name what is missing the same way', async () => {
    assertUsage(
      await runCli(['queue', 'drop'], {env}),
      /^atom-ops: missing FUNCTION: a job class of this install \(arFindingAidJob\)/,
      /^ {2}hint: Example: atom-ops queue drop arFindingAidJob --dry-run$/,
    )
    assertUsage(
      await runCli(['jobs', 'restore'], {env}),
      /^atom-ops: missing FILE: the backup file$/,
      /^ {2}hint: Example: atom-ops jobs restore /,
    )
  })

  test('jobs kill --host h 1234: the repeatable flag took the id, and the hint says so', async () => {
    assertUsage(
      await runCli(['jobs', 'kill', '--host', 'h', '1234'], {env}),
      /missing ID/,
      /--host takes every value after it: put ID before it, or end its values with --/,
    )
  })
})

describe('numbers are checked while the flags are parsed, before any configuration is read', () => {
  const cases: Array<[string[], RegExp]> = [
    [['jobs', 'list', '--limit', 'x'], /--limit: expected an integer/],
    [['jobs', 'list', '--limit', '1.5'], /--limit: expected an integer/],
    [['jobs', 'list', '--limit', '1000001'], /--limit: expected an integer less than or equal to 1000000/],
    [['queue', 'watch', '--interval', 'soon'], /--interval "soon" is not a number of seconds between 0.2 and 3600/],
    [['queue', 'watch', '--interval', '0.1'], /--interval "0.1"/],
    [['queue', 'watch', '--interval', '3601'], /--interval "3601"/],
    [['queue', 'watch', '--count', '0'], /--count: expected an integer greater than or equal to 1/],
    [['queue', 'watch', '--count', 'two'], /--count: expected an integer/],
    [['worker', 'logs', '--lines', '0'], /--lines: expected an integer greater than or equal to 1/],
    [['worker', 'logs', '-n', 'x'], /--lines: expected an integer/],
    [['worker', 'restart', '--wait', '-1'], /--wait: expected an integer greater than or equal to 0/],
    [['worker', 'stop', '--wait', '3601'], /--wait: expected an integer less than or equal to 3600/],
    [['jobs', 'backups', '--prune', '--keep', '-1'], /--keep: expected an integer greater than or equal to 0/],
    [['jobs', 'clear', '--keep-backups', '0'], /--keep-backups: expected an integer greater than or equal to 1/],
    [['queue', 'status', '--timeout', '0'], /--timeout "0" is not a number of seconds between 0 and 3600/],
    [['queue', 'status', '--timeout', 'soon'], /--timeout "soon"/],
    [['jobs', 'list', '--timeout', '3601'], /--timeout "3601"/],
  ]
  for (const [args, message] of cases) {
    test(`${args.join(' ')}: exit 2 naming the flag (not 3: no install here)`, async () => {
      assertUsage(await runCli(args, {env}), new RegExp(`^atom-ops: ${message.source}`), /^ {2}hint: /)
    })
  }

  test('fractions of a second stay allowed where they make sense: --interval 0.5 and --timeout 2.5 pass the parser (then no install: exit 3)', async () => {
    const r = await runCli(['queue', 'watch', '--interval', '0.5', '--timeout', '2.5', '--count', '1'], {env})
    assert.equal(r.code, 3, r.stderr)
  })
})
