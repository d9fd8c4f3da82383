/** Throwaway directories and files-only AtoM installs for in-process (unit tier) tests: no database or gearmand behind them. */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before} from 'node:test'

import type {DatabaseTarget} from '../../src/lib/db/target.js'

import {type InstallOptions, writeAtomInstall} from '../support/testbed/fixture.js'

/**
 * A directory made before the file's tests (then `setup` runs in it) and removed after them; `path` is
 * set once they run. One hook does both: node 20 does not wait for one top-level before() to end before
 * the next starts.
 */
export function tempDirectory(name: string, setup?: (path: string) => Promise<void>): {path: string} {
  const dir = {path: ''}
  before(async () => {
    dir.path = await mkdtemp(join(tmpdir(), `atom-ops-${name}-`))
    await setup?.(dir.path)
  })
  after(() => rm(dir.path, {recursive: true, force: true}))
  return dir
}

/** What the fixture's config.php holds; nothing listens there. */
export const FIXTURE_DATABASE: DatabaseTarget = {
  host: '127.0.0.1',
  port: 3306,
  user: 'atom',
  password: 'config-php-secret',
  database: 'atom',
}

/** An AtoM install of config files only (no job code): config.php, gearman.yml, app.yml, settings.yml. */
export function writeConfigOnlyInstall(root: string, options: Partial<InstallOptions> = {}): Promise<void> {
  return writeAtomInstall(root, {
    database: FIXTURE_DATABASE,
    gearmanServers: [{host: '127.0.0.1', port: 4730}],
    code: false,
    ...options,
  })
}
