import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {chmod, cp, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import type {DatabaseTarget} from '../../src/lib/db/target.js'

import {DB_PASSWORD_IN_ARGV} from '../../src/cli/base-command.js'
import {findOnPath} from '../../src/lib/cache/symfony.js'
import {MASK} from '../../src/lib/util/secrets.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {freePort} from '../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../support/testbed/schema.js'
import {insertJob} from '../support/testbed/seed.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../support/testbed/supervisord.js'
import {TestBed} from '../support/testbed/testbed.js'
import {submitBackgroundJob} from '../support/testbed/workers.js'

/**
 * The bed's database password (quotes, a backslash, `$`, non-ASCII) never appears, raw, percent-encoded or
 * JSON-escaped, in anything any command prints (human and --json), in the audit log or in metrics:
 * on success paths (destructive commands really run with --force against the bed) and on error paths
 * (MySQL refused with the password in --db, the login refused, Gearman down).
 */
const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url)), 'utf8'),
) as {commands: Record<string, unknown>}
const commands = Object.keys(manifest.commands)
  .filter((id) => !id.startsWith('autocomplete') && id !== 'help')
  .sort()

let bed: TestBed
let sup: RunningSupervisord
let forms: string[]

const sv = () => ['--manager', 'supervisor', '--supervisor-config', sup.configFile]
const DROP_CLASS = 'arSecretsDropJob'

/** Arguments that make each command do its real work against the bed (setup runs right before). */
const SUCCESS: Record<string, {args: () => string[] | Promise<string[]>}> = {
  'cache:clear': {args: () => ['--symfony', '--force']},
  'config:show': {args: () => []},
  // It shows the install's database (masked); a dry run, so the other commands' configuration stays as it is.
  'config:init': {args: () => ['--root', bed.realRoot, '--dry-run']},
  doctor: {args: () => ['--fix', '--force', ...sv()]},
  'jobs:clear': {
    async args() {
      await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
      return ['--inactive', '--force', '--backup', join(bed.dir, 'secrets-backup.ndjson')]
    },
  },
  'jobs:backups': {args: () => ['--prune', '--keep', '5', '--force']},
  'jobs:export': {args: () => ['--format', 'json']},
  'jobs:kill': {
    args: async () => [
      String(await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running', notes: ['n']})),
      '--force',
      '--no-queue',
    ],
  },
  'jobs:list': {args: () => []},
  'jobs:restore': {args: () => [join(bed.dir, 'secrets-backup.ndjson')]},
  'jobs:show': {
    args: async () => [
      String(await insertJob(bed.database, {name: 'arFindingAidJob', status: 'error', errorNote: 'boom'})),
    ],
  },
  'jobs:stalled': {args: () => []},
  'jobs:stats': {args: () => []},
  'guard:run': {args: () => [...sv()]},
  'guard:install': {args: () => ['--scheduler', 'cron', '--cron-dir', bed.dir, '--force', ...sv()]},
  'guard:status': {args: () => []},
  'guard:uninstall': {args: () => ['--force']},
  metrics: {args: () => []},
  'queue:cancel': {
    async args() {
      await submitBackgroundJob(bed.servers[0], bed.fn('arSecretsCancelJob'), 'w')
      const r = await runCli(['queue', 'jobs', '--json'], {env: bed.env()})
      const handle = /"(H:[^"]+)"/.exec(r.stdout)?.[1]
      assert.ok(handle, `a queued handle: ${r.stdout}`)
      return [handle, '--force']
    },
  },
  'queue:drop': {
    async args() {
      await submitBackgroundJob(bed.servers[0], bed.fn(DROP_CLASS), 'w')
      return [bed.fn(DROP_CLASS), '--force']
    },
  },
  'queue:jobs': {args: () => []},
  'queue:ping': {args: () => []},
  'queue:status': {args: () => ['--all']},
  'queue:watch': {args: () => ['--count', '1', '--all']},
  'queue:workers': {args: () => ['--all']},
  'worker:logs': {args: () => [...sv(), '-n', '20']},
  'worker:reset': {args: () => [...sv()]},
  'worker:restart': {args: () => [...sv(), '--force', '--wait', '5']},
  'worker:start': {args: () => [...sv(), '--force', '--wait', '5']},
  'worker:status': {args: () => [...sv()]},
  'worker:stop': {args: () => [...sv(), '--force', '--wait', '5']},
}

