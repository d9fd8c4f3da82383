import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {AtomSide} from './install.js'

import {readOptionalConfigFile} from '../util/files.js'
import {isKnownZone} from './clock.js'

/** Where Debian and Ubuntu keep PHP's configuration, one folder per version (8.2/fpm/php.ini, 8.2/cli/conf.d/...). */
export const PHP_CONFIG_DIR = '/etc/php'

/** PHP's own default when neither the application nor php.ini sets a zone (since PHP 5.4 it never guesses from the system). */
export const PHP_DEFAULT_ZONE = 'UTC'

export interface ZoneFinding {
  zone: string
  /** For `config show`: the file and setting it came from. */
  source: string
}

/** The last `date.timezone = ...` of an ini text (later lines win in PHP), or undefined. */
export function iniTimezone(text: string): string | undefined {
  let zone: string | undefined
  for (const line of text.split('\n')) {
    const m = /^\s*date\.timezone\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s]*))/.exec(line)
    if (m) zone = (m[1] ?? m[2] ?? m[3] ?? '').trim() || undefined
  }

  return zone
}

const version = (v: string) => v.split('.').map(Number)
function newerFirst(a: string, b: string): number {
  const [x, y] = [version(a), version(b)]
  return (y[0] ?? 0) - (x[0] ?? 0) || (y[1] ?? 0) - (x[1] ?? 0)
}

/**
 * php.ini's date.timezone for one SAPI (fpm serves the web app, cli runs the worker) of the newest PHP
 * version that has one: php.ini, then conf.d/*.ini in name order, as PHP reads them.
 */
export async function phpIniTimezone(
  sapi: 'fpm' | 'cli',
  configDir = process.env.ATOM_OPS_PHP_CONFIG_DIR || PHP_CONFIG_DIR,
): Promise<ZoneFinding | undefined> {
  let versions: string[]
  try {
    versions = (await readdir(configDir)).filter((v) => /^\d+\.\d+$/.test(v)).sort(newerFirst)
  } catch {
    return undefined
  }

  for (const v of versions) {
    const dir = join(configDir, v, sapi)
    let extra: string[] = []
    try {
      extra = (await readdir(join(dir, 'conf.d'))).filter((f) => f.endsWith('.ini')).sort()
    } catch {
      // no conf.d
    }

    let found: ZoneFinding | undefined
    let any = false
    for (const file of [join(dir, 'php.ini'), ...extra.map((f) => join(dir, 'conf.d', f))]) {
      let text: string | undefined
      try {
        text = await readOptionalConfigFile(file, 'php.ini')
      } catch {
        continue
      }

      if (text === undefined) continue
      any = true
      const zone = iniTimezone(text)
      if (zone) found = {zone, source: `${file} (date.timezone)`}
    }

    if (any) return found
  }

  return undefined
}

/**
 * AtoM's timezone as PHP resolves it for the web app: settings.yml's default_timezone, else php.ini's
 * date.timezone (php-fpm's, else php-cli's), else UTC. A zone Node does not know is reported, not used.
 */
export async function atomTimezone(web: AtomSide): Promise<ZoneFinding & {problem?: string}> {
  if (web.timezone) {
    const at = web.origins.timezone
      ? `${web.origins.timezone.file} (${web.origins.timezone.section}: .settings.default_timezone)`
      : 'settings.yml'
    if (isKnownZone(web.timezone)) return {zone: web.timezone, source: at}
    return {
      zone: PHP_DEFAULT_ZONE,
      source: `${at} names an unknown zone "${web.timezone}"; PHP falls back to UTC`,
      problem: `unknown timezone "${web.timezone}"`,
    }
  }

  for (const sapi of ['fpm', 'cli'] as const) {
    const found = await phpIniTimezone(sapi)
    if (found && isKnownZone(found.zone)) return found
  }

  return {zone: PHP_DEFAULT_ZONE, source: "PHP's default: neither settings.yml nor php.ini sets a timezone"}
}
