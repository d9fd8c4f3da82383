import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {DoctorContext} from '../context.js'
import type {CheckResult} from '../types.js'

/** Source config file → the name Symfony compiles it to under cache/<app>/<env>/config/. */
const COMPILED: Array<{source: 'gearmanYml' | 'appYml'; compiled: string}> = [
  {source: 'gearmanYml', compiled: 'config_gearman.yml.php'},
  {source: 'appYml', compiled: 'config_app.yml.php'},
]

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return undefined
  }
}

/** Compiled copies of a config file anywhere in cache/<app>/<env>/config/ (two levels, no deeper). */
async function compiledCopies(cacheDir: string, name: string): Promise<string[]> {
  const out: string[] = []
  const list = async (dir: string) => {
    try {
      return (await readdir(dir, {withFileTypes: true})).filter((e) => e.isDirectory()).map((e) => e.name)
    } catch {
      return []
    }
  }
  for (const app of await list(cacheDir)) {
    for (const env of await list(join(cacheDir, app))) {
      const file = join(cacheDir, app, env, 'config', name)
      if ((await mtime(file)) !== undefined) out.push(file)
    }
  }
  return out
}

/**
 * The web app reads gearman.yml and app.yml from Symfony's compiled cache: an edit to either has no
 * effect until the cache is cleared, so the web app may ask another server or prefix than the files say.
 */
export async function checkStaleConfigCache(ctx: DoctorContext): Promise<CheckResult> {
  const install = ctx.install
  const base = {id: 'cache.stale-config', title: 'Compiled config cache is up to date'}
  const stale: string[] = []
  for (const {source, compiled} of COMPILED) {
    const file = install.files[source]
    if (!file) continue
    const sourceTime = await mtime(file)
    for (const copy of await compiledCopies(join(install.realRoot, 'cache'), compiled)) {
      const copyTime = await mtime(copy)
      if (sourceTime !== undefined && copyTime !== undefined && sourceTime > copyTime) {
        stale.push(`${file} changed ${new Date(sourceTime).toISOString()}, after ${copy} (${new Date(copyTime).toISOString()})`)
      }
    }
  }
  if (stale.length === 0) return {...base, status: 'ok', rank: 90, summary: 'no config file is newer than its compiled copy', evidence: []}
  return {
    ...base,
    status: 'critical',
    rank: 30,
    summary: 'the web app still runs on the old gearman.yml/app.yml: the Symfony cache is older than the files',
    evidence: stale,
    fix: `atom-ops cache clear --symfony   # or: cd ${install.realRoot} && php symfony cc`,
    action: {kind: 'clear-symfony-cache'},
  }
}
