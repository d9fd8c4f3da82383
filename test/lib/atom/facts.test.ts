import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {askedServer, expectedAbilities, jobClassesOf} from '../../../src/lib/atom/facts.js'
import {readAtomInstall} from '../../../src/lib/atom/install.js'
import {parsePluginSetting, readAlwaysOnPlugins, STOCK_ALWAYS_ON_PLUGINS} from '../../../src/lib/atom/plugins.js'
import {phpDeepMerge} from '../../../src/lib/atom/symfony-config.js'
import {Database} from '../../../src/lib/db/database.js'
import {writeAtomInstall} from '../../support/testbed/fixture.js'
import {createAtomDatabase, seedPluginSetting, type ThrowawayDatabase} from '../../support/testbed/mariadb.js'
import {
  phpSerializeList,
  STOCK_ENABLED_PLUGINS,
  STOCK_REGISTERED_CLASSES,
  STOCK_WORKER_TYPES,
} from '../../support/testbed/schema.js'

let base: string
let throwaway: ThrowawayDatabase
let db: Database
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'atom-ops-facts-'))
  throwaway = await createAtomDatabase()
  db = await Database.open(throwaway.target, 5000)
})
after(async () => {
  await db?.close()
  await throwaway?.drop()
  await rm(base, {recursive: true, force: true})
})

/** The real database with its `plugins` setting set to this list, as the installer writes it. */
async function pluginsDb(plugins: string[]): Promise<Database> {
  await seedPluginSetting(db, plugins)
  return db
}

let n = 0
async function stockInstall(options: {code?: boolean} = {}): Promise<string> {
  const root = join(base, `atom${n++}`)
  await writeAtomInstall(root, {
    database: {host: '127.0.0.1', port: 3306, user: 'u', password: 'p', database: 'atom'},
    gearmanServers: [{host: '127.0.0.1', port: 4730}],
    code: options.code,
  })
  return root
}

