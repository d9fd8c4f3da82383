import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {Queryable} from '../db/database.js'

import {AtomOpsError} from '../errors.js'
import {readOptionalConfigFile} from '../util/files.js'
import {parsePhpProgram, type PhpNode} from './php-array.js'

/**
 * The plugins AtoM 2.x's ProjectConfiguration::setup() enables on every install, used only when that
 * file cannot be read (a fixture, an unusual layout): the names of a stock release.
 */
export const STOCK_ALWAYS_ON_PLUGINS = [
  'qbAclPlugin',
  'qtAccessionPlugin',
  'sfDrupalPlugin',
  'sfHistoryPlugin',
  'arElasticSearchPlugin',
  'sfPropelPlugin',
  'sfThumbnailPlugin',
  'sfTranslatePlugin',
  'sfWebBrowserPlugin',
  'sfPluginAdminPlugin',
]

export interface AlwaysOnPlugins {
  names: string[]
  /** config/ProjectConfiguration.class.php, or how the names were found. */
  source: string
}

/** Every string literal of an array literal (one level), in order. */
function stringItems(node: PhpNode | undefined): string[] | undefined {
  if (!node || node.kind !== 'array') return undefined
  return (node.items as PhpNode[]).flatMap((item) => {
    const v = item.value as PhpNode | undefined
    return v?.kind === 'string' ? [String(v.value)] : []
  })
}

/** Walks a syntax tree depth-first. */
function* walk(node: unknown): Generator<PhpNode> {
  if (Array.isArray(node)) {
    for (const n of node) yield* walk(n)
  } else if (node && typeof node === 'object' && typeof (node as PhpNode).kind === 'string') {
    yield node as PhpNode
    for (const [key, value] of Object.entries(node))
      if (key !== 'loc' && value && typeof value === 'object') yield* walk(value)
  }
}

/**
 * The plugins ProjectConfiguration::setup() enables: the arguments of `$this->enablePlugins(...)`,
 * an array literal or a variable assigned one in the same method. Parsed, never run.
 */
export async function readAlwaysOnPlugins(realRoot: string): Promise<AlwaysOnPlugins> {
  const file = join(realRoot, 'config', 'ProjectConfiguration.class.php')
  const fallback = {names: STOCK_ALWAYS_ON_PLUGINS, source: `a stock AtoM release (${file} could not be read)`}
  let text: string | undefined
  try {
    text = await readOptionalConfigFile(file, "AtoM's ProjectConfiguration")
  } catch {
    return fallback
  }

  if (text === undefined) return fallback
  let program: PhpNode
  try {
    program = await parsePhpProgram(text, file)
  } catch {
    return fallback
  }

  const assigned = new Map<string, string[]>()
  const names: string[] = []
  let found = false
  for (const node of walk(program)) {
    if (node.kind === 'assign' && (node.left as PhpNode).kind === 'variable') {
      const items = stringItems(node.right as PhpNode)
      if (items) assigned.set(String((node.left as PhpNode).name), items)
    }

    if (
      node.kind === 'call' &&
      (node.what as PhpNode).kind === 'propertylookup' &&
      ((node.what as PhpNode).offset as PhpNode).name === 'enablePlugins'
    ) {
      found = true
      for (const arg of node.arguments as PhpNode[]) {
        if (arg.kind === 'string') names.push(String(arg.value))
        else if (arg.kind === 'variable') names.push(...(assigned.get(String(arg.name)) ?? []))
        else names.push(...(stringItems(arg) ?? []))
      }
    }
  }

  return found ? {names, source: file} : fallback
}

/** Plugin directories on disk (`*Plugin` under plugins/ and symfony's own), by name, as symfony finds them. */
export async function pluginDirectories(realRoot: string): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for (const base of [join(realRoot, 'vendor', 'symfony', 'lib', 'plugins'), join(realRoot, 'plugins')]) {
    let entries
    try {
      entries = await readdir(base, {withFileTypes: true})
    } catch {
      continue
    }

    for (const e of entries)
      if ((e.isDirectory() || e.isSymbolicLink()) && e.name.endsWith('Plugin')) found.set(e.name, join(base, e.name))
  }

  return found
}

