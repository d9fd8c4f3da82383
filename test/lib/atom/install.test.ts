import assert from 'node:assert/strict'
import {chmod, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createHash} from 'node:crypto'
import {after, before, describe, test} from 'node:test'

import {readAtomInstall} from '../../../src/lib/atom/install.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {phpExport} from '../../../src/testbed/fixture.js'

let base: string
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'atom-ops-install-'))
})
after(async () => {
  await rm(base, {recursive: true, force: true})
})

let n = 0
async function install(files: {php?: string; gearman?: string; app?: string; appGearman?: string}): Promise<string> {
  const root = join(base, `root${n++}`)
  await mkdir(join(root, 'config'), {recursive: true})
  if (files.php !== undefined) await writeFile(join(root, 'config', 'config.php'), files.php)
  if (files.gearman !== undefined) await writeFile(join(root, 'config', 'gearman.yml'), files.gearman)
  if (files.app !== undefined) await writeFile(join(root, 'config', 'app.yml'), files.app)
  if (files.appGearman !== undefined) {
    await mkdir(join(root, 'apps', 'qubit', 'config'), {recursive: true})
    await writeFile(join(root, 'apps', 'qubit', 'config', 'gearman.yml'), files.appGearman)
  }
  return root
}

function configPhp(param: Record<string, string | boolean>, extraSections = ''): string {
  const body = phpExport({all: {propel: {class: 'sfPropelDatabase', param}}})
  return `<?php\n\nreturn ${extraSections ? body.replace(/\)$/, extraSections + ')') : body};\n`
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

describe('config.php', () => {
  test('the installer form: dbname first, host omitted for localhost means the local socket', async () => {
    const root = await install({php: configPhp({encoding: 'utf8mb4', persistent: true, pooling: true, dsn: 'mysql:dbname=atom;port=3306', username: 'atom', password: 'secret'})})
    const i = await readAtomInstall(root)
    assert.deepEqual(i.database.dsn, {dbname: 'atom', port: 3306})
    assert.equal(i.database.username, 'atom')
    assert.equal(i.database.password, 'secret')
    assert.equal(i.database.encoding, 'utf8mb4')
  })

  test('passwords with quotes, backslashes, dollars and unicode survive var_export escaping', async () => {
    for (const password of [`it's "q"`, 'back\\slash\\\\two', '$HOME $(id) `x`', 'ünï©ødé 密码', "\\'", '']) {
      const root = await install({php: configPhp({dsn: 'mysql:host=db;dbname=atom', username: 'u', password})})
      assert.equal((await readAtomInstall(root)).database.password, password)
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
    const i = await readAtomInstall(await install({php}))
    assert.deepEqual(i.database.dsn, {dbname: 'atom2', host: '10.0.0.5', port: 3307})
    assert.equal(i.database.username, 'atom')
    assert.equal(i.database.password, '')
  })

  test('PHP that would have to be executed is refused, never run', async () => {
    for (const expr of ["getenv('DB_PASS')", '$password', '"pass$word"', "file_get_contents('/etc/shadow')", "'a' . 'b'"]) {
      const php = `<?php return array('all' => array('propel' => array('param' => array('dsn' => 'mysql:dbname=a', 'username' => 'u', 'password' => ${expr}))));`
      await assert.rejects(readAtomInstall(await install({php})), (e: unknown) => e instanceof ConfigError && /unsupported PHP expression/.test(e.message), expr)
    }
  })

  test('missing file, PHP that does not parse, no propel section, no dsn, DSN without dbname', async () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /config\.php not found/],
      ['<?php return array(', /is not valid PHP/],
      ['<?php echo "hi";', /does not return an array/],
      ["<?php return array('all' => array());", /no all\.propel\.param/],
      ["<?php return array('all' => array('propel' => array('param' => array('username' => 'u'))));", /dsn is missing/],
      ["<?php return array('all' => array('propel' => array('param' => array('dsn' => 'mysql:host=x'))));", /DSN has no dbname/],
    ]
    for (const [php, message] of cases) {
      await assert.rejects(readAtomInstall(await install({php})), (e: unknown) => e instanceof ConfigError && e.exitCode === 3 && message.test(e.message), String(php))
    }
  })

  test('an unreadable config.php is named as such (read as nobody)', {skip: process.getuid?.() !== 0 ? 'needs root to drop to nobody' : false}, async () => {
    const root = await install({php: configPhp({dsn: 'mysql:dbname=a', username: 'u', password: 'p'})})
    await chmod(base, 0o755)
    await chmod(join(root, 'config', 'config.php'), 0o600)
    const helper = fileURLToPath(new URL('../../helpers/read-install-as-nobody.ts', import.meta.url))
    const r = spawnSync(process.execPath, ['--import', 'tsx', helper, root], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.equal(result.kind, 'config')
    assert.equal(result.exitCode, 3)
    assert.match(result.message, /config\.php is not readable/)
    assert.match(result.hint, /as a user that can read it/)
  })

  test('a missing root and a root that is a file are config errors', async () => {
    await assert.rejects(readAtomInstall(join(base, 'nope')), (e: unknown) => e instanceof ConfigError && /AtoM root not found/.test(e.message))
    const file = join(base, 'a-file')
    await writeFile(file, '')
    await assert.rejects(readAtomInstall(file), /not a directory/)
  })
})

