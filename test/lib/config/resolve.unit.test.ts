/**
 * Configuration resolution in-process: a fixture install, atom-ops' config file and an environment in a
 * temp directory, no command run. The same rules through the CLI are in test/commands/config/show.test.ts.
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {chmod, realpath, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {
  type GlobalOptions,
  requireDatabase,
  requireGearman,
  requirePrefix,
  resolveConfig,
} from '../../../src/lib/config/resolve.js'
import {AtomOpsError, ConfigError, UsageError} from '../../../src/lib/errors.js'
import {loadSettingsFile} from '../../../src/lib/settings/profiles.js'
import {FIXTURE_DATABASE, tempDirectory, writeConfigOnlyInstall} from '../../helpers/temp-install.js'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

let dir: string
let root: string
let realRoot: string
tempDirectory('resolve', async (path) => {
  dir = path
  root = join(dir, 'atom')
  await writeConfigOnlyInstall(root, {
    gearmanServers: [
      {host: '127.0.0.1', port: 4730},
      {host: '127.0.0.2', port: 4731},
    ],
    workersKey: 'from-file',
  })
  realRoot = await realpath(root)
})

let files = 0
/** atom-ops' config file with this YAML, loaded as resolveConfig takes it. */
async function settings(yaml: string) {
  const path = join(dir, `config-${files++}.yml`)
  await writeFile(path, yaml)
  return loadSettingsFile(path)
}

const PROFILE = () =>
  `default: site\nprofiles:\n  site:\n    atom_root: ${root}\n    gearman: [10.0.0.1:4730]\n    workers_key: from-profile\n    timeout: 7\n    timezone: Asia/Tokyo\n`
const ENV = {
  ATOM_OPS_GEARMAN: '10.0.0.2:1, 10.0.0.3',
  ATOM_OPS_WORKERS_KEY: 'from-env',
  ATOM_OPS_TIMEOUT: '2.5',
  ATOM_OPS_TIMEZONE: 'Europe/Paris',
}
const FLAGS: GlobalOptions = {gearman: ['10.0.0.4:5'], workersKey: 'from-flag', timeout: 1, timezone: 'UTC'}

/** Where each setting came from, as kind:detail. */
async function sources(options: GlobalOptions, env: NodeJS.ProcessEnv, yaml: string) {
  const c = await resolveConfig(options, env, await settings(yaml))
  const tz = await c.timezone.get()
  return {
    gearman: c.gearman!.value.map((s) => `${s.host}:${s.port}`),
    key: c.workersKey!.value,
    timeoutMs: c.timeoutMs.value,
    zone: tz.value,
    prefix: c.prefix!.value,
    from: [c.gearman!.source, c.workersKey!.source, c.timeoutMs.source, tz.source].map((s) => `${s.kind}:${s.detail}`),
  }
}

