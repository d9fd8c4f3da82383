import {constants} from 'node:fs'
import {copyFile, mkdir, open, realpath, rename, stat, unlink} from 'node:fs/promises'
import {basename, dirname, resolve} from 'node:path'

import type {ManagerKind} from '../service/types.js'

import {describeError, OperationError} from '../errors.js'
import {readOptionalConfigFile} from '../util/files.js'
import {loadSettingsFile, type Profile, PROFILE_KEYS} from './profiles.js'

/** What `config init` writes for one install: where it is and what runs its worker; the rest is read from the install each time. */
export interface ProfileEntry {
  name: string
  atomRoot: string
  manager?: ManagerKind
  unit?: string
  supervisorConfig?: string
}

/** add: a new profile; replace: one of that name differs (--force); conflict: it differs, no --force; unchanged: the same is there; known: another profile has this root. */
export type ProfileAction = 'add' | 'replace' | 'conflict' | 'unchanged' | 'known'

export interface ProfileChange {
  name: string
  action: ProfileAction
  entry: ProfileEntry
  /** replace, conflict, known: the profile already in the file, as read. */
  existing?: {name: string; settings: Record<string, unknown>}
}

export interface ProfilesPlan {
  path: string
  exists: boolean
  changes: ProfileChange[]
  /** The whole file as it would be written. */
  text: string
  /** The default profile after writing: set when the file names none and would hold exactly one profile. */
  defaultProfile: string | null
  /** Writing would change the file. */
  changed: boolean
}

const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/
/** Directory names that say nothing about the install: the parent's name goes first. */
const GENERIC_NAMES = new Set(['app', 'current', 'htdocs', 'html', 'public', 'src', 'web', 'www'])

/** A profile name from a root's directory name (`/usr/share/nginx/atom` → atom), made unique among `taken`. */
export function proposeProfileName(root: string, taken: Set<string>): string {
  const clean = (s: string) => s.replaceAll(/[^A-Za-z0-9_.-]+/g, '-').replaceAll(/^[-.]+|-+$/g, '')
  const base = basename(root)
  const parent = clean(basename(dirname(root)))
  let name = clean(GENERIC_NAMES.has(base) && parent ? `${parent}-${base}` : base).slice(0, 60) || 'atom'
  if (taken.has(name) && parent) name = clean(`${parent}-${name}`).slice(0, 60)
  let unique = name
  for (let n = 2; taken.has(unique); n++) unique = `${name}-${n}`
  taken.add(unique)
  return unique
}

export function isProfileName(name: string): boolean {
  return PROFILE_NAME.test(name)
}

const FIELD_KEY = Object.fromEntries(Object.entries(PROFILE_KEYS).map(([key, field]) => [field, key])) as Record<
  keyof Profile,
  string
>

/** The profile as it is written in the file, keys in a fixed order. */
function settingsOf(entry: ProfileEntry): Record<string, string> {
  const out: Record<string, string> = {[FIELD_KEY.atomRoot]: entry.atomRoot}
  if (entry.manager) out[FIELD_KEY.manager] = entry.manager
  if (entry.unit) out[FIELD_KEY.unit] = entry.unit
  if (entry.supervisorConfig) out[FIELD_KEY.supervisorConfig] = entry.supervisorConfig
  return out
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true
  try {
    return (await realpath(a)) === (await realpath(b))
  } catch {
    return false
  }
}

function sameProfile(existing: Profile, entry: ProfileEntry): boolean {
  return (
    existing.atomRoot !== undefined &&
    resolve(existing.atomRoot) === resolve(entry.atomRoot) &&
    existing.manager === entry.manager &&
    existing.unit === entry.unit &&
    existing.supervisorConfig === entry.supervisorConfig
  )
}

/**
 * What writing these profiles into atom-ops' config file would do, and the file's new text. The file
 * is edited, not rewritten: its other profiles, settings and comments stay. A profile of the same
 * name that differs is a conflict unless `force`; with `skipKnownRoots`, an install another profile
 * already names is left as it is (known).
 */
