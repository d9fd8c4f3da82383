import type {ResolvedConfig} from '../config/resolve.js'

import {isInstallFunction} from '../atom/facts.js'
import {splitFunctionName} from '../atom/prefix.js'
import {loadProfileInstalls} from '../settings/installs.js'

export type Owner = 'current' | 'profile' | 'unknown' | 'none'

/** A Gearman function name told apart: which AtoM install it belongs to and which job class it runs. */
export interface DecodedFunction {
  function: string
  /** current: this install; profile: another configured install; unknown: a prefix atom-ops cannot place; none: no AtoM prefix. */
  owner: Owner
  /** For humans: "this install", the profile's name, "unknown prefix" or "no prefix". */
  install: string
  profile?: string
  prefix?: string
  jobClass: string
}

/** Knows the prefixes of this install and of every configured profile whose install can be read. */
export class FunctionDecoder {
  private readonly cache = new Map<string, DecodedFunction>()

  constructor(
    readonly currentPrefix: string | undefined,
    /** prefix -> profile name */
    readonly profilePrefixes: Map<string, string> = new Map(),
  ) {}

  decode(name: string): DecodedFunction {
    const hit = this.cache.get(name)
    if (hit) return hit
    const {prefix, jobClass} = splitFunctionName(name)
    let decoded: DecodedFunction
    if (!prefix) decoded = {function: name, owner: 'none', install: 'no prefix', jobClass}
    else if (prefix === this.currentPrefix)
      decoded = {function: name, owner: 'current', install: 'this install', prefix, jobClass}
    else if (this.profilePrefixes.has(prefix)) {
      const profile = this.profilePrefixes.get(prefix)!
      decoded = {function: name, owner: 'profile', install: `profile ${profile}`, profile, prefix, jobClass}
    } else decoded = {function: name, owner: 'unknown', install: 'unknown prefix', prefix, jobClass}
    this.cache.set(name, decoded)
    return decoded
  }

  isCurrent(name: string): boolean {
    return this.currentPrefix !== undefined && isInstallFunction(name, this.currentPrefix)
  }
}

/**
 * The decoder for a resolved configuration: the current install's prefix plus, for every profile in
 * atom-ops' config file, md5(realpath(atom_root) . workers_key). A profile whose install cannot be read
 * is left out (its functions show as "unknown prefix") and named in `skipped`.
 */
export async function loadDecoder(cfg: ResolvedConfig): Promise<{decoder: FunctionDecoder; skipped: string[]}> {
  const {installs, skipped} = await loadProfileInstalls(cfg.settingsFile)
  const profilePrefixes = new Map<string, string>()
  for (const p of installs) {
    if (p.prefix !== cfg.prefix?.value && !profilePrefixes.has(p.prefix)) profilePrefixes.set(p.prefix, p.name)
  }

  return {decoder: new FunctionDecoder(cfg.prefix?.value, profilePrefixes), skipped}
}
