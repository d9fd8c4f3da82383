import {hostname} from 'node:os'

import type {ResolvedConfig} from '../config/resolve.js'
import type {ServiceFlags} from '../service/targets.js'

import {applyFix, describeFix, planFixes, type PlannedFix} from '../doctor/fixes.js'
import {type DoctorReport, runDoctor} from '../doctor/run.js'
import {describeError} from '../errors.js'
import {backupDirectory} from '../jobs/backup.js'
import {applyPrune, listBackups, planPrune} from '../jobs/backups.js'
import {planClear, runClear} from '../jobs/clear.js'
import {withJobsSession} from '../jobs/session.js'
import {findStalled} from '../jobs/stalled.js'
import {defaultPolicy, type GuardFix, type GuardPolicy} from '../settings/guard-policy.js'
import {loadSettingsFile} from '../settings/profiles.js'
import {formatDurationMs} from '../util/duration.js'
import {channels, deliver, type Delivery, type GuardChange, type GuardEvent} from './notify.js'
import {
  acquireLock,
  guardName,
  type GuardState,
  readState,
  restartsInLastHour,
  type RunRecord,
  type Verdict,
  writeState,
} from './state.js'

/** One thing the guard did, or would do, or chose not to do (each one an audit record). */
export interface GuardAction {
  action: GuardFix | 'retention' | 'prune-backups'
  /** The check or rule that called for it. */
  because: string
  description: string
  outcome: 'done' | 'failed' | 'skipped' | 'planned'
  /** What it did, why it failed, or why it was skipped. */
  message: string
  /** Details for the audit record (job ids, the backup file, the files pruned). */
  details?: Record<string, unknown>
}

export interface GuardPolicySummary {
  source: string
  fix: GuardFix[]
  zombieGraceMs: number
  retention: {olderThanMs: number; keepBackups: number | null; everyMs: number} | null
  maxRestartsPerHour: number
  notify: string[]
}

export interface GuardRunReport {
  dryRun: boolean
  name: string
  policy: GuardPolicySummary
  before: DoctorReport
  /** doctor again after the fixes (absent when none was tried). */
  after?: DoctorReport
  verdict: Verdict
  previous: Verdict | null
  actions: GuardAction[]
  restartsInLastHour: number
  /** What changed since the last run: what is (or, on a dry run, would be) notified. */
  changes: GuardChange[]
  /** Sent on a real run with changes; on a dry run, the channels that would be used. */
  notifications: Delivery[]
  wouldNotify: string[]
  /** ok: everything OK after the run; problems: problems remain, or a fix failed or was refused; undelivered: a notification was not delivered. */
  outcome: GuardOutcome
  durationMs: number
}

/** The policy for this install: its profile's `guard:`, else the file's top-level one, else report-only. */
export async function guardPolicyFor(config: ResolvedConfig): Promise<GuardPolicy> {
  const settings = await loadSettingsFile(config.settingsFile)
  const profile = config.profile ? settings.profiles.get(config.profile) : undefined
  return (
    profile?.guard ??
    settings.guard ??
    defaultPolicy(`no guard: settings in ${settings.path}: the guard only checks and notifies`)
  )
}

export function summarisePolicy(policy: GuardPolicy): GuardPolicySummary {
  return {
    source: policy.source,
    fix: policy.fix,
    zombieGraceMs: policy.zombieGraceMs,
    retention: policy.retention
      ? {
          olderThanMs: policy.retention.olderThanMs,
          keepBackups: policy.retention.keepBackups ?? null,
          everyMs: policy.retention.everyMs,
        }
      : null,
    maxRestartsPerHour: policy.maxRestartsPerHour,
    notify: channels(policy),
  }
}

/** doctor's fix kinds, by the names the policy uses. */
const POLICY_NAME: Record<PlannedFix['action']['kind'], GuardFix> = {
  'reset-and-restart-worker': 'restart-worker',
  'clear-symfony-cache': 'clear-config-cache',
  'kill-zombies': 'fail-zombies',
}

/** Applied in this order: a cache cleared before a restart is read by the restarted worker. */
const ORDER: GuardFix[] = ['clear-config-cache', 'restart-worker', 'fail-zombies']

export type GuardOutcome = 'ok' | 'problems' | 'undelivered'

export interface GuardRunOptions {
  dryRun: boolean
  service: ServiceFlags
  /** The exit code the command ends with for an outcome: kept in the run's record (guard status lists it). */
  exitCodeOf: (outcome: GuardOutcome) => number
}

type Planned = Array<{action: GuardAction; fix: PlannedFix}>

