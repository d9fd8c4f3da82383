import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {describeError} from '../../errors.js'
import {stalledSummary} from '../../jobs/stalled.js'

/**
 * Zombie and blocked in-progress rows (`jobs stalled`'s classification): a zombie move or file import
 * blocks every later one. Also measures the zombies and the oldest in-progress age for the metrics.
 */
export async function checkStalledJobs(ctx: DoctorEvidence): Promise<CheckResult> {
  const base = {id: 'jobs.stalled', title: 'Zombie and blocked jobs'}
  let db
  try {
    db = await ctx.database()
  } catch (error) {
    return {...base, status: 'unknown', rank: 95, summary: `cannot tell: ${describeError(error)}`, evidence: []}
  }

  const {inProgress, oldestInProgressSeconds, zombies, blocked} = await stalledSummary(db, await ctx.clock(), {
    servers: ctx.servers,
    prefix: ctx.prefix,
    timeoutMs: ctx.timeoutMs,
  })
  const metrics = {zombies: zombies.length, oldestInProgressSeconds}
  if (zombies.length === 0 && blocked.length === 0) {
    return {
      ...base,
      status: 'ok',
      rank: 90,
      summary: `${inProgress} job(s) in progress, none stalled without a Gearman job behind it`,
      evidence: [],
      metrics,
    }
  }

  const evidence = [...zombies, ...blocked]
    .slice(0, 10)
    .map((j) => `#${j.id} ${j.name ?? ''} (${j.state}, ${Math.round(j.ageSeconds / 60)} min): ${j.reason}`)
  return {
    ...base,
    status: 'critical',
    rank: 50,
    summary: `${zombies.length} zombie and ${blocked.length} blocked in-progress job(s)${blocked.length > 0 ? ': later moves and file imports wait behind the zombie' : ''}`,
    evidence,
    fix:
      zombies.length > 0
        ? `${ctx.command(`jobs kill ${zombies[0].id}`)}   # marks it failed with a note; atom-ops jobs stalled lists them all`
        : ctx.command('jobs stalled'),
    action: zombies.length > 0 ? {kind: 'kill-zombies', jobIds: zombies.map((j) => j.id)} : undefined,
    metrics,
  }
}