describe('gearman.yml and app.yml', () => {
  const php = configPhp({dsn: 'mysql:dbname=atom', username: 'u', password: 'p'})

  test('one server; no gearman.yml at all means the default 127.0.0.1:4730', async () => {
    const one = await readAtomInstall(await install({php, gearman: 'all:\n  servers:\n    default: 10.1.1.1:4731\n  worker_types:\n    general: [arFindingAidJob]\n'}))
    assert.deepEqual(one.gearmanServers, [{name: 'default', host: '10.1.1.1', port: 4731}])
    assert.deepEqual(one.workerTypes, {general: ['arFindingAidJob']})
    const none = await readAtomInstall(await install({php}))
    assert.deepEqual(none.gearmanServers, [{name: 'default', host: '127.0.0.1', port: 4730}])
    assert.equal(none.files.gearmanYml, undefined)
  })

  test('three servers keep their order (AtoM asks the last); a port may be omitted', async () => {
    const yml = 'all:\n  servers:\n    a: 10.0.0.1:4730\n    b: gear.example\n    c: "[::1]:4740"\n'
    const i = await readAtomInstall(await install({php, gearman: yml}))
    assert.deepEqual(i.gearmanServers, [
      {name: 'a', host: '10.0.0.1', port: 4730},
      {name: 'b', host: 'gear.example', port: 4730},
      {name: 'c', host: '::1', port: 4740},
    ])
  })

  test('the prod section overlays all; other environment sections are ignored', async () => {
    const yml = 'all:\n  servers:\n    default: 127.0.0.1:4730\ndev:\n  servers:\n    default: 10.9.9.9:1\nprod:\n  servers:\n    default: 10.2.2.2:4730\n'
    const i = await readAtomInstall(await install({php, gearman: yml}))
    assert.deepEqual(i.gearmanServers, [{name: 'default', host: '10.2.2.2', port: 4730}])
  })

  test('apps/qubit/config/gearman.yml replaces config/gearman.yml', async () => {
    const i = await readAtomInstall(await install({php, gearman: 'all:\n  servers:\n    default: 10.0.0.1:4730\n', appGearman: 'all:\n  servers:\n    default: 10.0.0.2:4730\n'}))
    assert.equal(i.gearmanServers[0].host, '10.0.0.2')
    assert.match(i.files.gearmanYml!, /apps\/qubit\/config\/gearman\.yml$/)
  })

  test('YAML that does not parse and bad server addresses are config errors naming the file', async () => {
    for (const [yml, message] of [
      ['all:\n  servers: [a\n', /gearman\.yml is not valid YAML/],
      ['all:\n  servers:\n    default: "host:port:extra"\n', /invalid address/],
      ['all:\n  servers:\n    default: "h:0"\n', /invalid address/],
      ['all:\n  servers: {}\n', /servers is empty/],
    ] as const) {
      await assert.rejects(readAtomInstall(await install({php, gearman: yml})), (e: unknown) => e instanceof ConfigError && message.test(e.message), yml)
    }
    await assert.rejects(readAtomInstall(await install({php, app: 'all:\n\tworkers_key: x\n'})), /app\.yml is not valid YAML/)
  })

  test('workers_key empty, set, and missing (before 2.6); cache engine and options', async () => {
    const empty = await readAtomInstall(await install({php, app: "all:\n  workers_key: ''\n"}))
    assert.equal(empty.workersKey, '')
    assert.equal(empty.workersKeyMissing, false)
    assert.equal(empty.prefix, md5(empty.realRoot) + '-')

    const set = await readAtomInstall(await install({php, app: 'all:\n  workers_key: site-b\n  cache_engine: sfMemcacheCache\n  cache_options:\n    host: 127.0.0.1\n    port: 11211\n'}))
    assert.equal(set.workersKey, 'site-b')
    assert.equal(set.prefix, md5(set.realRoot + 'site-b') + '-')
    assert.equal(set.cacheEngine, 'sfMemcacheCache')
    assert.deepEqual(set.cacheOptions, {host: '127.0.0.1', port: 11211})

    const missing = await readAtomInstall(await install({php, app: 'all:\n  read_only: false\n'}))
    assert.equal(missing.workersKeyMissing, true)
    assert.equal(missing.workersKey, '')
  })

  test('a root reached through a symlink hashes its realpath, as PHP does', async () => {
    const real = await install({php})
    const link = join(base, 'current')
    await symlink(real, link)
    const i = await readAtomInstall(link)
    assert.equal(i.root, link)
    assert.equal(i.realRoot, real)
    assert.equal(i.prefix, md5(real) + '-')
    assert.notEqual(i.prefix, md5(link) + '-')
    // the documented example from the reference
    assert.equal(md5('/usr/share/nginx/atom') + '-arFindingAidJob', '424b6ef096d623432cfda8de25d8db88-arFindingAidJob')
  })
})
