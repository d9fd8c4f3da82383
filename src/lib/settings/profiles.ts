import {isRecord, parseYamlFile} from '../atom/yaml.js'
import {ConfigError} from '../errors.js'
import {managerName} from '../service/types.js'
import {readOptionalConfigFile} from '../util/files.js'
import {type GuardPolicy, parsePolicy} from './guard-policy.js'
import {settingsFilePath} from './paths.js'

/** A named AtoM install, for hosts that run several. Every field is optional and overrides the install's files. */
export interface Profile {
  name: string
  atomRoot?: string
  db?: string
  /** A file whose first line is the password of `db` when its URL has none. */
  dbPasswordFile?: string
  gearman?: string[]
  workersKey?: string
  timeout?: number
  /** AtoM's timezone when its files do not say (or say wrongly). */
  timezone?: string
  hosts?: string[]
  unit?: string
  manager?: string
  supervisorConfig?: string
  /** What `guard run` may do for this install (validated when the file is read). */
  guard?: GuardPolicy
}

export interface SettingsFile {
  path: string
  exists: boolean
  defaultProfile?: string
  profiles: Map<string, Profile>
  /** The file's top-level `guard:`, for runs without a profile and profiles without their own. */
  guard?: GuardPolicy
}

/** Each setting as written in the file, and its field. */
export const PROFILE_KEYS: Record<string, keyof Profile> = {
  atom_root: 'atomRoot',
  db: 'db',
  db_password_file: 'dbPasswordFile',
  gearman: 'gearman',
  workers_key: 'workersKey',
  timeout: 'timeout',
  timezone: 'timezone',
  hosts: 'hosts',
  unit: 'unit',
  manager: 'manager',
  supervisor_config: 'supervisorConfig',
  guard: 'guard',
}

export async function loadSettingsFile(path = settingsFilePath()): Promise<SettingsFile> {
  const text = await readOptionalConfigFile(path, "atom-ops' config file")
  if (text === undefined) return {path, exists: false, profiles: new Map()}
  const doc = await parseYamlFile(text, path)
  if (!isRecord(doc))
    throw new ConfigError(`${path}: expected a map with a "profiles" key`, 'See README.md, "Profiles".')
  const profiles = new Map<string, Profile>()
  const raw = doc.profiles ?? {}
  if (!isRecord(raw))
    throw new ConfigError(`${path}: "profiles" must be a map of name to settings`, 'See README.md, "Profiles".')
  for (const [name, body] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw new ConfigError(
        `${path}: profile name "${name}" is not allowed`,
        'Use letters, digits, dot, dash and underscore.',
      )
    if (!isRecord(body))
      throw new ConfigError(`${path}: profile "${name}" must be a map of settings`, 'See README.md, "Profiles".')
    const profile: Profile = {name}
    for (const [key, value] of Object.entries(body)) {
      const field = PROFILE_KEYS[key]
      if (!field)
        throw new ConfigError(
          `${path}: profile "${name}" has an unknown setting "${key}"`,
          `Known settings: ${Object.keys(PROFILE_KEYS).join(', ')}`,
        )
      if (field === 'guard') {
        // A broken policy is refused by every command, as a mistyped manager is: never found only at 3 a.m.
        profile.guard = parsePolicy(value, `${path}: profile "${name}" guard`)
        continue
      }

      assign(profile, field, value, `${path}: profile "${name}" setting "${key}"`)
    }

    if (profile.dbPasswordFile === '')
      throw new ConfigError(
        `${path}: profile "${name}" setting "db_password_file" is empty`,
        'Give the path of a file holding the password, or remove the line.',
      )
    if (profile.dbPasswordFile !== undefined && profile.db === undefined) {
      throw new ConfigError(
        `${path}: profile "${name}" has db_password_file but no db`,
        'db_password_file holds the password of the db URL: add db: mysql://user@host:3306/atom',
      )
    }

    profiles.set(name, profile)
  }

  const defaultProfile = doc.default === undefined || doc.default === null ? undefined : String(doc.default)
  if (defaultProfile !== undefined && !profiles.has(defaultProfile)) {
    throw new ConfigError(
      `${path}: default profile "${defaultProfile}" is not defined`,
      'Add it under profiles: or remove the default: line.',
    )
  }

  const guard = doc.guard === undefined || doc.guard === null ? undefined : parsePolicy(doc.guard, `${path}: guard`)
  return {path, exists: true, defaultProfile, profiles, guard}
}

function assign(profile: Profile, field: keyof Profile, value: unknown, where: string): void {
  const list = field === 'gearman' || field === 'hosts'
  if (list) {
    const items = Array.isArray(value) ? value : [value]
    if (!items.every((v) => typeof v === 'string' && v.length > 0))
      throw new ConfigError(`${where} must be a string or a list of strings`, 'Example: gearman: [127.0.0.1:4730]')
    ;(profile as unknown as Record<string, unknown>)[field] = items
    return
  }

  if (field === 'timeout') {
    if (typeof value !== 'number' || !(value > 0))
      throw new ConfigError(`${where} must be a positive number of seconds`, 'Example: timeout: 5')
    profile.timeout = value
    return
  }

  // A typo here would otherwise surface only in the worker commands: every command refuses the file.
  if (field === 'manager' && (typeof value !== 'string' || managerName(value) === undefined)) {
    throw new ConfigError(
      `${where} "${String(value)}" is not systemd or supervisor`,
      'Use manager: systemd or manager: supervisor (or leave it out to detect).',
    )
  }

  if (value === null) value = ''
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new ConfigError(`${where} must be a string`, 'Quote the value.')
  ;(profile as unknown as Record<string, unknown>)[field] = String(value)
}

export function selectProfile(settings: SettingsFile, name: string | undefined): Profile | undefined {
  const chosen = name ?? settings.defaultProfile
  if (chosen === undefined) return undefined
  const profile = settings.profiles.get(chosen)
  if (!profile) {
    const known = [...settings.profiles.keys()]
    throw new ConfigError(
      `unknown profile "${chosen}"`,
      known.length > 0
        ? `Known profiles in ${settings.path}: ${known.join(', ')}`
        : `No profiles are defined; add one to ${settings.path}.`,
    )
  }

  return profile
}