export async function planProfiles(
  entries: ProfileEntry[],
  options: {path: string; force: boolean; skipKnownRoots: boolean},
): Promise<ProfilesPlan> {
  const current = await loadSettingsFile(options.path)
  const text = (await readOptionalConfigFile(options.path, "atom-ops' config file")) ?? ''
  const YAML = await import('yaml')
  const fresh = text.trim() === ''
  const doc = fresh ? new YAML.Document({}) : YAML.parseDocument(text, {uniqueKeys: false})
  if (fresh) doc.commentBefore = ' atom-ops profiles (see README.md, "Profiles"); written by atom-ops config init'
  // `profiles:` left empty (null) or `profiles: {}`: a block map to add to.
  const profilesNode = doc.get('profiles', true)
  if (!YAML.isMap(profilesNode)) doc.set('profiles', doc.createNode({}))
  else if (profilesNode.items.length === 0) profilesNode.flow = false

  const changes: ProfileChange[] = []
  for (const entry of entries) {
    const existing = current.profiles.get(entry.name)
    const settings = settingsOf(entry)
    if (!existing) {
      const sameRoot = options.skipKnownRoots
        ? await findProfileByRoot([...current.profiles.values()], entry.atomRoot)
        : undefined
      if (sameRoot) {
        changes.push({
          name: entry.name,
          action: 'known',
          entry,
          existing: {name: sameRoot.name, settings: profileSettings(sameRoot)},
        })
        continue
      }

      doc.setIn(['profiles', entry.name], doc.createNode(settings))
      changes.push({name: entry.name, action: 'add', entry})
    } else if (sameProfile(existing, entry)) {
      changes.push({name: entry.name, action: 'unchanged', entry})
    } else {
      changes.push({
        name: entry.name,
        action: options.force ? 'replace' : 'conflict',
        entry,
        existing: {name: existing.name, settings: profileSettings(existing)},
      })
      if (options.force) doc.setIn(['profiles', entry.name], doc.createNode(settings))
    }
  }

  const written = changes.filter((c) => c.action === 'add' || c.action === 'replace')
  let defaultProfile = current.defaultProfile ?? null
  const names = new Set([...current.profiles.keys(), ...written.map((c) => c.name)])
  if (defaultProfile === null && names.size === 1 && written.length === 1) {
    defaultProfile = written[0].name
    // First in the file, where an operator reads first (or where an empty `default:` already is).
    if (doc.has('default')) doc.set('default', defaultProfile)
    else if (YAML.isMap(doc.contents))
      doc.contents.items.unshift(doc.createPair('default', defaultProfile) as (typeof doc.contents.items)[number])
  }

  return {
    path: options.path,
    exists: current.exists,
    changes,
    text: written.length > 0 ? String(doc) : text,
    defaultProfile,
    changed: written.length > 0,
  }
}

function profileSettings(profile: Profile): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, key] of Object.entries(FIELD_KEY)) {
    const value = profile[field as keyof Profile]
    if (value !== undefined && field !== 'name') out[key] = value
  }

  return out
}

async function findProfileByRoot(profiles: Profile[], root: string): Promise<Profile | undefined> {
  for (const p of profiles) if (p.atomRoot !== undefined && (await sameDirectory(p.atomRoot, root))) return p
  return undefined
}

/**
 * Writes the plan's text: the old file copied aside first (`FILE.<time>.bak`, never overwriting a
 * backup), the new one written beside it, synced, read back as atom-ops reads it, then renamed over
 * the old one, so a reader sees the old file or the new one, never half of one. A new file is the
 * owner's only (0600); an existing one keeps its mode.
 */
export async function writeProfiles(plan: ProfilesPlan, now: Date = new Date()): Promise<{backup: string | null}> {
  const fail = (error: unknown, what: string) =>
    new OperationError(
      `could not ${what}: ${describeError(error)}`,
      `Check that ${dirname(plan.path)} is writable by this user, or point ATOM_OPS_CONFIG at another file.`,
    )
  let backup: string | null = null
  let mode = 0o600
  try {
    await mkdir(dirname(plan.path), {recursive: true, mode: 0o700})
  } catch (error) {
    throw fail(error, `create ${dirname(plan.path)}`)
  }

  if (plan.exists) {
    mode = (await stat(plan.path)).mode & 0o777
    backup = `${plan.path}.${now
      .toISOString()
      .replaceAll(/[:]/g, '-')
      .replace(/\.\d+Z$/, 'Z')}.bak`
    try {
      await copyFile(plan.path, backup, constants.COPYFILE_EXCL)
    } catch (error) {
      throw fail(error, `back up ${plan.path} to ${backup}`)
    }
  }

  const temporary = `${plan.path}.${process.pid}.tmp`
  try {
    const handle = await open(temporary, 'wx', mode)
    try {
      await handle.writeFile(plan.text)
      await handle.sync()
    } finally {
      await handle.close()
    }

    // What was written must read back as a valid profile file before it replaces anything.
    await loadSettingsFile(temporary)
    await rename(temporary, plan.path)
  } catch (error) {
    await unlink(temporary).catch(() => undefined)
    throw fail(error, `write ${plan.path}`)
  }

  return {backup}
}
