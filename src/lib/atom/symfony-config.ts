import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import {readOptionalConfigFile} from '../util/files.js'
import {isRecord, parseYamlFile} from './yaml.js'

/**
 * The symfony 1.4 environments AtoM runs in: the web app in `prod`, `php symfony jobs:worker` in
 * `worker`, other CLI tasks in `cli`. Each sees its own flattening of the same files.
 */
export type SymfonyEnvironment = 'prod' | 'worker' | 'cli'

/** Where an effective value came from: the file and the section (`all`, `prod`, ...) that set it last. */
export interface ConfigOrigin {
  file: string
  section: string
}

/** A YAML document as symfony keeps it: nested PHP arrays (maps and lists). */
type Doc = Record<string, unknown>

/**
 * PHP's sfToolkit::arrayDeepMerge: keys of `base` first, then the new keys of `over`; where both hold
 * arrays (maps or lists, which PHP does not tell apart) they merge key by key, list items by index;
 * otherwise `over` wins, null included.
 */
export function phpDeepMerge(base: unknown, over: unknown): unknown {
  if (!isPhpArray(base) || !isPhpArray(over)) return over
  const a = entries(base)
  const b = entries(over)
  const out = new Map<string, unknown>(a)
  for (const [k, v] of b) out.set(k, a.has(k) && isPhpArray(a.get(k)) && isPhpArray(v) ? phpDeepMerge(a.get(k), v) : v)
  // A list merged with a list stays a list when its keys are still 0..n-1.
  if (Array.isArray(base) && Array.isArray(over)) return [...out.values()]
  return Object.fromEntries(out)
}

function isPhpArray(v: unknown): v is unknown[] | Doc {
  return Array.isArray(v) || isRecord(v)
}

function entries(v: unknown[] | Doc): Map<string, unknown> {
  return new Map(Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v))
}

function has(doc: unknown, path: string[]): boolean {
  let v = doc
  for (const key of path) {
    if (!isPhpArray(v)) return false
    const m = entries(v)
    if (!m.has(key)) return false
    v = m.get(key)
  }

  return true
}

interface Layer {
  file: string
  /** The file's top-level sections (environments), null sections dropped as symfony does. */
  sections: Doc
}

/**
 * One configuration file (gearman.yml, app.yml, settings.yml) as symfony 1.4 reads it for one
 * environment: every layer (enabled plugins' config, the project's config/, the application's
 * apps/qubit/config/) deep-merged in that order, later winning, then `default`, `all` and the
 * environment's section merged into one.
 */
export class CascadedConfig {
  readonly value: Doc

  constructor(
    readonly name: string,
    readonly environment: SymfonyEnvironment,
    private readonly layers: Layer[],
  ) {
    let merged: unknown = {}
    for (const layer of layers) merged = phpDeepMerge(merged, layer.sections)
    const doc = merged as Doc
    const section = (s: string) => (isRecord(doc[s]) ? doc[s] : {})
    this.value = phpDeepMerge(phpDeepMerge(section('default'), section('all')), section(environment)) as Doc
  }

  /** The files read, in merge order. */
  get files(): string[] {
    return this.layers.map((l) => l.file)
  }

  /** The file and section that decided the value at this path (the environment's section beats `all`, a later file an earlier one). */
  origin(path: string[]): ConfigOrigin | undefined {
    for (const section of [this.environment, 'all', 'default']) {
      for (let i = this.layers.length - 1; i >= 0; i--) {
        if (has(this.layers[i].sections[section], path)) return {file: this.layers[i].file, section}
      }
    }

    return undefined
  }
}

/**
 * The layers of `config/<name>` for an install, in symfony's order (sfApplicationConfiguration::
 * getConfigPaths): each enabled plugin's config/, the project's config/, then apps/qubit/config/.
 */
export function configLayerPaths(realRoot: string, name: string, pluginDirs: string[]): string[] {
  return [
    ...pluginDirs.map((dir) => join(dir, 'config', name)),
    join(realRoot, 'config', name),
    join(realRoot, 'apps', 'qubit', 'config', name),
  ]
}

/** Reads the layers that exist (a missing file is simply not a layer) and parses each; never executes PHP inside them. */
export async function readLayers(paths: string[], what: string): Promise<Layer[]> {
  const layers: Layer[] = []
  for (const file of paths) {
    const text = await readOptionalConfigFile(file, what)
    if (text === undefined) continue
    const doc = await parseYamlFile(text, file)
    if (!isRecord(doc)) {
      throw new ConfigError(
        `${file}: expected a map of environments (all:, prod:), found ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`,
        'Compare it with the file the AtoM release ships.',
      )
    }

    const sections: Doc = {}
    for (const [env, value] of Object.entries(doc)) if (value !== null && value !== undefined) sections[env] = value
    layers.push({file, sections})
  }

  return layers
}

/** One file's cascade, flattened for each environment asked for, from one read of the files. */
export async function readCascade<E extends SymfonyEnvironment>(
  realRoot: string,
  name: string,
  environments: E[],
  pluginDirs: string[] = [],
): Promise<Record<E, CascadedConfig>> {
  const layers = await readLayers(configLayerPaths(realRoot, name, pluginDirs), `AtoM's ${name}`)
  return Object.fromEntries(environments.map((env) => [env, new CascadedConfig(name, env, layers)])) as Record<
    E,
    CascadedConfig
  >
}
