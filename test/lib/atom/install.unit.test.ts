import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdir, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {readAtomInstall, readDatabaseSettings} from '../../../src/lib/atom/install.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {tempDirectory} from '../../helpers/temp-install.js'
import {phpExport} from '../../support/testbed/fixture.js'

const temp = tempDirectory('install')

let n = 0
async function install(files: {
  php?: string
  gearman?: string
  app?: string
  appGearman?: string
  appApp?: string
  appSettings?: string
}): Promise<string> {
  const root = join(temp.path, `root${n++}`)
  await mkdir(join(root, 'config'), {recursive: true})
  if (files.php !== undefined) await writeFile(join(root, 'config', 'config.php'), files.php)
  if (files.gearman !== undefined) await writeFile(join(root, 'config', 'gearman.yml'), files.gearman)
  if (files.app !== undefined) await writeFile(join(root, 'config', 'app.yml'), files.app)
  const appLevel: Array<[string | undefined, string]> = [
    [files.appGearman, 'gearman.yml'],
    [files.appApp, 'app.yml'],
    [files.appSettings, 'settings.yml'],
  ]
  for (const [text, name] of appLevel) {
    if (text === undefined) continue
    await mkdir(join(root, 'apps', 'qubit', 'config'), {recursive: true})
    await writeFile(join(root, 'apps', 'qubit', 'config', name), text)
  }

  return root
}

/** config.php's database settings, as the commands that need the database read them. */
const databaseOf = (root: string) => readDatabaseSettings(join(root, 'config', 'config.php'))

function configPhp(param: Record<string, string | boolean>, extraSections = ''): string {
  const body = phpExport({all: {propel: {class: 'sfPropelDatabase', param}}})
  return `<?php\n\nreturn ${extraSections ? body.replace(/\)$/, extraSections + ')') : body};\n`
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

describe('config.php', () => {
  test('the installer form: dbname first, host omitted for localhost means the local socket', async () => {
    const root = await install({
      php: configPhp({
        encoding: 'utf8mb4',
        persistent: true,
        pooling: true,
        dsn: 'mysql:dbname=atom;port=3306',
        username: 'atom',
        password: 'secret',
      }),
    })
    const d = await databaseOf(root)
    assert.deepEqual(d.dsn, {dbname: 'atom', port: 3306})
    assert.equal(d.username, 'atom')
    assert.equal(d.password, 'secret')
    assert.equal(d.encoding, 'utf8mb4')
  })

  test('passwords with quotes, backslashes, dollars and unicode survive var_export escaping', async () => {
    for (const password of [
      `it's "q"`,
      String.raw`back\slash\\two`,
      '$HOME $(id) `x`',
      'ünï©ødé 密码',
      String.raw`\'`,
      '',
    ]) {
      const root = await install({php: configPhp({dsn: 'mysql:host=db;dbname=atom', username: 'u', password})})
      assert.equal((await databaseOf(root)).password, password)
    }
  })

  test('double-quoted strings, NULL, extra environment sections and comments are read', async () => {
    const php = `<?php
// written by hand
/* block */
return [
  'all' => ['propel' => ['class' => 'sfPropelDatabase', 'param' => [
    'dsn' => "mysql:host=10.0.0.5;dbname=atom2;port=3307", 'username' => "at\\x6fm", 'password' => NULL, 'pooling' => false, 'n' => -1,
  ]]],
  'dev' => ['propel' => ['param' => ['classname' => 'DebugPDO']]],
  'staging' => ['propel' => ['param' => ['dsn' => 'mysql:dbname=other']]],
  'test' => array('propel' => array('param' => array('classname' => 'DebugPDO'))),
];`
    const d = await databaseOf(await install({php}))
    assert.deepEqual(d.dsn, {dbname: 'atom2', host: '10.0.0.5', port: 3307})
    assert.equal(d.username, 'atom')
    assert.equal(d.password, '')
  })

  test('PHP that would have to be executed is refused, never run', async () => {
    for (const expr of [
      "getenv('DB_PASS')",
      '$password',
      '"pass$word"',
      "file_get_contents('/etc/shadow')",
      "'a' . 'b'",
    ]) {
      const php = `<?php return array('all' => array('propel' => array('param' => array('dsn' => 'mysql:dbname=a', 'username' => 'u', 'password' => ${expr}))));`
      await assert.rejects(
        databaseOf(await install({php})),
        (e: unknown) => e instanceof ConfigError && /unsupported PHP expression/.test(e.message),
        expr,
      )
    }
  })

  test('missing file, PHP that does not parse, no propel section, no dsn, DSN without dbname', async () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /config\.php not found/],
      ['<?php return array(', /is not valid PHP/],
      ['<?php echo "hi";', /does not return an array/],
      ["<?php return array('all' => array());", /no all\.propel\.param/],
      ["<?php return array('all' => array('propel' => array('param' => array('username' => 'u'))));", /dsn is missing/],
      [
        "<?php return array('all' => array('propel' => array('param' => array('dsn' => 'mysql:host=x'))));",
        /DSN has no dbname/,
      ],
    ]
    for (const [php, message] of cases) {
      await assert.rejects(
        databaseOf(await install({php})),
        (e: unknown) => e instanceof ConfigError && e.exitCode === 3 && message.test(e.message),
        String(php),
      )
    }
  })

  test('a missing root and a root that is a file are config errors', async () => {
    await assert.rejects(
      readAtomInstall(join(temp.path, 'nope')),
      (e: unknown) => e instanceof ConfigError && /AtoM root not found/.test(e.message),
    )
    const file = join(temp.path, 'a-file')
    await writeFile(file, '')
    await assert.rejects(readAtomInstall(file), /not a directory/)
  })
})