/** A plausible value for each required argument name, for the error paths. */
const SAMPLE_ARG: Record<string, string[]> = {
  'jobs:kill': ['1', '--force'],
  'jobs:show': ['1'],
  'jobs:restore': ['/nonexistent/backup.ndjson'],
  'queue:cancel': ['H:x:1', '--force'],
  'queue:drop': ['fn', '--force'],
  'queue:watch': ['--count', '1'],
}

before(async () => {
  bed = await TestBed.start()
  sup = await startSupervisord(join(bed.dir, 'supervisor'), {
    programs: [
      {
        name: 'atom-worker',
        command: gearmanWorkerCommand(
          bed.servers[0],
          STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)),
        ),
      },
    ],
  })
  const pw = bed.db.target.password!
  assert.match(pw, /['"\\$]/, 'the bed password is the distinctive one')
  forms = [pw, encodeURIComponent(pw), JSON.stringify(pw).slice(1, -1)]
})
after(async () => {
  await sup?.stop()
  await bed?.stop()
})

async function assertNoSecret(r: CliResult, what: string, extra: string[] = []): Promise<void> {
  const audit = existsSync(join(bed.dir, 'audit.log')) ? await readFile(join(bed.dir, 'audit.log'), 'utf8') : ''
  for (const form of [...forms, ...extra]) {
    assert.ok(
      !r.stdout.includes(form),
      `${what}: the password (${JSON.stringify(form)}) on stdout:\n${r.stdout.slice(0, 3000)}`,
    )
    assert.ok(!r.stderr.includes(form), `${what}: the password on stderr:\n${r.stderr}`)
    assert.ok(!audit.includes(form), `${what}: the password in the audit log`)
  }

  assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, `${what}: no stack trace`)
}

