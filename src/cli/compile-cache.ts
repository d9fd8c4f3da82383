import {mkdirSync} from 'node:fs'
import * as nodeModule from 'node:module'
import {join} from 'node:path'

import {stateDirectory} from '../lib/settings/paths.js'

/** The part of node:module this uses: enableCompileCache exists from Node 22.1 (not in Node 20). */
export interface CompileCacheApi {
  enableCompileCache?: (directory?: string) => {status: number; message?: string; directory?: string}
  constants?: {compileCacheStatus?: Record<string, number>}
}

export type CompileCacheOutcome = 'enabled' | 'unavailable' | 'left-to-node' | 'failed'

/** The cache's directory: `compile-cache/` under atom-ops' state directory. */
export function compileCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'compile-cache')
}

/**
 * Turns on Node's on-disk compile cache (V8 code cache of every module loaded afterwards) when the
 * running Node has it, so later starts skip compiling oclif and its dependencies. Called by bin/run.js
 * before oclif is imported. Node 20 has no such API: nothing happens. NODE_COMPILE_CACHE and
 * NODE_DISABLE_COMPILE_CACHE are Node's own switches and win. Any failure (a read-only state
 * directory, another user's) is ignored: the cache only saves time.
 */
export function enableCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  api: CompileCacheApi = nodeModule as CompileCacheApi,
): CompileCacheOutcome {
  if (typeof api.enableCompileCache !== 'function') return 'unavailable'
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return 'left-to-node'
  try {
    const directory = compileCacheDirectory(env)
    mkdirSync(directory, {recursive: true, mode: 0o700})
    const result = api.enableCompileCache(directory)
    const codes = api.constants?.compileCacheStatus ?? {}
    return result?.status === codes.ENABLED || result?.status === codes.ALREADY_ENABLED ? 'enabled' : 'failed'
  } catch {
    return 'failed'
  }
}
