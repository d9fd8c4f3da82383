import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {lstat, mkdir, readdir, readFile, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {type RunningMemcached, startMemcached} from '../../support/testbed/memcached.js'
import {freePort, waitFor} from '../../support/testbed/processes.js'
import {type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
let mc: RunningMemcached

before(async () => {
  mc = await startMemcached()
  try {
    bed = await TestBed.start({cacheEngine: 'sfMemcacheCache', memcached: {host: mc.host, port: mc.port}})
  } catch (error) {
    await mc.stop()
    throw error
  }
})
after(async () => {
  await bed?.stop()
  await mc?.stop()
})

// No php on this PATH: the Symfony cache is cleared by removing files (the php path needs php installed).
const env = () =>
  bed.env({
    PATH: `${process.execPath.replace(/\/node$/, '')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  })
const cli = (args: string[]) => runCli(args, {env: env(), timeoutMs: 60_000})

/** A Symfony-like cache with a symlinked directory and a symlinked file pointing outside the install. */
async function fillCache(): Promise<{outside: string}> {
  const cache = join(bed.realRoot, 'cache')
  const outside = join(bed.dir, 'outside')
  await mkdir(join(outside, 'deep'), {recursive: true})
  await writeFile(join(outside, 'keep.txt'), 'must survive')
  await writeFile(join(outside, 'deep', 'also.txt'), 'must survive too')
  await mkdir(join(cache, 'qubit', 'prod', 'config'), {recursive: true})
  await mkdir(join(cache, 'qubit', 'prod', 'i18n'), {recursive: true})
  await writeFile(join(cache, 'qubit', 'prod', 'config', 'config_gearman.yml.php'), '<?php // 0123456789')
  await writeFile(join(cache, 'qubit', 'prod', 'i18n', 'messages.php'), 'x'.repeat(1000))
  await symlink(outside, join(cache, 'qubit', 'linked-dir'))
  await symlink(join(outside, 'keep.txt'), join(cache, 'linked-file'))
  return {outside}
}

describe('cache clear', () => {
  test('--symfony --dry-run reports what would go and removes nothing', async () => {
    await fillCache()
    const r = await cli(['cache', 'clear', '--symfony', '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.equal(r.json.dryRun, true)
    const s = r.json.symfony.result
    assert.equal(s.method, 'files')
    assert.ok(s.before.files >= 2)
    assert.equal(s.before.symlinks, 2)
    assert.ok(existsSync(join(bed.realRoot, 'cache', 'qubit', 'prod', 'i18n', 'messages.php')))
    assert.equal(r.json.memcached, undefined, 'only what was chosen')
    const human = await cli(['cache', 'clear', '--symfony', '--dry-run'])
    assert.match(human.stdout, /Symfony cache: would remove \d+ files, \d+ directories, 2 symlinks/)
    assert.match(human.stdout, /Dry run: nothing was changed\./)
  })

  test('without --force and without a terminal it refuses (exit 5) and removes nothing', async () => {
    const r = await cli(['cache', 'clear', '--symfony'])
    assert.equal(r.code, 5)
    assert.match(r.stderr, /^atom-ops: refusing to continue without --force/)
    assert.ok(existsSync(join(bed.realRoot, 'cache', 'qubit', 'prod', 'i18n', 'messages.php')))
  })

  test('--symfony --force empties cache/, keeps the directory, unlinks symlinks without following them', async () => {
    const {outside} = await fillCache().catch(() => ({outside: join(bed.dir, 'outside')}))
    const r = await cli(['cache', 'clear', '--symfony', '--force', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const cache = join(bed.realRoot, 'cache')
    assert.ok((await lstat(cache)).isDirectory(), 'cache/ itself stays')
    assert.deepEqual(await readdir(cache), [])
    assert.equal(await readFile(join(outside, 'keep.txt'), 'utf8'), 'must survive')
    assert.equal(await readFile(join(outside, 'deep', 'also.txt'), 'utf8'), 'must survive too')
    const s = r.json.symfony.result
    assert.equal(s.removed.symlinks, 2)
    assert.ok(s.removed.bytes >= 1000)
    assert.deepEqual(s.after, {files: 0, directories: 0, symlinks: 0, bytes: 0})
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .at(-1)
    assert.equal(audit.command, 'cache:clear')
    assert.equal(audit.outcome, 'done')
  })

  test('a cache/ that is itself a symlink is refused (exit 3), its target untouched', async () => {
    const other = await TestBed.start({})
    try {
      const {rm, rename} = await import('node:fs/promises')
      const target = join(other.dir, 'elsewhere-cache')
      await rename(join(other.realRoot, 'cache'), target)
      await symlink(target, join(other.realRoot, 'cache'))
      const r = await runCli(['cache', 'clear', '--symfony', '--force'], {
        env: other.env({PATH: env().PATH}),
        timeoutMs: 60_000,
      })
      assert.equal(r.code, 3, r.stderr)
      assert.match(r.stderr, /cache is a symlink; atom-ops does not clear a cache outside the install/)
      assert.ok(existsSync(join(target, 'qubit', 'prod', 'config', 'config_app.yml.php')))
      await rm(join(other.realRoot, 'cache'))
    } finally {
      await other.stop()
    }
  })

  test("--memcached: a key set before is gone after (flush_all to app.yml's cache_options)", async () => {
    assert.equal(await mc.command('set atom-ops-test 0 0 5', 'hello'), 'STORED\r\n')
    assert.match(await mc.command('get atom-ops-test'), /VALUE atom-ops-test 0 5\r\nhello\r\nEND/)
    const r = await cli(['cache', 'clear', '--memcached', '--force', '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.deepEqual(r.json.memcached, [{server: `127.0.0.1:${mc.port}`, answer: 'OK'}])
    assert.equal(await mc.command('get atom-ops-test'), 'END\r\n')
  })

  test('default on an sfMemcacheCache install: Symfony and memcached, not php-fpm', async () => {
    const r = await cli(['cache', 'clear', '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.json.symfony)
    assert.deepEqual(r.json.memcached, [{server: `127.0.0.1:${mc.port}`}])
    assert.equal(r.json.phpFpm, undefined)
    assert.equal(r.json.cacheEngine, 'sfMemcacheCache')
  })

  test('memcached not listening: exit 4 with a one-line error; the Symfony part is still done', async () => {
    await fillCache()
    const port = await freePort()
    const r = await cli(['cache', 'clear', '--symfony', '--memcached-server', `127.0.0.1:${port}`, '--force', '--json'])
    assert.equal(r.code, 4, r.stderr + r.stdout)
    assert.equal(r.json.memcached[0].error.message, `memcached 127.0.0.1:${port} refused the connection`)
    assert.equal(r.json.symfony.result.after.files, 0)
    const human = await cli(['cache', 'clear', '--memcached-server', `127.0.0.1:${port}`, '--force'])
    assert.equal(human.code, 4)
    assert.match(
      human.stdout,
      new RegExp(`memcached 127\\.0\\.0\\.1:${port}: FAILED: memcached 127\\.0\\.0\\.1:${port} refused the connection`),
    )
  })

  test('--php-fpm restarts the php*-fpm program through supervisord (APCu), a new process', async () => {
    const sup: RunningSupervisord = await startSupervisord(join(bed.dir, 'supervisor-fpm'), {
      programs: [{name: 'php8.2-fpm', command: ['sleep', '100000']}],
    })
    try {
      await waitFor(
        'php-fpm running',
        async () => ((await sup.ctl('status', 'php8.2-fpm')).stdout.includes('RUNNING') ? true : undefined),
        15_000,
      )
      const before = (await sup.ctl('pid', 'php8.2-fpm')).stdout.trim()
      const r = await cli([
        'cache',
        'clear',
        '--php-fpm',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup.configFile,
        '--force',
        '--json',
      ])
      assert.equal(r.code, 0, r.stderr + r.stdout)
      assert.deepEqual(r.json.phpFpm.units, ['php8.2-fpm'])
      assert.deepEqual(
        r.json.phpFpm.steps.map((s: any) => [s.unit, s.ok]),
        [['php8.2-fpm', true]],
      )
      const after = (await sup.ctl('pid', 'php8.2-fpm')).stdout.trim()
      assert.notEqual(after, before)
      assert.match(after, /^\d+$/)
    } finally {
      await sup.stop()
    }
  })

  test('--php-fpm with no php*-fpm unit is a usage error naming the manager', async () => {
    const sup = await startSupervisord(join(bed.dir, 'supervisor-empty'), {
      programs: [{name: 'other', command: ['sleep', '100000']}],
    })
    try {
      const r = await cli([
        'cache',
        'clear',
        '--php-fpm',
        '--manager',
        'supervisor',
        '--supervisor-config',
        sup.configFile,
        '--force',
      ])
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^atom-ops: no php\*-fpm unit found by supervisor/)
    } finally {
      await sup.stop()
    }
  })
})