describe('the database password never appears', () => {
  test('every command has a success-path case', () => {
    assert.deepEqual(
      commands.filter((id) => !SUCCESS[id]),
      [],
    )
  })

  /** Commands that change nothing run concurrently first; the others one after the other (clear before restore, stop before start). */
  const READ_ONLY = new Set([
    'config:show',
    'guard:status',
    'jobs:export',
    'jobs:list',
    'jobs:show',
    'jobs:stalled',
    'jobs:stats',
    'metrics',
    'queue:jobs',
    'queue:ping',
    'queue:status',
    'queue:watch',
    'queue:workers',
    'worker:logs',
    'worker:status',
  ])
  for (const readOnly of [true, false])
    describe(
      `success paths, human and --json (${readOnly ? 'read-only, concurrently' : 'destructive, in order'})`,
      {concurrency: readOnly ? 3 : 1},
      () => {
        for (const id of Object.keys(SUCCESS).filter((c) => READ_ONLY.has(c) === readOnly)) {
          // start and restart wait for Gearman to show the workers again (seconds): one form each.
          const forms = id === 'worker:restart' ? [false] : id === 'worker:start' ? [true] : [false, true]
          for (const json of forms) {
            test(`${id.replaceAll(':', ' ')}${json ? ' --json' : ''}`, async () => {
              const r = await runCli(
                [...id.split(':'), ...(await SUCCESS[id].args()), ...(json ? ['--json'] : []), '--timeout', '3'],
                {env: bed.env(), timeoutMs: 60_000},
              )
              assert.notEqual(r.signal, 'SIGKILL', `hung: ${r.stderr}`)
              assert.ok(r.code !== null && r.code <= 6, `exit ${r.code}: ${r.stderr}`)
              await assertNoSecret(r, id)
            })
          }
        }
      },
    )

  test('the destructive commands really ran (the success paths are not vacuous)', async () => {
    const audit = await readFile(join(bed.dir, 'audit.log'), 'utf8')
    for (const cmd of ['jobs:clear', 'jobs:kill', 'queue:cancel', 'queue:drop', 'cache:clear', 'worker:restart']) {
      assert.match(audit, new RegExp(`"command":"${cmd}".*"outcome":"(done|partial)"`), cmd)
    }
  })

  test('config show masks it (human and --json)', async () => {
    const human = await runCli(['config', 'show'], {env: bed.env()})
    assert.equal(human.code, 0, human.stderr)
    assert.ok(human.stdout.includes(MASK), human.stdout)
    const json = await runCli(['config', 'show', '--json'], {env: bed.env()})
    assert.equal(json.code, 0, json.stderr)
    assert.ok(JSON.stringify(json.json).includes(MASK))
    await assertNoSecret(human, 'config show')
    await assertNoSecret(json, 'config show --json')
  })

  describe('error paths', {concurrency: 3}, () => {
    let refused: number
    before(async () => {
      refused = await freePort()
    })
    const user = () => encodeURIComponent(bed.db.target.user)
    const pw = () => encodeURIComponent(bed.db.target.password!)
    const FAULTS: Record<string, () => string[]> = {
      'MySQL refused, the password in --db': () => [
        '--db',
        `mysql://${user()}:${pw()}@127.0.0.1:${refused}/${bed.db.target.database}`,
      ],
      'the login refused (a wrong password that contains the real one)': () => [
        '--db',
        `mysql://${user()}:${pw()}${encodeURIComponent('-wrong')}@${bed.db.target.host}:${bed.db.target.port}/${bed.db.target.database}`,
      ],
      'Gearman down': () => ['--gearman', `127.0.0.1:${refused}`],
    }
    let i = 0
    for (const [fault, flags] of Object.entries(FAULTS)) {
      // The worker commands talk to Gearman, not MySQL (the --db URL itself is covered by every other command).
      for (const id of commands.filter((c) => fault === 'Gearman down' || !c.startsWith('worker:'))) {
        const json = i++ % 2 === 1
        test(`${fault}: ${id.replaceAll(':', ' ')}${json ? ' --json' : ''}`, async () => {
          const extra = id.startsWith('worker') || id === 'doctor' ? sv() : []
          const r = await runCli(
            [
              ...id.split(':'),
              ...(SAMPLE_ARG[id] ?? []),
              ...extra,
              ...flags(),
              ...(json ? ['--json'] : []),
              '--timeout',
              '2',
            ],
            {env: bed.env(), timeoutMs: 60_000},
          )
          assert.notEqual(r.signal, 'SIGKILL', `hung: ${r.stderr}`)
          await assertNoSecret(r, `${id} (${fault})`, [`${bed.db.target.password}-wrong`])
        })
      }
    }
  })
})

/** The bed's database as a URL without its password. */
function urlWithoutPassword(t: DatabaseTarget): string {
  const user = encodeURIComponent(t.user)
  return t.socketPath
    ? `mysql://${user}@localhost/${t.database}?socket=${encodeURIComponent(t.socketPath)}`
    : `mysql://${user}@${t.host}:${t.port}/${t.database}`
}

function urlWithPassword(t: DatabaseTarget): string {
  return urlWithoutPassword(t).replace('@', `:${encodeURIComponent(t.password)}@`)
}

/** Variables a program atom-ops runs must never see (the runner passes an allow-list). */
const HOSTILE_ENV = () => ({
  ATOM_OPS_DB: urlWithPassword(bed.db.target),
  ATOM_OPS_DB_PASSWORD: bed.db.target.password,
  MYSQL_PWD: bed.db.target.password,
  ATOM_OPS_SSH_OPTIONS: '-o BatchMode=yes',
  SOME_OTHER_TOKEN: 'other-token-value',
})

