import {discoverInstalls, type Discovery, discoveryPlaces, type FoundInstall} from '../discover/installs.js'
import {UsageError} from '../errors.js'
import {settingsFilePath} from './paths.js'
import {
  isProfileName,
  planProfiles,
  type ProfileEntry,
  type ProfilesPlan,
  proposeProfileName,
  writeProfiles,
} from './write.js'

export interface ConfigInitOptions {
  /** Only this install (no search; its worker is still looked up). */
  root?: string
  /** The profile's name; with several installs found, the one whose proposed name it is. */
  name?: string
  /** Instead of ATOM_OPS_SEARCH_PATHS or the usual places. */
  searchPaths?: string[]
  /** Replace a profile of the same name that differs. */
  force: boolean
}

export type InitInstall = FoundInstall & {
  /** The profile written for it; null when none is (not installed yet, or not chosen with --name). */
  profile: string | null
}

export interface ConfigInitPlan {
  settingsFile: string
  discovery: Omit<Discovery, 'installs'> & {installs: InitInstall[]}
  /** Null when there is no install to write a profile for. */
  profiles: ProfilesPlan | null
}

/**
 * What `config init` found and would write: every install found (one profile each, named after its
 * directory), or the one --root names, or the one --name picks; the profile file's new text. Writes
 * nothing: applyConfigInit does, once confirmed.
 */
export async function planConfigInit(
  options: ConfigInitOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigInitPlan> {
  if (options.name !== undefined && !isProfileName(options.name))
    throw new UsageError(
      `--name "${options.name}" is not a profile name`,
      'Use letters, digits, dot, dash and underscore (at most 64).',
    )
  const settingsFile = settingsFilePath(env)
  const discovery = await discoverInstalls(discoveryPlaces(options.searchPaths, env), {root: options.root})
  const taken = new Set<string>()
  const proposed = discovery.installs.map((install) => ({
    install,
    name: install.installed ? proposeProfileName(install.root, taken) : null,
  }))
  const chosen = chooseInstalls(proposed, options)
  const installs: InitInstall[] = proposed.map(({install}) => ({...install, profile: chosen.get(install) ?? null}))
  const entries: ProfileEntry[] = installs
    .filter((i) => i.profile !== null)
    .map((i) => ({
      name: i.profile!,
      atomRoot: i.root,
      manager: i.service?.manager,
      unit: i.service?.unit,
      supervisorConfig: i.service?.supervisorConfig ?? undefined,
    }))
  const profiles =
    entries.length > 0
      ? await planProfiles(entries, {
          path: settingsFile,
          force: options.force,
          skipKnownRoots: options.name === undefined,
        })
      : null
  return {settingsFile, discovery: {...discovery, installs}, profiles}
}

/** Which install gets which profile name. */
function chooseInstalls(
  proposed: Array<{install: FoundInstall; name: string | null}>,
  options: ConfigInitOptions,
): Map<FoundInstall, string> {
  const usable = proposed.filter((p): p is {install: FoundInstall; name: string} => p.name !== null)
  const {name} = options
  if (name === undefined) return new Map(usable.map((p) => [p.install, p.name]))
  const match = usable.find((p) => p.name === name)
  if (match) return new Map([[match.install, name]])
  if (usable.length === 1) return new Map([[usable[0].install, name]])
  if (usable.length === 0) return new Map()
  throw new UsageError(
    `--name ${name}: ${usable.length} installs were found and none would be named so`,
    `Their names: ${usable.map((p) => `${p.name} (${p.install.root})`).join(', ')}. Or name one: --root DIR --name ${name}`,
  )
}

/** Writes the planned profile file (the old one backed up first). */
export async function applyConfigInit(plan: ConfigInitPlan): Promise<{backup: string | null}> {
  if (!plan.profiles?.changed) return {backup: null}
  return writeProfiles(plan.profiles)
}

/** What config init did: its plan, whether it wrote the file, and the copy of the old one. */
export type ConfigInitResult = ConfigInitPlan & {
  dryRun: boolean
  written: boolean
  /** The old profile file's copy, when it was changed. */
  backup: string | null
}
