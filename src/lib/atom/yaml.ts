import {ConfigError} from '../errors.js'

/** Parses a Symfony YAML file to plain data; a syntax error is a ConfigError naming the file and line. */
export async function parseYamlFile(text: string, file: string): Promise<unknown> {
  const YAML = await import('yaml')
  try {
    return YAML.parse(text, {prettyErrors: true, uniqueKeys: false}) ?? {}
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]
    throw new ConfigError(`${file} is not valid YAML: ${first}`, 'Fix the indentation or quoting on that line.')
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Symfony's per-environment files: the `all` section overlaid with the environment's own (prod for the web app). */
export function environmentSection(doc: unknown, environment: string, file: string): Record<string, unknown> {
  if (!isRecord(doc)) throw new ConfigError(`${file}: expected a map of environments (all:, prod:), found ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`, 'Compare it with the file the AtoM release ships.')
  const all = isRecord(doc.all) ? doc.all : {}
  const env = isRecord(doc[environment]) ? (doc[environment] as Record<string, unknown>) : {}
  return deepMerge(all, env)
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {...base}
  for (const [k, v] of Object.entries(over)) {
    out[k] = isRecord(v) && isRecord(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v
  }
  return out
}