/** What the policy lets the guard do with each fix doctor found: planned, or skipped with the reason (policy, rate limit, no way to apply it). */
function decideActions(
  fixes: PlannedFix[],
  policy: GuardPolicy,
  recentRestarts: number,
  dryRun: boolean,
): {actions: GuardAction[]; planned: Planned; rateLimited: boolean} {
  const actions: GuardAction[] = []
  const planned: Planned = []
  let rateLimited = false
  fixes.sort((a, b) => ORDER.indexOf(POLICY_NAME[a.action.kind]) - ORDER.indexOf(POLICY_NAME[b.action.kind]))
  for (const fix of fixes) {
    const allowed = POLICY_NAME[fix.action.kind]
    const action: GuardAction = {
      action: allowed,
      because: fix.because,
      description: fix.description,
      outcome: dryRun ? 'planned' : 'done',
      message: '',
    }
    if ('error' in fix) {
      actions.push({...action, outcome: 'skipped', message: String(fix.error)})
    } else if (!policy.fix.includes(allowed)) {
      actions.push({
        ...action,
        outcome: 'skipped',
        message: `not allowed by the policy (fix: ${policy.fix.join(', ') || 'none'})`,
      })
    } else if (allowed === 'restart-worker' && recentRestarts >= policy.maxRestartsPerHour) {
      rateLimited = true
      actions.push({
        ...action,
        outcome: 'skipped',
        message: `rate limit: ${recentRestarts} restart(s) by the guard in the last hour, max_restarts_per_hour is ${policy.maxRestartsPerHour}: not restarting again until the hour has passed`,
      })
    } else {
      planned.push({action, fix})
      actions.push(action)
    }
  }

  return {actions, planned, rateLimited}
}

/** Applies the planned fixes in order (a dry run only says it would), filling in each action's outcome; returns the times of the restarts it made. */
async function applyPlanned(
  config: ResolvedConfig,
  planned: Planned,
  policy: GuardPolicy,
  options: GuardRunOptions,
): Promise<string[]> {
  const restarts: string[] = []
  for (const {action, fix} of planned) {
    if (options.dryRun) {
      action.message = 'would be applied'
      continue
    }

    if (action.action === 'restart-worker') restarts.push(new Date().toISOString())
    const done = await applyFix(
      config,
      fix,
      options.service,
      `guard: zombie for over ${formatDurationMs(policy.zombieGraceMs)} with nothing in Gearman behind it (policy fail-zombies)`,
    )
    action.outcome = done.ok ? 'done' : 'failed'
    action.message = done.message
    if (fix.action.kind === 'kill-zombies') action.details = {jobs: fix.action.jobIds}
  }

  return restarts
}

/** The event notifications carry (JSON on notify_exec's stdin, the webhook's body, the mail's attachment). */
function guardEvent(
  config: ResolvedConfig,
  before: DoctorReport,
  now: DoctorReport,
  previous: Verdict | null,
  changes: GuardChange[],
  lines: string[],
): GuardEvent {
  return {
    type: 'atom-ops.guard',
    version: 1,
    time: new Date().toISOString(),
    host: hostname(),
    install: {
      profile: config.profile ?? null,
      root: before.install.realRoot ?? before.install.root,
      prefix: before.install.prefix,
    },
    verdict: now.status,
    previous,
    changes,
    problems: now.checks
      .filter((c) => c.status !== 'ok' && c.status !== 'skipped' && c.status !== 'info')
      .map((c) => `${c.status.toUpperCase()} ${c.title}: ${c.summary}`),
    actions: lines,
  }
}

/**
 * `guard run`: one pass of the policy. doctor's checks; the safe fixes the policy allows, within the
 * restart rate limit (zombies by jobs stalled's classification and the policy's grace); retention
 * (jobs clear --inactive --older-than with its backup, then the backups pruned), at most once per
 * retention.every; doctor again after any fix; a notification when something changed; the state
 * saved. One run at a time per install (a lock); a dry run changes nothing, sends nothing, saves nothing.
 */
