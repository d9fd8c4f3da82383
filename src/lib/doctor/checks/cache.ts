import {stat} from 'node:fs/promises'
import {join, relative} from 'node:path'

import type {SymfonyEnvironment} from '../../atom/symfony-config.js'
import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {displayTime} from '../../atom/clock.js'

/** The configuration files whose compiled copies AtoM runs on, and the names symfony compiles them to. */
const COMPILED: Array<{files: 'gearman' | 'app' | 'settings'; compiled: string}> = [
  {files: 'gearman', compiled: 'config_gearman.yml.php'},
  {files: 'app', compiled: 'config_app.yml.php'},
  {files: 'settings', compiled: 'config_settings.yml.php'},
]

/** Whose cache each environment's is: the web app runs in prod, jobs:worker in worker. */
const CACHES: Array<{environment: SymfonyEnvironment; who: string}> = [
  {environment: 'prod', who: 'the web app'},
  {environment: 'worker', who: 'the worker'},
]

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return undefined
  }
}

/**
 * Outside debug mode symfony runs on the compiled copy under cache/qubit/<env>/config/ whenever one
 * exists, whatever the YAML says: an edit to gearman.yml, app.yml or settings.yml has no effect on
 * the web app (cache/qubit/prod) or the worker (cache/qubit/worker) until that cache is cleared.
 */
export async function checkStaleConfigCache(ctx: DoctorEvidence): Promise<CheckResult> {
  const {install} = ctx
  const base = {id: 'cache.stale-config', title: 'Compiled config cache'}
  const stale: string[] = []
  const who = new Set<string>()
  for (const cache of CACHES) {
    const dir = join(install.realRoot, 'cache', 'qubit', cache.environment, 'config')
    for (const {files, compiled} of COMPILED) {
      const copy = join(dir, compiled)
      const copyTime = await mtime(copy)
      if (copyTime === undefined) continue
      for (const file of install.files[files]) {
        const sourceTime = await mtime(file)
        if (sourceTime !== undefined && sourceTime > copyTime) {
          who.add(cache.who)
          stale.push(
            `${cache.who} runs on ${relative(install.realRoot, copy)} (${displayTime(copyTime)}), older than ${relative(install.realRoot, file)} (${displayTime(sourceTime)})`,
          )
        }
      }
    }
  }

  if (stale.length === 0)
    return {
      ...base,
      status: 'ok',
      rank: 90,
      summary: 'no config file is newer than its compiled copy in cache/qubit/prod or cache/qubit/worker',
      evidence: [],
    }
  const workerToo = who.has('the worker')
  return {
    ...base,
    status: 'critical',
    rank: 30,
    summary: `${[...who].join(' and ')} still run${who.size === 1 ? 's' : ''} on the old configuration: the Symfony cache is older than the files`,
    evidence: stale,
    fix: `${ctx.command('cache clear --symfony')}${workerToo ? ` && ${ctx.restartCommand}` : ''}   # or: cd ${install.realRoot} && php symfony cc`,
    action: {kind: 'clear-symfony-cache'},
  }
}