/** `NAME=value` lines of an environment dump: the names. */
const names = (dump: Record<string, string>) => Object.keys(dump).sort()

const php = await findOnPath('php')

describe('programs atom-ops runs inherit no secret', () => {
  function assertClean(env: Record<string, string>, what: string): void {
    const leaked = names(env).filter((n) => n.startsWith('ATOM_OPS_') || n === 'MYSQL_PWD' || n === 'SOME_OTHER_TOKEN')
    assert.deepEqual(leaked, [], `${what}: ${leaked.join(', ')} reached the program`)
    assert.ok(
      !Object.values(env).some((v) => forms.some((f) => v.includes(f))),
      `${what}: the password is in the program's environment`,
    )
    assert.equal(env.LC_ALL, 'C', `${what}: the runner's own settings are there`)
    assert.ok(env.PATH, `${what}: PATH reaches it (programs are found through it)`)
  }

  test('systemctl (found through PATH) sees PATH, HOME and the locale, not ATOM_OPS_* or MYSQL_PWD', async () => {
    const dir = join(bed.dir, 'env-standin')
    await mkdir(dir, {recursive: true})
    const dump = join(dir, 'systemctl.env.json')
    // A stand-in systemctl that records the environment it was given, then fails as a broken manager would.
    await writeFile(
      join(dir, 'systemctl'),
      `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(dump)}, JSON.stringify(process.env))\nprocess.exit(1)\n`,
    )
    await chmod(join(dir, 'systemctl'), 0o755)
    const r = await runCli(
      ['worker', 'status', '--manager', 'systemd', '--unit', 'atom-worker', '--json', '--timeout', '3'],
      {
        env: bed.env({...HOSTILE_ENV(), PATH: `${dir}:${process.env.PATH}`}),
        timeoutMs: 60_000,
      },
    )
    assert.ok(existsSync(dump), `systemctl was run: ${r.stdout} ${r.stderr}`)
    assertClean(JSON.parse(await readFile(dump, 'utf8')), 'systemctl')
    await assertNoSecret(r, 'worker status with secrets in the environment')
  })

  test(
    'php symfony cc (cache clear) sees no ATOM_OPS_* and no MYSQL_PWD',
    {skip: php ? false : 'php is not installed here: the php path is not exercised'},
    async () => {
      const root = join(bed.dir, 'env-php-root')
      await cp(bed.realRoot, root, {recursive: true})
      const dump = join(bed.dir, 'php.env.json')
      // Our stand-in for AtoM's symfony entry point: records getenv(), clears nothing.
      await writeFile(
        join(root, 'symfony'),
        `<?php\nfile_put_contents(${JSON.stringify(dump)}, json_encode(getenv()));\necho ">> cache    Clearing cache\\n";\n`,
      )
      const r = await runCli(['cache', 'clear', '--symfony', '--force', '--atom-root', root, '--timeout', '5'], {
        env: bed.env(HOSTILE_ENV()),
        timeoutMs: 120_000,
      })
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /php symfony cc/)
      assertClean(JSON.parse(await readFile(dump, 'utf8')), 'php symfony cc')
      await assertNoSecret(r, 'cache clear with secrets in the environment')
    },
  )
})

