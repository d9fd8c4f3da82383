import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmod} from 'node:fs/promises'
import {join} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {tempDirectory, writeConfigOnlyInstall} from '../../helpers/temp-install.js'

// Service tier: a child process drops to nobody to read the install. The rest of install.ts is in install.unit.test.ts.
const temp = tempDirectory('install')

test(
  'an unreadable config.php is named as such (read as nobody)',
  {skip: process.getuid?.() === 0 ? false : 'needs root to drop to nobody'},
  async () => {
    const root = join(temp.path, 'root')
    await writeConfigOnlyInstall(root)
    await chmod(temp.path, 0o755)
    await chmod(join(root, 'config', 'config.php'), 0o600)
    const helper = fileURLToPath(new URL('../../helpers/read-install-as-nobody.ts', import.meta.url))
    const r = spawnSync(process.execPath, ['--import', 'tsx', helper, root], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.equal(result.kind, 'config')
    assert.equal(result.exitCode, 3)
    assert.match(result.message, /config\.php is not readable/)
    assert.match(result.hint, /as a user that can read it/)
  },
)