export async function runGuard(config: ResolvedConfig, options: GuardRunOptions): Promise<GuardRunReport> {
  const started = Date.now()
  const policy = await guardPolicyFor(config)
  const name = guardName(config.profile)
  const lock = options.dryRun ? undefined : await acquireLock(name)
  try {
    const state = await readState(name)
    const before = await runDoctor(config, {service: options.service})
    const recent = restartsInLastHour(state, started)
    const fixes = planFixes(before).filter((f) => f.action.kind !== 'kill-zombies')
    const zombies = await zombieFix(config, policy)
    if (zombies) fixes.push(zombies)
    const {actions, planned, rateLimited} = decideActions(fixes, policy, recent.length, options.dryRun)
    const restarts = [...recent, ...(await applyPlanned(config, planned, policy, options))]

    const retentionDue =
      policy.retention && (!state.retentionAt || started - Date.parse(state.retentionAt) >= policy.retention.everyMs)
    if (policy.retention && !retentionDue) {
      actions.push({
        action: 'retention',
        because: 'policy retention',
        description: describeRetention(policy),
        outcome: 'skipped',
        message: `ran at ${state.retentionAt}; runs once every ${formatDurationMs(policy.retention.everyMs)}`,
      })
    } else if (policy.retention) {
      actions.push(...(await retention(config, policy, options.dryRun)))
    }

    const tried = planned.length > 0 && !options.dryRun
    const after = tried ? await runDoctor(config, {service: options.service}) : undefined
    const verdict = (after ?? before).status
    const previous = state.verdict ?? null
    const changes = changesOf(previous, verdict, after ?? before, actions, rateLimited && !state.rateLimited, policy)
    const lines = actions.map(actionLine)
    const event = guardEvent(config, before, after ?? before, previous, changes, lines)
    const notifications = !options.dryRun && changes.length > 0 ? await deliver(policy, event) : []
    const failedFix = actions.some(
      (a) => a.outcome === 'failed' || (a.outcome === 'skipped' && a.message.startsWith('rate limit')),
    )
    const outcome: GuardOutcome = notifications.some((n) => !n.ok)
      ? 'undelivered'
      : verdict !== 'ok' || failedFix
        ? 'problems'
        : 'ok'
    const durationMs = Date.now() - started

    if (!options.dryRun) {
      const record: RunRecord = {
        at: new Date(started).toISOString(),
        verdict,
        before: before.status,
        exitCode: options.exitCodeOf(outcome),
        durationMs,
        actions: lines,
        notified: notifications.map((n) => `${n.channel} ${n.target}: ${n.ok ? 'sent' : `FAILED (${n.message})`}`),
      }
      const next: GuardState = {
        ...state,
        verdict,
        restarts,
        rateLimited,
        retentionAt:
          retentionDue && actions.some((a) => a.action === 'retention' && a.outcome === 'done')
            ? new Date(started).toISOString()
            : state.retentionAt,
        runs: [...state.runs, record],
      }
      await writeState(name, next)
    }

    return {
      dryRun: options.dryRun,
      name,
      policy: summarisePolicy(policy),
      before,
      after,
      verdict,
      previous,
      actions,
      restartsInLastHour: restartsInLastHour({...state, restarts}, Date.now()).length,
      changes,
      notifications,
      wouldNotify: changes.length > 0 ? channels(policy) : [],
      outcome,
      durationMs,
    }
  } finally {
    await lock?.release()
  }
}

/**
 * The zombies older than the policy's grace (jobs stalled's classification against Gearman), as a
 * kill-zombies fix; an error (no database, no Gearman answer) as a fix that cannot be applied.
 */
async function zombieFix(
  config: ResolvedConfig,
  policy: GuardPolicy,
): Promise<(PlannedFix & {error?: undefined}) | (PlannedFix & {error: string}) | undefined> {
  const because = 'jobs.stalled'
  try {
    const ids = await withJobsSession(config, {gearman: true}, async (ctx) => {
      const report = await findStalled(ctx.db, ctx.clock, ctx.scope!, {olderThanMs: policy.zombieGraceMs})
      return report.stalled.filter((j) => j.state === 'zombie').map((j) => j.id)
    })
    if (ids.length === 0) return undefined
    const action = {kind: 'kill-zombies' as const, jobIds: ids}
    return {action, because, description: describeFix(action)}
  } catch (error) {
    // Only worth a line when the policy wanted zombies handled.
    if (!policy.fix.includes('fail-zombies')) return undefined
    const action = {kind: 'kill-zombies' as const, jobIds: []}
    return {
      action,
      because,
      description: `mark zombie jobs in progress for over ${formatDurationMs(policy.zombieGraceMs)} as failed`,
      error: `cannot look for zombies: ${describeError(error)}`,
    }
  }
}

function describeRetention(policy: GuardPolicy): string {
  const r = policy.retention!
  return `delete jobs not in progress started over ${formatDurationMs(r.olderThanMs)} ago, with a backup, as jobs clear --inactive --older-than does${r.keepBackups ? `; then keep the newest ${r.keepBackups} backups` : ''}`
}

