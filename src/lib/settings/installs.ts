import {readAtomInstall} from '../atom/install.js'
import {functionPrefix} from '../atom/prefix.js'
import {describeTarget, parseDatabaseUrl, targetFromAtom} from '../db/target.js'
import {loadSettingsFile} from './profiles.js'

export interface ProfileInstall {
  name: string
  prefix: string
  realRoot: string
  /** user@host/db (no password): one prefix with two databases is two installs sharing workers. */
  database: string
}

/**
 * Every profile's install as far as it can be read: md5(realpath(atom_root) . workers_key) and its
 * database. Profiles without an atom_root or whose files cannot be read are named in `skipped`.
 */
export async function loadProfileInstalls(settingsFile?: string): Promise<{installs: ProfileInstall[]; skipped: string[]}> {
  let profiles
  try {
    profiles = [...(await loadSettingsFile(settingsFile)).profiles.values()]
  } catch {
    return {installs: [], skipped: []}
  }
  const skipped: string[] = []
  const found = await Promise.all(
    profiles.map(async (profile): Promise<ProfileInstall | undefined> => {
      if (!profile.atomRoot) return undefined
      try {
        const install = await readAtomInstall(profile.atomRoot)
        const target = profile.db ? parseDatabaseUrl(profile.db, `profile ${profile.name}`, 'config') : targetFromAtom(install.database)
        return {name: profile.name, prefix: functionPrefix(install.realRoot, profile.workersKey ?? install.workersKey), realRoot: install.realRoot, database: describeTarget(target)}
      } catch {
        skipped.push(profile.name)
        return undefined
      }
    }),
  )
  return {installs: found.filter((f): f is ProfileInstall => f !== undefined), skipped: skipped.sort()}
}
