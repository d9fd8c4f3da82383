import {readAtomInstall, readDatabaseSettings, targetFromAtom} from '../atom/install.js'
import {functionPrefix} from '../atom/prefix.js'
import {describeTarget, parseDatabaseUrl} from '../db/target.js'
import {loadSettingsFile} from './profiles.js'

export interface ProfileInstall {
  name: string
  prefix: string
  realRoot: string
  /** user@host/db (no password), when asked for: one prefix with two databases is two installs sharing workers. */
  database?: string
}

/**
 * Every profile's install as far as it can be read: md5(realpath(atom_root) . workers_key), and its
 * database when `withDatabase` (config.php is read only then). Profiles without an atom_root or whose
 * files cannot be read are named in `skipped`.
 */
export async function loadProfileInstalls(
  settingsFile?: string,
  options: {withDatabase?: boolean} = {},
): Promise<{installs: ProfileInstall[]; skipped: string[]}> {
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
        const prefix = functionPrefix(install.realRoot, profile.workersKey ?? install.web.workersKey)
        let database: string | undefined
        if (options.withDatabase) {
          const target = profile.db
            ? parseDatabaseUrl(profile.db, `profile ${profile.name}`, 'config')
            : targetFromAtom(await readDatabaseSettings(install.configPhp))
          database = describeTarget(target)
        }

        return {name: profile.name, prefix, realRoot: install.realRoot, database}
      } catch {
        skipped.push(profile.name)
        return undefined
      }
    }),
  )
  return {installs: found.filter((f): f is ProfileInstall => f !== undefined), skipped: skipped.sort()}
}