describe("precedence: flag, then environment, then profile, then the install's files, then the default", () => {
  test("the install's files, and defaults for the rest", async () => {
    const r = await sources({atomRoot: root}, {}, '')
    assert.deepEqual(r.gearman, ['127.0.0.1:4730', '127.0.0.2:4731'])
    assert.equal(r.key, 'from-file')
    assert.equal(r.timeoutMs, 5000)
    assert.equal(r.zone, 'America/Vancouver')
    assert.equal(r.prefix, md5(realRoot + 'from-file') + '-')
    assert.match(r.from[0], /^file:.*\/config\/gearman\.yml \(all\)$/)
    assert.match(r.from[1], /^file:.*\/config\/app\.yml \(all\)$/)
    assert.equal(r.from[2], 'default:5s')
    assert.match(r.from[3], /^file:.*settings\.yml/)
  })

  test('a profile beats the files', async () => {
    const r = await sources({}, {}, PROFILE())
    assert.deepEqual(r.gearman, ['10.0.0.1:4730'])
    assert.equal(r.key, 'from-profile')
    assert.equal(r.timeoutMs, 7000)
    assert.equal(r.zone, 'Asia/Tokyo')
    assert.equal(r.prefix, md5(realRoot + 'from-profile') + '-', 'the prefix follows the effective workers_key')
    assert.ok(
      r.from.every((f) => /^profile:site \(.*config-\d+\.yml\)$/.test(f)),
      r.from.join('\n'),
    )
  })

  test('the environment beats the profile; an empty variable is not set', async () => {
    const r = await sources({}, ENV, PROFILE())
    assert.deepEqual(r.gearman, ['10.0.0.2:1', '10.0.0.3:4730'])
    assert.equal(r.key, 'from-env')
    assert.equal(r.timeoutMs, 2500)
    assert.equal(r.zone, 'Europe/Paris')
    assert.deepEqual(r.from, [
      'env:ATOM_OPS_GEARMAN',
      'env:ATOM_OPS_WORKERS_KEY',
      'env:ATOM_OPS_TIMEOUT',
      'env:ATOM_OPS_TIMEZONE',
    ])
    const empty = await sources({}, {ATOM_OPS_GEARMAN: '', ATOM_OPS_WORKERS_KEY: ''}, PROFILE())
    assert.deepEqual(empty.gearman, ['10.0.0.1:4730'])
    assert.equal(empty.key, 'from-profile')
  })

  test('flags beat everything', async () => {
    const r = await sources(FLAGS, ENV, PROFILE())
    assert.deepEqual(r.gearman, ['10.0.0.4:5'])
    assert.equal(r.key, 'from-flag')
    assert.equal(r.timeoutMs, 1000)
    assert.equal(r.zone, 'UTC')
    assert.deepEqual(r.from, ['flag:--gearman', 'flag:--workers-key', 'flag:--timeout', 'flag:--timezone'])
  })

  test("the profile: --profile, then $ATOM_OPS_PROFILE, then the file's default; the install root likewise", async () => {
    const yaml = `default: a\nprofiles:\n  a:\n    atom_root: ${join(dir, 'a')}\n  b:\n    atom_root: ${join(dir, 'b')}\n  c:\n    atom_root: ${join(dir, 'c')}\n`
    const file = await settings(yaml)
    const pick = async (options: GlobalOptions, env: NodeJS.ProcessEnv) => {
      const c = await resolveConfig(options, env, file)
      return [c.profile, c.atomRoot.value, c.atomRoot.source.kind]
    }

    assert.deepEqual(await pick({}, {}), ['a', join(dir, 'a'), 'profile'])
    assert.deepEqual(await pick({}, {ATOM_OPS_PROFILE: 'b'}), ['b', join(dir, 'b'), 'profile'])
    assert.deepEqual(await pick({profile: 'c'}, {ATOM_OPS_PROFILE: 'b'}), ['c', join(dir, 'c'), 'profile'])
    assert.deepEqual(await pick({profile: 'c'}, {ATOM_OPS_ATOM_ROOT: root}), ['c', root, 'env'])
    assert.deepEqual(await pick({profile: 'c', atomRoot: 'relative/atom'}, {ATOM_OPS_ATOM_ROOT: root}), [
      'c',
      join(process.cwd(), 'relative/atom'),
      'flag',
    ])
    const none = await resolveConfig({}, {}, await settings(''))
    assert.deepEqual(
      [none.profile, none.atomRoot.value, none.atomRoot.source.kind],
      [undefined, '/usr/share/nginx/atom', 'default'],
    )
  })
})

describe('the database and its password', () => {
  test("config.php's, read only when asked for", async () => {
    const c = await resolveConfig({atomRoot: root}, {}, await settings(''))
    const db = await c.database.get()
    assert.deepEqual(db.value, {...FIXTURE_DATABASE, charset: 'utf8mb4'})
    assert.equal(db.source.kind, 'file')
    assert.match(db.source.detail, /config\/config\.php$/)
  })

  test('a --db URL without a password takes $ATOM_OPS_DB_PASSWORD, then a password file; the source says which', async () => {
    const file = join(dir, 'db-password')
    await writeFile(file, 'from-file-pw\nsecond line ignored\n')
    await chmod(file, 0o600)
    const viaEnv = await (
      await resolveConfig({db: 'mysql://ops@db.example/atom'}, {ATOM_OPS_DB_PASSWORD: 'env-pw'}, await settings(''))
    ).database.get()
    assert.equal(viaEnv.value.password, 'env-pw')
    assert.deepEqual(viaEnv.passwordSource, {kind: 'env', detail: 'ATOM_OPS_DB_PASSWORD'})
    const viaFlag = await (
      await resolveConfig({db: 'mysql://ops@db.example/atom', dbPasswordFile: file}, {}, await settings(''))
    ).database.get()
    assert.equal(viaFlag.value.password, 'from-file-pw')
    assert.equal(viaFlag.passwordSource.kind, 'flag')
    assert.equal(viaFlag.source.detail, '--db')
  })
})

/** The error resolveConfig (or the lazy part it names) throws, with its class and exit code. */
async function failure(run: () => Promise<unknown>): Promise<AtomOpsError> {
  try {
    await run()
  } catch (error) {
    assert.ok(error instanceof AtomOpsError, String(error))
    return error
  }

  assert.fail('expected an error')
}

