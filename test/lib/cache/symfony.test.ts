import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {clearSymfonyCache, findOnPath, walkCache} from '../../../src/lib/cache/symfony.js'

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
    const dry = await walkCache(cache)
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

  test('php installed but no symfony script in the root: the files are removed, and the dry run says so before promising anything', async () => {
    const root = join(dir, 'root3')
    await mkdir(join(root, 'cache', 'qubit'), {recursive: true})
    await writeFile(join(root, 'cache', 'qubit', 'x.php'), 'x')
    const dry = await clearSymfonyCache(root, {dryRun: true, timeoutMs: 5000})
    assert.equal(dry.method, 'files')
    assert.match(dry.why ?? '', (await findOnPath('php')) ? /no symfony script/ : /php is not installed/)
    const r = await clearSymfonyCache(root, {dryRun: false, timeoutMs: 5000})
    assert.equal(r.method, 'files')
    assert.deepEqual(await readdir(join(root, 'cache')), [])
  })
})

// Runs only where php is installed (AtoM servers have it; CI prints which case it ran).
const php = await findOnPath('php')
describe(
  'Symfony cache through php symfony cc',
  {skip: php ? false : 'php is not installed here: the php path is not exercised'},
  () => {
    test("with php and a symfony script, `php symfony cc` runs in the root (a fixture script that empties cache/ as AtoM's does)", async () => {
      const root = join(dir, 'root4')
      await mkdir(join(root, 'cache', 'qubit', 'prod'), {recursive: true})
      await writeFile(join(root, 'cache', 'qubit', 'prod', 'config_app.yml.php'), '<?php')
      // Our own stand-in for AtoM's symfony entry point: `cc` empties cache/, leaving the directory.
      await writeFile(
        join(root, 'symfony'),
        `<?php\nif (($argv[1] ?? '') !== 'cc') { fwrite(STDERR, "usage\\n"); exit(1); }\n$it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__.'/cache', FilesystemIterator::SKIP_DOTS), RecursiveIteratorIterator::CHILD_FIRST);\nforeach ($it as $f) { $f->isDir() && !$f->isLink() ? rmdir($f->getPathname()) : unlink($f->getPathname()); }\necho ">> cache    Clearing cache\\n";\n`,
      )
      const dry = await clearSymfonyCache(root, {dryRun: true, timeoutMs: 5000})
      assert.equal(dry.method, 'php symfony cc')
      const r = await clearSymfonyCache(root, {dryRun: false, timeoutMs: 20_000})
      assert.equal(r.method, 'php symfony cc')
      assert.deepEqual(r.argv?.slice(-3), ['php', 'symfony', 'cc'])
      assert.deepEqual(await readdir(join(root, 'cache')), [])
      assert.equal(r.removed?.files, 1)
    })
  },
)
