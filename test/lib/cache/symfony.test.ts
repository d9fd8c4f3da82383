import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {clearSymfonyCache, walkCache} from '../../../src/lib/cache/symfony.js'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atom-ops-cache-'))
})
after(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('Symfony cache removal', () => {
  test('a symlink loop, a dangling link and a link to / are unlinked, never followed', async () => {
    const root = join(dir, 'root1')
    const cache = join(root, 'cache')
    await mkdir(join(cache, 'a', 'b'), {recursive: true})
    await writeFile(join(cache, 'a', 'b', 'f.php'), '12345')
    await symlink(cache, join(cache, 'a', 'loop'))
    await symlink('/', join(cache, 'slash'))
    await symlink(join(dir, 'nowhere'), join(cache, 'dangling'))
    const dry = await walkCache(cache, false)
    assert.deepEqual(dry, {files: 1, directories: 2, symlinks: 3, bytes: 5})
    const r = await clearSymfonyCache(root, {dryRun: false, timeoutMs: 5000, usePhp: false})
    assert.deepEqual(r.removed, {files: 1, directories: 2, symlinks: 3, bytes: 5})
    assert.deepEqual(await readdir(cache), [])
    assert.deepEqual(r.errors, [])
  })

  test('a file outside reached through a symlinked directory survives', async () => {
    const root = join(dir, 'root2')
    const outside = join(dir, 'outside2')
    await mkdir(join(root, 'cache'), {recursive: true})
    await mkdir(outside)
    await writeFile(join(outside, 'precious'), 'yes')
    await symlink(outside, join(root, 'cache', 'out'))
    await clearSymfonyCache(root, {dryRun: false, timeoutMs: 5000, usePhp: false})
    assert.equal(await readFile(join(outside, 'precious'), 'utf8'), 'yes')
  })

  test('an install without cache/ is nothing to do', async () => {
    const r = await clearSymfonyCache(join(dir), {dryRun: false, timeoutMs: 5000, usePhp: false})
    assert.deepEqual(r.before, {files: 0, directories: 0, symlinks: 0, bytes: 0})
  })
})