describe('gearman.yml, app.yml and settings.yml, as symfony reads them', () => {
  const php = configPhp({dsn: 'mysql:dbname=atom', username: 'u', password: 'p'})

  test('one server; no gearman.yml at all means the default 127.0.0.1:4730', async () => {
    const one = await readAtomInstall(
      await install({
        php,
        gearman: 'all:\n  servers:\n    default: 10.1.1.1:4731\n  worker_types:\n    general: [arFindingAidJob]\n',
      }),
    )
    assert.deepEqual(one.web.gearmanServers, [{name: 'default', host: '10.1.1.1', port: 4731}])
    assert.deepEqual(one.worker.workerTypes, {general: ['arFindingAidJob']})
    const none = await readAtomInstall(await install({php}))
    assert.deepEqual(none.web.gearmanServers, [{name: 'default', host: '127.0.0.1', port: 4730}])
    assert.deepEqual(none.files.gearman, [])
    assert.equal(none.web.origins.servers, undefined)
  })

  test('three servers keep their order (AtoM asks the last); a port may be omitted', async () => {
    const yml = 'all:\n  servers:\n    a: 10.0.0.1:4730\n    b: gear.example\n    c: "[::1]:4740"\n'
    const i = await readAtomInstall(await install({php, gearman: yml}))
    assert.deepEqual(i.web.gearmanServers, [
      {name: 'a', host: '10.0.0.1', port: 4730},
      {name: 'b', host: 'gear.example', port: 4730},
      {name: 'c', host: '::1', port: 4740},
    ])
  })

  test('the web app sees all + prod, the worker all + worker; other sections are ignored', async () => {
    const yml =
      'all:\n  servers:\n    default: 127.0.0.1:4730\ndev:\n  servers:\n    default: 10.9.9.9:1\nprod:\n  servers:\n    default: 10.2.2.2:4730\nworker:\n  servers:\n    default: 10.3.3.3:4730\n'
    const i = await readAtomInstall(await install({php, gearman: yml}))
    assert.deepEqual(i.web.gearmanServers, [{name: 'default', host: '10.2.2.2', port: 4730}])
    assert.deepEqual(i.worker.gearmanServers, [{name: 'default', host: '10.3.3.3', port: 4730}])
    assert.equal(i.web.origins.servers?.section, 'prod')
    assert.equal(i.worker.origins.servers?.section, 'worker')
  })

  test("AtoM's Docker layout: apps/qubit/config/gearman.yml holding only servers is merged over config/gearman.yml, worker_types kept", async () => {
    const stock =
      'all:\n  servers:\n    default: 127.0.0.1:4730\n  worker_types:\n    general:\n      - arFindingAidJob\n    sword:\n      - qtSwordPluginWorker\n'
    const i = await readAtomInstall(
      await install({php, gearman: stock, appGearman: 'all:\n  servers:\n    default: gearmand:4730\n'}),
    )
    assert.deepEqual(i.web.gearmanServers, [{name: 'default', host: 'gearmand', port: 4730}])
    assert.deepEqual(i.worker.workerTypes, {general: ['arFindingAidJob'], sword: ['qtSwordPluginWorker']})
    assert.match(i.web.origins.servers!.file, /apps\/qubit\/config\/gearman\.yml$/)
    assert.match(i.web.origins.workerTypes!.file, /\/config\/gearman\.yml$/)
    assert.doesNotMatch(i.web.origins.workerTypes!.file, /apps\/qubit/)
    assert.equal(i.files.gearman.length, 2)
  })

  test("servers add to the project's, in its order, and lists merge item by item (PHP's arrayDeepMerge)", async () => {
    const i = await readAtomInstall(
      await install({
        php,
        gearman: 'all:\n  servers:\n    default: 10.0.0.1:4730\n  worker_types:\n    general: [a, b, c]\n',
        appGearman: 'all:\n  servers:\n    second: 10.0.0.2:4730\n  worker_types:\n    general: [x]\n',
      }),
    )
    assert.deepEqual(
      i.web.gearmanServers.map((s) => s.host),
      ['10.0.0.1', '10.0.0.2'],
    )
    assert.deepEqual(i.worker.workerTypes.general, ['x', 'b', 'c'])
  })

  test('YAML that does not parse and bad server addresses are config errors naming the file', async () => {
    for (const [yml, message] of [
      ['all:\n  servers: [a\n', /gearman\.yml is not valid YAML/],
      ['all:\n  servers:\n    default: "host:port:extra"\n', /invalid address/],
      ['all:\n  servers:\n    default: "h:0"\n', /invalid address/],
      ['all:\n  servers: {}\n', /servers is empty/],
    ] as const) {
      await assert.rejects(
        readAtomInstall(await install({php, gearman: yml})),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        yml,
      )
    }

    await assert.rejects(
      readAtomInstall(await install({php, app: 'all:\n\tworkers_key: x\n'})),
      /app\.yml is not valid YAML/,
    )
  })

  test('workers_key empty, set, and missing (before 2.6); cache engine and its parameters', async () => {
    const empty = await readAtomInstall(await install({php, app: "all:\n  workers_key: ''\n"}))
    assert.equal(empty.web.workersKey, '')
    assert.equal(empty.web.workersKeyMissing, false)
    assert.equal(empty.web.prefix, md5(empty.realRoot) + '-')

    const set = await readAtomInstall(
      await install({
        php,
        app: 'all:\n  workers_key: site-b\n  cache_engine: sfMemcacheCache\n  cache_engine_param:\n    host: 127.0.0.1\n    port: 11211\n',
      }),
    )
    assert.equal(set.web.workersKey, 'site-b')
    assert.equal(set.web.prefix, md5(set.realRoot + 'site-b') + '-')
    assert.equal(set.web.cacheEngine, 'sfMemcacheCache')
    assert.deepEqual(set.web.cacheParams, {host: '127.0.0.1', port: 11_211})

    const missing = await readAtomInstall(await install({php, app: 'all:\n  read_only: false\n'}))
    assert.equal(missing.web.workersKeyMissing, true)
    assert.equal(missing.web.workersKey, '')
  })

  test('workers_key in apps/qubit/config/app.yml wins over config/app.yml, for the web app and the worker', async () => {
    const i = await readAtomInstall(
      await install({
        php,
        app: 'all:\n  workers_key:\n  cache_engine: sfAPCCache\n',
        appApp: 'all:\n  workers_key: site-a\n  cache_engine: sfMemcacheCache\n',
      }),
    )
    assert.equal(i.web.workersKey, 'site-a')
    assert.equal(i.worker.workersKey, 'site-a')
    assert.equal(i.web.prefix, md5(i.realRoot + 'site-a') + '-')
    assert.equal(i.web.cacheEngine, 'sfMemcacheCache')
    assert.match(i.web.origins.workersKey!.file, /apps\/qubit\/config\/app\.yml$/)
    // a worker: section gives the worker its own key (and so its own prefix)
    const split = await readAtomInstall(
      await install({php, app: 'all:\n  workers_key: a\nworker:\n  workers_key: b\n'}),
    )
    assert.equal(split.web.prefix, md5(split.realRoot + 'a') + '-')
    assert.equal(split.worker.prefix, md5(split.realRoot + 'b') + '-')
  })

  test("settings.yml's default_timezone per environment, under .settings", async () => {
    const i = await readAtomInstall(
      await install({
        php,
        appSettings:
          'prod:\n  .settings:\n    cache: true\nall:\n  .settings:\n    default_timezone: America/Vancouver\nworker:\n  .settings:\n    default_timezone: Asia/Tokyo\n',
      }),
    )
    assert.equal(i.web.timezone, 'America/Vancouver')
    assert.equal(i.web.origins.timezone?.section, 'all')
    assert.equal(i.worker.timezone, 'Asia/Tokyo')
    assert.equal((await readAtomInstall(await install({php}))).web.timezone, undefined)
  })

  test('a root reached through a symlink hashes its realpath, as PHP does', async () => {
    const real = await install({php})
    const link = join(temp.path, 'current')
    await symlink(real, link)
    const i = await readAtomInstall(link)
    assert.equal(i.root, link)
    assert.equal(i.realRoot, real)
    assert.equal(i.web.prefix, md5(real) + '-')
    assert.notEqual(i.web.prefix, md5(link) + '-')
    // the documented example from the reference
    assert.equal(md5('/usr/share/nginx/atom') + '-arFindingAidJob', '424b6ef096d623432cfda8de25d8db88-arFindingAidJob')
  })
})