/** A PHP-serialized list of plugin names (setting `plugins`), read with a parser; null when it is not one. */
export async function parsePluginSetting(value: string): Promise<string[] | null> {
  const {unserialize} = await import('php-serialize')
  let parsed: unknown
  try {
    // strict: an object of any class is refused, never instantiated.
    parsed = unserialize(value, {}, {strict: true})
  } catch {
    return null
  }

  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? Object.values(parsed) : null
  if (!list || !list.every((v) => typeof v === 'string')) return null
  return list as string[]
}

export interface EnabledPlugins {
  /** Plugin names enabled on this install (always-on plus the `plugins` setting), those on disk. */
  names: Set<string>
  alwaysOn: AlwaysOnPlugins
  /** From the database's `plugins` setting; undefined when it could not be read (and why). */
  fromSetting?: string[]
  settingError?: string
}

/**
 * The plugins AtoM enables: ProjectConfiguration's always-on list plus the `plugins` setting (a
 * PHP-serialized array in setting_i18n.value, source culture), minus names with no directory on disk
 * (sfPluginAdminPluginConfiguration ignores those).
 */
export async function enabledPlugins(
  realRoot: string,
  db: Queryable | undefined,
  dbError?: string,
): Promise<EnabledPlugins> {
  const [alwaysOn, onDisk] = await Promise.all([readAlwaysOnPlugins(realRoot), pluginDirectories(realRoot)])
  const names = new Set(alwaysOn.names)
  if (!db) return {names, alwaysOn, settingError: dbError ?? 'no database'}
  let rows: Array<{value: string | null}>
  try {
    rows = await db.rows<{value: string | null}>(
      `SELECT si.value FROM setting s JOIN setting_i18n si ON si.id = s.id AND si.culture = s.source_culture WHERE s.name = 'plugins'`,
    )
  } catch (error) {
    return {names, alwaysOn, settingError: error instanceof AtomOpsError ? error.message : String(error)}
  }

  if (rows.length !== 1 || rows[0].value === null) return {names, alwaysOn, fromSetting: []}
  const fromSetting = await parsePluginSetting(rows[0].value)
  if (fromSetting === null)
    return {names, alwaysOn, settingError: 'the "plugins" setting is not a serialized list of names'}
  for (const name of fromSetting) if (onDisk.has(name)) names.add(name)
  return {names, alwaysOn, fromSetting}
}

/** Where the code of a job class lives: AtoM's own lib/, or a plugin's lib/. */
export type ClassHome = {kind: 'core'; file: string} | {kind: 'plugin'; plugin: string; file: string}

const MAX_ENTRIES = 50_000

/**
 * Finds `<Class>.class.php` (or `<Class>.php`) for each class under lib/ and apps/qubit/lib/ (core)
 * and plugins/<P>/lib/ (plugin P), as symfony's autoloader would. `inspected` is false when the
 * install has no lib/ at all: nothing can then be said about which classes load.
 */
export async function locateClasses(
  realRoot: string,
  classes: string[],
): Promise<{inspected: boolean; homes: Map<string, ClassHome>}> {
  const wanted = new Map<string, string>()
  for (const c of classes) {
    wanted.set(`${c}.class.php`, c)
    wanted.set(`${c}.php`, c)
  }

  const homes = new Map<string, ClassHome>()
  let seen = 0
  const scan = async (dir: string, home: (file: string) => ClassHome, depth: number): Promise<boolean> => {
    let entries
    try {
      entries = await readdir(dir, {withFileTypes: true})
    } catch {
      return false
    }

    for (const e of entries) {
      if (++seen > MAX_ENTRIES) return true
      const path = join(dir, e.name)
      if (e.isDirectory() && depth < 8) await scan(path, home, depth + 1)
      else if (e.isFile()) {
        const c = wanted.get(e.name)
        if (c && !homes.has(c)) homes.set(c, home(path))
      }
    }

    return true
  }

  const inspected = await scan(join(realRoot, 'lib'), (file) => ({kind: 'core', file}), 0)
  await scan(join(realRoot, 'apps', 'qubit', 'lib'), (file) => ({kind: 'core', file}), 0)
  for (const [plugin, dir] of await pluginDirectories(realRoot)) {
    await scan(join(dir, 'lib'), (file) => ({kind: 'plugin', plugin, file}), 0)
  }

  return {inspected, homes}
}
