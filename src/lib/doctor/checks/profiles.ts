import type {ProfileInstall} from '../../settings/installs.js'
import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {describeTarget} from '../../db/target.js'

/** prefix → profile name, for naming the install a function belongs to. */
export function prefixOwners(installs: ProfileInstall[]): Map<string, string> {
  return new Map(installs.map((p) => [p.prefix, p.name]))
}

/** Two installs with one prefix share their workers: each runs the other's jobs against the wrong database. */
export async function checkSharedPrefix(ctx: DoctorEvidence, installs: ProfileInstall[]): Promise<CheckResult> {
  const base = {id: 'profiles.shared-prefix', title: 'Function prefixes of the profiles'}
  if (installs.length === 0)
    return {...base, status: 'skipped', rank: 99, summary: 'no profiles configured', evidence: []}
  const here = await ctx.config.database.get().then(
    (d) => describeTarget(d.value),
    () => undefined,
  )
  // The current install is never compared with the profile it came from (--db may point it at another
  // database); without a profile, a profile of this very root is this install seen with other settings.
  const current = ctx.config.profile
  const sharing = installs.filter(
    (p) =>
      (current ? p.name !== current : p.realRoot !== ctx.install.realRoot) &&
      p.prefix === ctx.prefix &&
      p.database !== here,
  )
  if (sharing.length === 0)
    return {...base, status: 'ok', rank: 90, summary: `${installs.length} profile(s), no shared prefix`, evidence: []}
  return {
    ...base,
    status: 'critical',
    rank: 18,
    summary: `${current ? `profile "${current}"` : 'this install'} shares prefix ${ctx.prefix} with ${sharing.map((p) => `"${p.name}"`).join(', ')}: their workers take each other's jobs`,
    evidence: [
      `this install's database: ${here ?? 'unknown'}`,
      ...sharing.map((p) => `profile "${p.name}": database ${p.database}`),
      'The prefix is md5(realpath of the root . workers_key)',
    ],
    fix: "Set a different workers_key in each install's config/app.yml, clear the cache (atom-ops cache clear) and restart both workers",
  }
}
