import assert from 'node:assert/strict'
import {chmod, chown, lstat, mkdir, mkdtemp, readdir, rename, rm, symlink, unlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {clearSymfonyCache} from '../../../src/lib/cache/symfony.js'
import {removeDownloads} from '../../../src/lib/jobs/files.js'

/**
 * The attack of issue 13.3: while atom-ops removes files in a folder the web server's user can write
 * (cache/, downloads/jobs/), that user swaps a directory on the way for a symlink to somewhere else, again
 * and again. Nothing outside the install may go. Each removal runs several times under a live swap loop
 * (between the swaps the directory is back, so the removal has real work to do).
 */
const ROUNDS = 5
const isRoot = process.getuid?.() === 0
const NOBODY = 65_534
let base: string
before(async () => {
  base = await mkdtemp('/tmp/atom-ops-swap-')
  // Traversable by the unprivileged owner the removal may run as.
  await chmod(base, 0o755)
})
after(async () => {
  await rm(base, {recursive: true, force: true})
})

/** dirs × files regular files under dir (d0/f0 …), owned by uid. */
async function tree(dir: string, dirs: number, files: number, uid: number): Promise<void> {
  await mkdir(dir, {recursive: true})
  await chown(dir, uid, uid)
  for (let d = 0; d < dirs; d++) {
    await mkdir(join(dir, `d${d}`))
    await Promise.all(Array.from({length: files}, (_, f) => writeFile(join(dir, `d${d}`, `f${f}.php`), 'x')))
    for (const f of [...(await readdir(join(dir, `d${d}`))).map((n) => join(dir, `d${d}`, n)), join(dir, `d${d}`)])
      await chown(f, uid, uid)
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0
  for (const e of await readdir(dir, {withFileTypes: true, recursive: true})) if (e.isFile()) n++
  return n
}

/** Swaps `path` for a symlink to `target` and back, as fast as it can, until stopped; every error ignored (the removal races it). */
function swapLoop(paths: Array<{path: string; target: string}>): {stop: () => Promise<number>} {
  let running = true
  let swaps = 0
  const loop = (async () => {
    while (running) {
      for (const {path, target} of paths) {
        try {
          await rename(path, `${path}.away`)
          await symlink(target, path)
          swaps++
          await new Promise((r) => setImmediate(r))
          await unlink(path)
          await rename(`${path}.away`, path)
        } catch {
          // gone meanwhile, or half swapped: the next round tries again
        }
      }

      await new Promise((r) => setImmediate(r))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return swaps
    },
  }
}

for (const owner of [
  {name: 'an unprivileged owner (removal runs as that user)', uid: NOBODY},
  {name: 'root (GNU find never follows a link while it walks)', uid: 0},
]) {
  describe(
    `symlink swaps during removal, install owned by ${owner.name}`,
    {skip: isRoot ? false : 'needs root: the attack is on removals atom-ops runs as root'},
    () => {
      test('cache clear without php: subdirectories swapped for links to an outside tree; nothing outside is removed', async () => {
        const outside = join(base, `outside-cache-${owner.uid}`)
        await tree(outside, 50, 30, 0)
        for (let round = 0; round < ROUNDS; round++) {
          const root = join(base, `root-cache-${owner.uid}-${round}`)
          await mkdir(root)
          await chown(root, owner.uid, owner.uid)
          await tree(join(root, 'cache'), 50, 30, owner.uid)
          const attack = swapLoop(
            Array.from({length: 50}, (_, d) => ({path: join(root, 'cache', `d${d}`), target: join(outside, `d${d}`)})),
          )
          try {
            await clearSymfonyCache(root, {dryRun: false, timeoutMs: 60_000, usePhp: false})
          } finally {
            assert.ok((await attack.stop()) > 0, 'the swaps ran')
          }

          assert.equal(await countFiles(outside), 1500, `round ${round}: files outside the install were removed`)
        }
      })

      test('download removal: downloads/ and downloads/jobs/ swapped for links to outside folders holding files of the same names; nothing outside is removed', async () => {
        const names = Array.from({length: 300}, (_, i) => `${String(i).padStart(32, '0')}.zip`)
        const outside = join(base, `outside-dl-${owner.uid}`)
        await mkdir(join(outside, 'jobs'), {recursive: true})
        await Promise.all(names.map((n) => writeFile(join(outside, 'jobs', n), 'keep')))
        for (let round = 0; round < ROUNDS; round++) {
          const root = join(base, `root-dl-${owner.uid}-${round}`)
          const jobs = join(root, 'downloads', 'jobs')
          await mkdir(jobs, {recursive: true})
          await Promise.all(names.map((n) => writeFile(join(jobs, n), 'zip')))
          for (const p of [root, join(root, 'downloads'), jobs, ...names.map((n) => join(jobs, n))])
            await chown(p, owner.uid, owner.uid)
          const attack = swapLoop([
            {path: jobs, target: join(outside, 'jobs')},
            {path: join(root, 'downloads'), target: outside},
          ])
          try {
            await removeDownloads(
              root,
              names.map((n) => `downloads/jobs/${n}`),
            )
          } finally {
            assert.ok((await attack.stop()) > 0, 'the swaps ran')
          }

          assert.equal(
            (await readdir(join(outside, 'jobs'))).length,
            300,
            `round ${round}: files outside the install were removed`,
          )
          assert.ok((await lstat(join(outside, 'jobs'))).isDirectory())
        }
      })
    },
  )
}
