import {readAtomInstall} from '../../atom/install.js'
import {functionPrefix} from '../../atom/prefix.js'
import {describeTarget, parseDatabaseUrl, targetFromAtom} from '../../db/target.js'
import {loadSettingsFile} from '../../settings/profiles.js'
import type {DoctorContext} from '../context.js'
import type {CheckResult} from '../types.js'

export interface ProfileInstall {
  prefix: string
  /** user@host/db: two profiles with one prefix but different databases are two installs sharing workers. */
  database: string
}

/** Each configured profile's prefix and database (profiles whose install cannot be read are left out). */
export async function profileInstalls(): Promise<Map<string, ProfileInstall>> {
  const out = new Map<string, ProfileInstall>()
  let settings
  try {
    settings = await loadSettingsFile()
  } catch {
    return out
  }
  await Promise.all(
    [...settings.profiles.values()].map(async (profile) => {
      if (!profile.atomRoot) return
      try {
        const install = await readAtomInstall(profile.atomRoot)
        const target = profile.db ? parseDatabaseUrl(profile.db, `profile ${profile.name}`, 'config') : targetFromAtom(install.database)
        out.set(profile.name, {prefix: functionPrefix(install.realRoot, profile.workersKey ?? install.workersKey), database: describeTarget(target)})
      } catch {
        // an unreadable profile is reported when it is used, not here
      }
    }),
  )
  return out
}

/** prefix → profile name, for naming the install a function belongs to. */
export function prefixOwners(installs: Map<string, ProfileInstall>): Map<string, string> {
  return new Map([...installs.entries()].map(([name, p]) => [p.prefix, name]))
}

/** Two installs with one prefix share their workers: each runs the other's jobs against the wrong database. */
export async function checkSharedPrefix(ctx: DoctorContext, installs: Map<string, ProfileInstall>): Promise<CheckResult> {
  const base = {id: 'profiles.shared-prefix', title: 'Each install has its own function prefix'}
  if (installs.size === 0) return {...base, status: 'skipped', rank: 99, summary: 'no profiles configured', evidence: []}
  const here = ctx.config.database ? describeTarget(ctx.config.database.value) : ''
  const sharing = [...installs.entries()].filter(([, p]) => p.prefix === ctx.prefix && p.database !== here)
  if (sharing.length === 0) return {...base, status: 'ok', rank: 90, summary: `${installs.size} profile(s), no shared prefix`, evidence: []}
  const current = ctx.config.profile
  return {
    ...base,
    status: 'critical',
    rank: 18,
    summary: `${current ? `profile "${current}"` : 'this install'} shares prefix ${ctx.prefix} with ${sharing.map(([n]) => `"${n}"`).join(', ')}: their workers take each other's jobs`,
    evidence: [`this install's database: ${here}`, ...sharing.map(([n, p]) => `profile "${n}": database ${p.database}`), 'The prefix is md5(realpath of the root . workers_key)'],
    fix: "Set a different workers_key in each install's config/app.yml, clear the cache (atom-ops cache clear) and restart both workers",
  }
}