describe('bad values: typed ones are usage errors (2), written ones configuration errors (3), each naming where it came from', () => {
  const cases: Array<
    [string, GlobalOptions, NodeJS.ProcessEnv, string, typeof UsageError | typeof ConfigError, RegExp]
  > = [
    [
      '--gearman not host:port',
      {gearman: ['gear:notaport']},
      {},
      '',
      UsageError,
      /^--gearman: "gear:notaport" is not a valid host:port$/,
    ],
    [
      '$ATOM_OPS_GEARMAN with no server',
      {},
      {ATOM_OPS_GEARMAN: ' , '},
      '',
      UsageError,
      /^\$ATOM_OPS_GEARMAN: no Gearman server given$/,
    ],
    [
      "a profile's gearman",
      {},
      {},
      'default: p\nprofiles:\n  p:\n    gearman: [h:99999]\n',
      ConfigError,
      /^profile p \(.*\): "h:99999" is not a valid host:port$/,
    ],
    ['--db not a URL', {db: 'atom@localhost'}, {}, '', UsageError, /^--db: not a valid URL$/],
    [
      '$ATOM_OPS_DB of another scheme',
      {},
      {ATOM_OPS_DB: 'postgres://u@h/atom'},
      '',
      UsageError,
      /^\$ATOM_OPS_DB: scheme must be mysql:\/\//,
    ],
    [
      "a profile's db without a database",
      {},
      {},
      'default: p\nprofiles:\n  p:\n    db: mysql://u@h/\n',
      ConfigError,
      /no database name/,
    ],
    ['--timeout 0', {timeout: 0}, {}, '', UsageError, /^--timeout "0" is not a number of seconds between 0 and 3600$/],
    [
      '$ATOM_OPS_TIMEOUT not a number',
      {},
      {ATOM_OPS_TIMEOUT: 'soon'},
      '',
      UsageError,
      /^\$ATOM_OPS_TIMEOUT "soon" is not a number of seconds/,
    ],
    [
      "a profile's timeout over an hour",
      {},
      {},
      'default: p\nprofiles:\n  p:\n    timeout: 99999\n',
      ConfigError,
      /^profile p \(.*\): timeout "99999" is not a number of seconds/,
    ],
    [
      '--timezone unknown',
      {timezone: 'Mars/Olympus'},
      {},
      '',
      UsageError,
      /--timezone: "Mars\/Olympus" is not a timezone/,
    ],
    [
      "a profile's timezone unknown",
      {},
      {},
      'default: p\nprofiles:\n  p:\n    timezone: Mars/Olympus\n',
      ConfigError,
      /profile p \(.*\): "Mars\/Olympus" is not a timezone/,
    ],
    [
      '--profile unknown',
      {profile: 'nope'},
      {},
      'profiles:\n  p:\n    timeout: 3\n',
      ConfigError,
      /^unknown profile "nope"$/,
    ],
    [
      '$ATOM_OPS_DB_PASSWORD and $ATOM_OPS_DB_PASSWORD_FILE both',
      {},
      {ATOM_OPS_DB_PASSWORD: 'x', ATOM_OPS_DB_PASSWORD_FILE: '/x'},
      '',
      UsageError,
      /are both set$/,
    ],
    [
      '--db-password-file without --db',
      {dbPasswordFile: '/x'},
      {},
      '',
      UsageError,
      /^--db-password-file needs a --db URL/,
    ],
    [
      '--db-password-file and a password in the URL',
      {db: 'mysql://u:pw@h/atom', dbPasswordFile: '/x'},
      {},
      '',
      UsageError,
      /already carries a password$/,
    ],
  ]
  for (const [name, options, env, yaml, kind, message] of cases) {
    test(name, async () => {
      const file = await settings(yaml)
      const e = await failure(() => resolveConfig(options, env, file))
      assert.ok(e instanceof kind, `${e.constructor.name}: ${e.message}`)
      assert.equal(e.exitCode, kind === UsageError ? 2 : 3)
      assert.match(e.message, message)
      assert.ok(e.hint, 'a hint says what to do')
    })
  }

  test("atom-ops' config file that does not parse or has an unknown setting: a configuration error naming the file", async () => {
    for (const [yaml, message] of [
      ['profiles: [unclosed\n', /config-\d+\.yml/],
      ['profiles:\n  p:\n    atomroot: /srv/atom\n', /profile "p" has an unknown setting "atomroot"/],
      ['default: q\nprofiles:\n  p: {}\n', /default profile "q" is not defined/],
    ] as const) {
      const e = await failure(() => settings(yaml))
      assert.ok(e instanceof ConfigError, e.message)
      assert.equal(e.exitCode, 3)
      assert.match(e.message, message)
    }
  })

  test('no install where the root points: resolution still succeeds; what needs the install fails with a hint to do without it', async () => {
    const c = await resolveConfig({atomRoot: join(dir, 'missing')}, {}, await settings(''))
    assert.ok(c.installError instanceof ConfigError)
    for (const [need, hint] of [
      [() => requireGearman(c), /--gearman host:port/],
      [() => requirePrefix(c), /function prefix is computed/],
      [() => requireDatabase(c), /--db mysql:\/\//],
    ] as const) {
      const e = await failure(async () => need())
      assert.equal(e.exitCode, 3)
      assert.match(e.message, /AtoM root not found/)
      assert.match(e.hint!, hint)
    }
  })
})
