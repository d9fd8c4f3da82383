import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {readAtomInstall} from '../../../src/lib/atom/install.js'
import {tempDirectory} from '../../helpers/temp-install.js'

const temp = tempDirectory('install-plugins')

/** Whether php-parser has been loaded in this process (node's test runner gives each file its own). */
function phpParserLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((path) => /node_modules\/php-parser\//.test(path))
}

let n = 0
async function install(plugins: Record<string, {app?: string}>, alwaysOn: string[]): Promise<string> {
  const root = join(temp.path, `root${n++}`)
  await mkdir(join(root, 'config'), {recursive: true})
  await writeFile(join(root, 'config', 'app.yml'), 'all:\n  workers_key: project\n  upload_limit: 1\n')
  const list = alwaysOn.map((p) => `'${p}'`).join(', ')
  await writeFile(
    join(root, 'config', 'ProjectConfiguration.class.php'),
    `<?php\nclass ProjectConfiguration extends sfProjectConfiguration\n{\n  public function setup()\n  {\n    $this->enablePlugins(array(${list}));\n  }\n}\n`,
  )
  for (const [name, files] of Object.entries(plugins)) {
    await mkdir(join(root, 'plugins', name, 'config'), {recursive: true})
    if (files.app !== undefined) await writeFile(join(root, 'plugins', name, 'config', 'app.yml'), files.app)
  }

  return root
}

describe('the plugin layers of the configuration cascades', () => {
  // First in this file: nothing has loaded php-parser yet.
  test('no plugin on disk has a gearman.yml, app.yml or settings.yml: ProjectConfiguration is not parsed (php-parser is not loaded)', async () => {
    const root = await install({aPlugin: {}, bPlugin: {}}, ['aPlugin'])
    const found = await readAtomInstall(root)
    assert.deepEqual(found.files.app, [join(found.realRoot, 'config', 'app.yml')])
    assert.equal(found.web.workersKey, 'project')
    assert.equal(phpParserLoaded(), false)
  })

  test("a plugin with an app.yml: only always-on plugins' files are layers, in ProjectConfiguration's order, before the project's", async () => {
    const root = await install(
      {
        zPlugin: {app: 'all:\n  workers_key: from-z\n  z_only: 1\n'},
        aPlugin: {app: 'all:\n  a_only: 1\n  z_only: 2\n'},
        offPlugin: {app: 'all:\n  workers_key: from-a-plugin-that-is-not-always-on\n'},
        emptyPlugin: {},
      },
      ['zPlugin', 'emptyPlugin', 'aPlugin', 'missingPlugin'],
    )
    const found = await readAtomInstall(root)
    assert.deepEqual(found.files.app, [
      join(found.realRoot, 'plugins', 'zPlugin', 'config', 'app.yml'),
      join(found.realRoot, 'plugins', 'aPlugin', 'config', 'app.yml'),
      join(found.realRoot, 'config', 'app.yml'),
    ])
    // The project's app.yml wins over the plugins'; a later plugin over an earlier one.
    assert.equal(found.web.workersKey, 'project')
    assert.equal(phpParserLoaded(), true)
  })
})