/** jobs clear --inactive --older-than D with its backup, then jobs backups --prune --keep N. */
async function retention(config: ResolvedConfig, policy: GuardPolicy, dryRun: boolean): Promise<GuardAction[]> {
  const r = policy.retention!
  const because = 'policy retention'
  const clear: GuardAction = {
    action: 'retention',
    because,
    description: describeRetention(policy),
    outcome: dryRun ? 'planned' : 'done',
    message: '',
  }
  const filter = {inactive: true, olderThanMs: r.olderThanMs}
  try {
    await withJobsSession(config, {install: true}, async (ctx) => {
      const plan = await planClear(ctx.db, ctx.clock, {filter, scope: ctx.scope})
      if (dryRun || plan.total === 0) {
        clear.message =
          plan.total === 0
            ? 'no job to delete'
            : `would delete ${plan.total} job(s) (${plan.groups.map((g) => `${g.count} ${g.name ?? '(no name)'} ${g.status}`).join(', ')}), backed up first`
        clear.details = {selection: plan.selection, wouldDelete: plan.total}
        return
      }

      const result = await runClear(ctx.db, plan, {filter, scope: ctx.scope, realRoot: ctx.realRoot!, queue: false})
      clear.message = `deleted ${result.deleted} job(s), backed up to ${result.backup}${result.alreadyGone ? `; ${result.alreadyGone} changed or gone meanwhile, left alone` : ''}`
      clear.details = {
        selection: plan.selection,
        maxId: plan.maxId,
        planned: plan.total,
        deleted: result.deleted,
        backup: result.backup,
      }
    })
  } catch (error) {
    clear.outcome = 'failed'
    clear.message = describeError(error)
    // Nothing is pruned after a failed clear: its backup may be the one that matters.
    return [clear]
  }

  if (!r.keepBackups) return [clear]
  const prune: GuardAction = {
    action: 'prune-backups',
    because,
    description: `keep the newest ${r.keepBackups} backups in ${backupDirectory()}`,
    outcome: dryRun ? 'planned' : 'done',
    message: '',
  }
  const plan = planPrune(await listBackups(), {keep: r.keepBackups})
  if (dryRun || plan.remove.length === 0) {
    prune.message =
      plan.remove.length === 0
        ? `nothing to prune (${plan.keep.length} backup(s))`
        : `would remove ${plan.remove.length} backup(s)`
    prune.details = {remove: plan.remove.map((f) => f.path)}
    return [clear, prune]
  }

  const done = await applyPrune(plan)
  prune.outcome = done.failed.length > 0 ? 'failed' : 'done'
  prune.message = `removed ${done.removed.length} backup(s)${done.failed.length > 0 ? `; ${done.failed.length} could not be removed: ${done.failed.map((f) => `${f.path} (${f.error})`).join(', ')}` : ''}`
  prune.details = {removed: done.removed, failed: done.failed}
  return [clear, prune]
}

/** What is worth telling someone: a change of verdict, a fix applied or failed, the rate limit reached (once). */
function changesOf(
  previous: Verdict | null,
  verdict: Verdict,
  report: DoctorReport,
  actions: GuardAction[],
  newlyRateLimited: boolean,
  policy: GuardPolicy,
): GuardChange[] {
  const changes: GuardChange[] = []
  const cause = report.mostLikelyCause?.summary
  if (previous !== verdict) {
    if (verdict === 'ok') {
      if (previous !== null) changes.push({kind: 'recovered', summary: `back to OK (was ${previous.toUpperCase()})`})
    } else if (previous === null || previous === 'ok') {
      changes.push({kind: 'problem', summary: `${verdict.toUpperCase()}: ${cause ?? 'see the checks'}`})
    } else {
      changes.push({
        kind: 'changed',
        summary: `${previous.toUpperCase()} -> ${verdict.toUpperCase()}: ${cause ?? 'see the checks'}`,
      })
    }
  }

  for (const a of actions) {
    if (a.action === 'retention' || a.action === 'prune-backups') continue
    if (a.outcome === 'done') changes.push({kind: 'fix-applied', summary: `${a.action}: ${a.message}`})
    if (a.outcome === 'failed') changes.push({kind: 'fix-failed', summary: `${a.action} FAILED: ${a.message}`})
  }

  if (newlyRateLimited) {
    changes.push({
      kind: 'rate-limited',
      summary: `restart refused: the guard restarted the worker ${policy.maxRestartsPerHour} time(s) in the last hour (max_restarts_per_hour); it stops restarting and needs a person`,
    })
  }

  return changes
}

function actionLine(a: GuardAction): string {
  const label = a.outcome === 'planned' ? 'would' : a.outcome
  return `${label}: ${a.action}: ${a.message}`
}