describe('install facts', () => {
  test('the server the web app asks is the last one; job classes are merged once each', () => {
    assert.equal(askedServer(['a', 'b', 'c']), 'c')
    assert.deepEqual(jobClassesOf({a: ['x', 'y'], b: ['y', 'z']}), ['x', 'y', 'z'])
  })

  test("PHP's deep merge: maps key by key, lists item by item, null overrides", () => {
    assert.deepEqual(phpDeepMerge({a: 1, b: {c: 1, d: 2}}, {b: {d: 3, e: 4}, f: 5}), {
      a: 1,
      b: {c: 1, d: 3, e: 4},
      f: 5,
    })
    assert.deepEqual(phpDeepMerge(['a', 'b', 'c'], ['x']), ['x', 'b', 'c'])
    assert.deepEqual(phpDeepMerge({k: 'v'}, {k: null}), {k: null})
    assert.deepEqual(Object.keys(phpDeepMerge({b: 1, a: 1}, {c: 1, a: 2}) as object), ['b', 'a', 'c'])
  })

  test("ProjectConfiguration's always-on plugins are read from its enablePlugins call, never run", async () => {
    const root = await stockInstall()
    const found = await readAlwaysOnPlugins(root)
    assert.deepEqual(found.names, STOCK_ALWAYS_ON_PLUGINS)
    assert.match(found.source, /ProjectConfiguration\.class\.php$/)
    await writeFile(
      join(root, 'config', 'ProjectConfiguration.class.php'),
      "<?php class P { function setup() { $this->enablePlugins(array('aPlugin', 'bPlugin')); $this->enablePlugins('cPlugin'); } }",
    )
    assert.deepEqual((await readAlwaysOnPlugins(root)).names, ['aPlugin', 'bPlugin', 'cPlugin'])
    await writeFile(join(root, 'config', 'ProjectConfiguration.class.php'), '<?php this is not PHP')
    assert.match((await readAlwaysOnPlugins(root)).source, /stock AtoM release/)
  })

  test('the plugins setting is a PHP-serialized list, read with a parser; anything else is refused', async () => {
    assert.deepEqual(await parsePluginSetting(phpSerializeList(['sfDcPlugin', 'ünïPlugin'])), [
      'sfDcPlugin',
      'ünïPlugin',
    ])
    assert.equal(await parsePluginSetting('O:8:"Exploit":0:{}'), null)
    assert.equal(await parsePluginSetting('not serialized'), null)
    assert.equal(await parsePluginSetting('a:1:{i:0;i:5;}'), null)
  })

  test('a stock install expects 17 of its 18 listed classes: the SWORD plugin is on disk but not enabled', async () => {
    const root = await stockInstall()
    const install = await readAtomInstall(root)
    const r = await expectedAbilities(install, await pluginsDb(STOCK_ENABLED_PLUGINS))
    assert.equal(jobClassesOf(install.worker.workerTypes).length, 18)
    assert.deepEqual(r.expected, STOCK_REGISTERED_CLASSES)
    assert.deepEqual(r.skipped, [
      {jobClass: 'qtSwordPluginWorker', reason: 'plugin qtSwordPlugin is not enabled, no worker expected'},
    ])
    assert.deepEqual(r.uncertain, [])
    assert.ok(r.codeInspected)
  })

  test('enabling the plugin in the setting makes its class expected', async () => {
    const install = await readAtomInstall(await stockInstall())
    const r = await expectedAbilities(install, await pluginsDb([...STOCK_ENABLED_PLUGINS, 'qtSwordPlugin']))
    assert.equal(r.expected.length, 18)
    assert.deepEqual(r.skipped, [])
  })

  test('a class with no code anywhere is skipped ("Ability not defined"); without a database a plugin class is uncertain, never expected', async () => {
    const root = await stockInstall()
    await writeFile(
      join(root, 'config', 'gearman.yml'),
      'all:\n  worker_types:\n    general: [arFindingAidJob]\n    custom: [myMissingJob]\n    sword: [qtSwordPluginWorker]\n',
    )
    const install = await readAtomInstall(root)
    const noDb = await expectedAbilities(install, undefined, 'access denied')
    assert.deepEqual(noDb.expected, ['arFindingAidJob'])
    assert.deepEqual(
      noDb.skipped.map((s) => s.jobClass),
      ['myMissingJob'],
    )
    assert.match(noDb.skipped[0].reason, /Ability not defined/)
    assert.deepEqual(
      noDb.uncertain.map((s) => s.jobClass),
      ['qtSwordPluginWorker'],
    )
    assert.match(noDb.uncertain[0].reason, /access denied/)
    // A database without AtoM's setting table: the query fails for real.
    const other = await createAtomDatabase()
    const otherDb = await Database.open(other.target, 5000)
    try {
      await otherDb.execute('DROP TABLE setting_i18n')
      const failing = await expectedAbilities(install, otherDb)
      assert.deepEqual(
        failing.uncertain.map((s) => s.jobClass),
        ['qtSwordPluginWorker'],
      )
      assert.match(failing.plugins.settingError ?? '', /setting_i18n/)
    } finally {
      await otherDb.close()
      await other.drop()
    }
  })

  test('an install without lib/ cannot be inspected: every listed class is expected', async () => {
    const root = await stockInstall({code: false})
    const r = await expectedAbilities(await readAtomInstall(root), await pluginsDb([]))
    assert.equal(r.codeInspected, false)
    assert.equal(r.expected.length, Object.values(STOCK_WORKER_TYPES).flat().length)
  })

  test('a plugin named in the setting but missing on disk is ignored, as AtoM does', async () => {
    const root = await stockInstall()
    await mkdir(join(root, 'plugins', 'qtSwordPlugin', 'lib'), {recursive: true})
    const install = await readAtomInstall(root)
    const r = await expectedAbilities(install, await pluginsDb(['ghostPlugin']))
    assert.ok(!r.plugins.names.has('ghostPlugin'))
    assert.deepEqual(r.plugins.fromSetting, ['ghostPlugin'])
  })
})
