import type {Queryable} from '../db/database.js'
import type {AtomInstall} from './install.js'

import {enabledPlugins, type EnabledPlugins, locateClasses} from './plugins.js'

/**
 * The facts about one install that every command shares, each computed in one place: which server the
 * web app asks, which job classes the worker registers, which Gearman functions are this install's.
 */

/** QubitJob::checkWorkerAvailable asks only the last server of the web app's gearman.yml (array_pop). */
export function askedServer<T>(servers: T[]): T {
  return servers[servers.length - 1]
}

/** Every job class of the merged worker_types, in arGearman::getAbilities' order, each once. */
export function jobClassesOf(workerTypes: Record<string, string[]>): string[] {
  return [...new Set(Object.values(workerTypes).flat())]
}

/** Whether a Gearman function belongs to the install with this prefix. */
export function isInstallFunction(fn: string, prefix: string): boolean {
  return fn.startsWith(prefix)
}

export interface SkippedClass {
  jobClass: string
  /** Why a healthy worker does not register it, in plain words. */
  reason: string
}

/** What a healthy `php symfony jobs:worker` (no --types or --abilities) registers. */
export interface ExpectedAbilities {
  /** Job classes the worker registers: these need an available worker on the server the web app asks. */
  expected: string[]
  /** Listed in worker_types but not registered by the real worker ("Ability not defined"). */
  skipped: SkippedClass[]
  /** Listed, in a plugin whose state could not be read (no database): neither expected nor ruled out. */
  uncertain: SkippedClass[]
  plugins: EnabledPlugins
  /** False when the install has no lib/ to look in: every listed class is then expected. */
  codeInspected: boolean
}

/**
 * The abilities the real worker registers: the merged worker_types classes whose code it can load.
 * A class under lib/ always loads; a class under plugins/<P>/lib/ only when plugin P is enabled
 * (always-on, or in the database's `plugins` setting); a class with no code at all is skipped
 * ("Ability not defined"). Without a database, classes of optional plugins are uncertain.
 */
export async function expectedAbilities(
  install: AtomInstall,
  db: Queryable | undefined,
  dbError?: string,
): Promise<ExpectedAbilities> {
  const classes = jobClassesOf(install.worker.workerTypes)
  const [plugins, located] = await Promise.all([
    enabledPlugins(install.realRoot, db, dbError),
    locateClasses(install.realRoot, classes),
  ])
  const out: ExpectedAbilities = {expected: [], skipped: [], uncertain: [], plugins, codeInspected: located.inspected}
  for (const jobClass of classes) {
    const home = located.homes.get(jobClass)
    if (!located.inspected || home?.kind === 'core') out.expected.push(jobClass)
    else if (!home)
      out.skipped.push({
        jobClass,
        reason: `no ${jobClass}.class.php under lib/ or an enabled plugin: the worker logs "Ability not defined"`,
      })
    else if (plugins.names.has(home.plugin)) out.expected.push(jobClass)
    else if (plugins.settingError === undefined) {
      out.skipped.push({jobClass, reason: `plugin ${home.plugin} is not enabled, no worker expected`})
    } else {
      out.uncertain.push({
        jobClass,
        reason: `plugin ${home.plugin} may be enabled: its setting could not be read (${plugins.settingError})`,
      })
    }
  }

  return out
}
