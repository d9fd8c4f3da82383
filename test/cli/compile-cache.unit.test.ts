import assert from 'node:assert/strict'
import {chmod, mkdir, stat, writeFile} from 'node:fs/promises'
import * as nodeModule from 'node:module'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {type CompileCacheApi, compileCacheDirectory, enableCompileCache} from '../../src/cli/compile-cache.js'
import {tempDirectory} from '../helpers/temp-install.js'

const temp = tempDirectory('compile-cache')

const STATUS = {FAILED: 0, ENABLED: 1, ALREADY_ENABLED: 2, DISABLED: 3}

/** A stand-in with Node 22's API (module.enableCompileCache): records the directory asked for. */
function node22Double(status = STATUS.ENABLED): CompileCacheApi & {asked: string[]} {
  const asked: string[] = []
  return {
    asked,
    constants: {compileCacheStatus: STATUS},
    enableCompileCache(directory?: string) {
      asked.push(directory!)
      return {status, directory}
    },
  }
}

describe("Node's compile cache, where the running Node has it", () => {
  test("compile-cache/ under the state directory, created owner-only, handed to Node 22's enableCompileCache", async () => {
    const env = {ATOM_OPS_STATE_DIR: join(temp.path, 'state')}
    const api = node22Double()
    assert.equal(enableCompileCache(env, api), 'enabled')
    assert.deepEqual(api.asked, [join(temp.path, 'state', 'compile-cache')])
    assert.equal(compileCacheDirectory(env), api.asked[0])
    assert.equal((await stat(api.asked[0])).mode & 0o777, 0o700)
  })

  test('Node 20 lacks module.enableCompileCache: with a double of its node:module nothing is done and no directory is made', async () => {
    const env = {ATOM_OPS_STATE_DIR: join(temp.path, 'node20')}
    assert.equal(enableCompileCache(env, {constants: {}}), 'unavailable')
    await assert.rejects(stat(join(temp.path, 'node20')), {code: 'ENOENT'})
  })

  test(
    'the running Node: the API is there from 22.1 on and missing before (this run: Node ' + process.versions.node + ')',
    () => {
      const [major, minor] = process.versions.node.split('.').map(Number)
      const has = typeof (nodeModule as CompileCacheApi).enableCompileCache === 'function'
      assert.equal(has, major > 22 || (major === 22 && minor >= 1))
    },
  )

  test("NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE are Node's own switches: left to Node", async () => {
    for (const env of [{NODE_COMPILE_CACHE: join(temp.path, 'theirs')}, {NODE_DISABLE_COMPILE_CACHE: '1'}]) {
      const api = node22Double()
      assert.equal(enableCompileCache({...env, ATOM_OPS_STATE_DIR: join(temp.path, 'switch')}, api), 'left-to-node')
      assert.deepEqual(api.asked, [])
    }

    await assert.rejects(stat(join(temp.path, 'switch')), {code: 'ENOENT'})
  })

  test('failures are ignored: a state directory that cannot be made, Node refusing, the API throwing', async () => {
    const file = join(temp.path, 'a-file')
    await writeFile(file, '')
    assert.equal(enableCompileCache({ATOM_OPS_STATE_DIR: join(file, 'state')}, node22Double()), 'failed')
    assert.equal(
      enableCompileCache({ATOM_OPS_STATE_DIR: join(temp.path, 'refused')}, node22Double(STATUS.FAILED)),
      'failed',
    )
    const throwing: CompileCacheApi = {
      constants: {compileCacheStatus: STATUS},
      enableCompileCache() {
        throw new Error('boom')
      },
    }
    assert.equal(enableCompileCache({ATOM_OPS_STATE_DIR: join(temp.path, 'throwing')}, throwing), 'failed')
    if (process.getuid?.() !== 0) {
      const locked = join(temp.path, 'locked')
      await mkdir(locked, {mode: 0o500})
      assert.equal(enableCompileCache({ATOM_OPS_STATE_DIR: join(locked, 'state')}, node22Double()), 'failed')
      await chmod(locked, 0o700)
    }
  })
})
