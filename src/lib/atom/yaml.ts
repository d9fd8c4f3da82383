import {ConfigError} from '../errors.js'

/**
 * How far aliases (`*name`) may expand, in the `yaml` package's own count (uses of an anchor times the
 * aliases inside it). Configuration files use few or none; 100 (the package's default, stated here so that it stays)
 * lets a hand-written file reuse a few blocks and refuses a "billion laughs" document at its first
 * levels, long before the expansion grows. The text itself is bounded when read (MAX_CONFIG_FILE_BYTES).
 */
const MAX_YAML_ALIAS_COUNT = 100

/** Parses a Symfony YAML file to plain data; a syntax error is a ConfigError naming the file and line. */
export async function parseYamlFile(text: string, file: string): Promise<unknown> {
  const YAML = await import('yaml')
  try {
    return YAML.parse(text, {prettyErrors: true, uniqueKeys: false, maxAliasCount: MAX_YAML_ALIAS_COUNT}) ?? {}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (message.startsWith('Excessive alias count')) {
      throw new ConfigError(
        `${file}: its YAML aliases (*name) expand too far to be read, as in a "billion laughs" document`,
        'Write the values out instead of nesting aliases (*name) inside aliased blocks.',
      )
    }

    throw new ConfigError(
      `${file} is not valid YAML: ${message.split('\n')[0]}`,
      'Fix the indentation or quoting on that line.',
    )
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