describe(
  'the password without --db carrying it: ATOM_OPS_DB_PASSWORD, --db-password-file, db_password_file',
  {concurrency: 3},
  () => {
    let file = ''
    let openFile = ''
    before(async () => {
      file = join(bed.dir, 'db.password')
      // The password alone on the first line; the line ending is not part of it.
      await writeFile(file, `${bed.db.target.password}\nignored second line\n`, {mode: 0o600})
      await chmod(file, 0o600)
      openFile = join(bed.dir, 'db-open.password')
      await writeFile(openFile, `${bed.db.target.password}\n`)
      await chmod(openFile, 0o644)
    })

    /** A real query against the bed's database, human and --json; no warning, no password anywhere. */
    async function works(args: string[], env: NodeJS.ProcessEnv, source: RegExp): Promise<void> {
      await insertJob(bed.database, {name: 'arPasswordSourceJob', status: 'completed'})
      const list = await runCli(['jobs', 'list', '--name', 'arPasswordSourceJob', '--json', ...args], {
        env: bed.env(env),
      })
      assert.equal(list.code, 0, list.stderr)
      assert.ok(list.json.total >= 1, list.stdout)
      assert.equal(list.stderr, '', 'no warning: the command line holds no password')
      await assertNoSecret(list, `jobs list ${args.join(' ')}`)
      const show = await runCli(['config', 'show', '--json', ...args], {env: bed.env(env)})
      assert.equal(show.code, 0, show.stderr)
      assert.equal(show.json.database.password, MASK)
      assert.match(show.json.database.passwordSource, source)
      const human = await runCli(['config', 'show', ...args], {env: bed.env(env)})
      assert.match(human.stdout, /password\s*│\s*\*{8}\s*│/)
      await assertNoSecret(show, 'config show --json')
      await assertNoSecret(human, 'config show')
    }

    test('--db without a password and ATOM_OPS_DB_PASSWORD', () =>
      works(
        ['--db', urlWithoutPassword(bed.db.target)],
        {ATOM_OPS_DB_PASSWORD: bed.db.target.password},
        /^env ATOM_OPS_DB_PASSWORD$/,
      ))

    test('--db without a password and --db-password-file FILE (first line)', () =>
      works(
        ['--db', urlWithoutPassword(bed.db.target), '--db-password-file', file],
        {},
        new RegExp(`^flag --db-password-file ${file}$`),
      ))

    test('ATOM_OPS_DB without a password and ATOM_OPS_DB_PASSWORD_FILE', () =>
      works(
        [],
        {ATOM_OPS_DB: urlWithoutPassword(bed.db.target), ATOM_OPS_DB_PASSWORD_FILE: file},
        /^env ATOM_OPS_DB_PASSWORD_FILE /,
      ))

    test("a profile's db and db_password_file", async () => {
      const config = join(bed.dir, 'password-profile.yml')
      await writeFile(
        config,
        `default: site\nprofiles:\n  site:\n    atom_root: ${bed.root}\n    db: ${JSON.stringify(urlWithoutPassword(bed.db.target))}\n    db_password_file: ${file}\n`,
      )
      await works([], {ATOM_OPS_CONFIG: config}, /^profile site .*db_password_file /)
    })

    test('--db-password-file wins over ATOM_OPS_DB_PASSWORD; a password inside the URL wins over both', async () => {
      const flag = await runCli(
        ['config', 'show', '--json', '--db', urlWithoutPassword(bed.db.target), '--db-password-file', file],
        {env: bed.env({ATOM_OPS_DB_PASSWORD: 'not-this-one'})},
      )
      assert.match(flag.json.database.passwordSource, /^flag --db-password-file /)
      const inUrl = await runCli(['config', 'show', '--json'], {
        env: bed.env({ATOM_OPS_DB: urlWithPassword(bed.db.target), ATOM_OPS_DB_PASSWORD: 'not-this-one'}),
      })
      assert.equal(inUrl.json.database.passwordSource, 'env ATOM_OPS_DB')
      await assertNoSecret(inUrl, 'config show, password in ATOM_OPS_DB')
    })

    test('a password file other users can read is refused, unread: exit 3, one line and a hint', async () => {
      for (const json of [false, true]) {
        const r = await runCli(
          [
            'jobs',
            'list',
            '--db',
            urlWithoutPassword(bed.db.target),
            '--db-password-file',
            openFile,
            ...(json ? ['--json'] : []),
          ],
          {env: bed.env()},
        )
        assert.equal(r.code, 3, r.stdout + r.stderr)
        if (json) assert.match(r.json.error.message, /readable by other users \(mode 0644\)/)
        else
          assert.match(
            r.stderr,
            /^atom-ops: --db-password-file \S+ is readable by other users \(mode 0644\): not read\n {2}hint: chmod 600 \S+: .*\n$/,
          )
        await assertNoSecret(r, 'a group/other-readable password file')
      }
    })

    test('a wrong password from the file: the login is refused, neither password shown', async () => {
      const wrong = join(bed.dir, 'wrong.password')
      await writeFile(wrong, `${bed.db.target.password}-wrong\n`, {mode: 0o600})
      const r = await runCli(['jobs', 'list', '--db', urlWithoutPassword(bed.db.target), '--db-password-file', wrong], {
        env: bed.env(),
      })
      assert.ok(r.code === 3 || r.code === 4, r.stderr)
      assert.match(r.stderr, /^atom-ops: [^\n]*\n {2}hint: [^\n]*\n$/)
      await assertNoSecret(r, 'a wrong password file', [`${bed.db.target.password}-wrong`])
    })

    test('usage errors: a password file with no --db URL, or with a URL that has a password; a missing file is exit 3', async () => {
      const noUrl = await runCli(['jobs', 'list', '--db-password-file', file], {env: bed.env()})
      assert.equal(noUrl.code, 2, noUrl.stderr)
      assert.match(noUrl.stderr, /^atom-ops: --db-password-file needs a --db URL/)
      const both = await runCli(
        ['config', 'show', '--db', urlWithPassword(bed.db.target), '--db-password-file', file],
        {env: bed.env()},
      )
      assert.equal(both.code, 2, both.stderr)
      assert.match(both.stderr, /--db-password-file: --db already carries a password/)
      const missing = await runCli(
        [
          'jobs',
          'list',
          '--db',
          urlWithoutPassword(bed.db.target),
          '--db-password-file',
          join(bed.dir, 'no-such-file'),
        ],
        {env: bed.env()},
      )
      assert.equal(missing.code, 3, missing.stderr)
      assert.match(missing.stderr, /^atom-ops: --db-password-file not found: /)
      for (const r of [noUrl, both, missing]) await assertNoSecret(r, 'usage errors')
    })

    test('a password inside --db: one warning on stderr (also with --json, whose stdout stays JSON); none from ATOM_OPS_DB or config.php', async () => {
      const warning = `atom-ops: warning: ${DB_PASSWORD_IN_ARGV}\n`
      assert.equal(
        DB_PASSWORD_IN_ARGV,
        '--db carries a password: every local user can see it in ps; use ATOM_OPS_DB_PASSWORD or --db-password-file',
      )
      const human = await runCli(['jobs', 'list', '--db', urlWithPassword(bed.db.target)], {env: bed.env()})
      assert.equal(human.code, 0, human.stderr)
      assert.equal(human.stderr, warning)
      const json = await runCli(['jobs', 'list', '--json', '--db', urlWithPassword(bed.db.target)], {env: bed.env()})
      assert.equal(json.code, 0, json.stderr)
      assert.equal(json.stderr, warning)
      assert.ok(json.json, 'stdout is the JSON document alone')
      // A failing command still warns once, before its one-line error.
      const failing = await runCli(['jobs', 'show', '999999', '--db', urlWithPassword(bed.db.target)], {env: bed.env()})
      assert.equal(failing.code, 2)
      assert.match(
        failing.stderr,
        new RegExp(
          `^${warning.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)}atom-ops: [^\n]*\n {2}hint: [^\n]*\n$`,
        ),
      )
      for (const r of [human, json, failing]) await assertNoSecret(r, 'a password in --db')
      for (const env of [{ATOM_OPS_DB: urlWithPassword(bed.db.target)}, {}]) {
        const quiet = await runCli(['jobs', 'list'], {env: bed.env(env)})
        assert.equal(quiet.code, 0, quiet.stderr)
        assert.equal(quiet.stderr, '', `no warning for ${Object.keys(env).join(', ') || 'config.php'}`)
      }
    })
  },
)
