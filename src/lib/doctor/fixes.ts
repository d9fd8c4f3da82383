import type {ServiceFlags} from '../service/targets.js'
import type {FixAction} from './types.js'

import {clearSymfonyCache} from '../cache/symfony.js'
import {requireInstall, type ResolvedConfig} from '../config/resolve.js'
import {planKill, runKill} from '../jobs/kill.js'
import {withJobsSession} from '../jobs/session.js'
import {workerControl} from '../service/worker.js'
import {type DoctorOptions, type DoctorReport, runDoctor} from './run.js'

export interface PlannedFix {
  action: FixAction
  /** The check that asked for it. */
  because: string
  description: string
}

export interface AppliedFix extends PlannedFix {
  ok: boolean
  message: string
}

export interface DoctorFixReport {
  dryRun: boolean
  before: DoctorReport
  fixes: AppliedFix[] | PlannedFix[]
  /** doctor run again after the fixes (absent on a dry run, when there was nothing to fix, or when declined). */
  after?: DoctorReport
  /** The operator said no: nothing was changed. */
  declined?: boolean
  /** The verdict after the fixes (before them, when none was applied). */
  status: DoctorReport['status']
}

const DESCRIBE: Record<FixAction['kind'], (a: FixAction) => string> = {
  'reset-and-restart-worker': () =>
    "reset the worker unit's start limit if hit, restart it and wait until Gearman shows its workers",
  'clear-symfony-cache': () =>
    "clear Symfony's cache so the web app and the worker read the current gearman.yml, app.yml and settings.yml",
  'kill-zombies': (a) =>
    `mark zombie job${a.kind === 'kill-zombies' && a.jobIds.length === 1 ? '' : 's'} ${a.kind === 'kill-zombies' ? a.jobIds.map((id) => `#${id}`).join(', ') : ''} as failed (status 185, with a note), as jobs kill does`,
}

/** A fix in plain words, as --fix and the guard show it. */
export function describeFix(action: FixAction): string {
  return DESCRIBE[action.kind](action)
}

/** The safe fixes the report asks for, once each, worst problem first. */
export function planFixes(report: DoctorReport): PlannedFix[] {
  const seen = new Set<string>()
  const plan: PlannedFix[] = []
  for (const check of report.checks) {
    if (!check.action || check.status === 'ok' || check.status === 'skipped' || seen.has(check.action.kind)) continue
    seen.add(check.action.kind)
    plan.push({action: check.action, because: check.id, description: DESCRIBE[check.action.kind](check.action)})
  }

  return plan
}

/**
 * Applies one fix and says how it went (never throws). `reason` is the note a zombie marked failed gets
 * (who decided: doctor --fix, or the guard's policy).
 */
export async function applyFix(
  config: ResolvedConfig,
  fix: PlannedFix,
  service: ServiceFlags,
  reason = 'doctor --fix: zombie, nothing in Gearman behind it',
): Promise<AppliedFix> {
  try {
    switch (fix.action.kind) {
      case 'reset-and-restart-worker': {
        const r = await workerControl(config, service, 'restart', {waitSeconds: 60})
        const reset = r.hosts.flatMap((h) => (h.ok ? h.value.resetStartLimit : []))
        const verified = r.verification?.verified
          ? 'restart verified through Gearman'
          : `not verified: ${r.verification?.skipped ?? `still missing ${r.verification?.missing.join(', ')}`}`
        return {
          ...fix,
          ok: r.outcome === 'done',
          message: `${reset.length > 0 ? `start limit reset for ${reset.join(', ')}; ` : ''}${verified}`,
        }
      }

      case 'clear-symfony-cache': {
        const install = requireInstall(config)
        const r = await clearSymfonyCache(install.realRoot, {dryRun: false, timeoutMs: config.timeoutMs.value})
        return {
          ...fix,
          ok: r.errors.length === 0,
          message:
            r.errors.length > 0
              ? r.errors.join('; ')
              : `${r.method}: ${r.removed?.files ?? 0} files removed from ${r.cacheDir}`,
        }
      }

      case 'kill-zombies': {
        const ids = fix.action.jobIds
        const done = await withJobsSession(config, {install: true}, async (ctx) => {
          const killed: number[] = []
          const skipped: string[] = []
          for (const id of ids) {
            try {
              // Re-planned per row: a zombie that finished meanwhile is refused, not overwritten.
              const plan = await planKill(ctx.db, ctx.clock, id, {scope: ctx.scope})
              await runKill(ctx.db, ctx.clock, plan, {scope: ctx.scope, reason, realRoot: ctx.realRoot!, queue: false})
              killed.push(id)
            } catch (error) {
              skipped.push(`#${id}: ${(error as Error).message}`)
            }
          }

          return {killed, skipped}
        })
        const message = [
          `marked failed: ${done.killed.map((id) => `#${id}`).join(', ') || 'none'}`,
          ...done.skipped,
        ].join('; ')
        return {...fix, ok: done.skipped.length === 0, message}
      }
    }
  } catch (error) {
    return {...fix, ok: false, message: (error as Error).message}
  }
}

/** `doctor --fix`, step one: the diagnosis and the safe fixes it calls for, in plain words. Nothing is changed. */
export interface DoctorFixPlan {
  before: DoctorReport
  fixes: PlannedFix[]
}

export async function planDoctorFix(config: ResolvedConfig, options: DoctorOptions): Promise<DoctorFixPlan> {
  const before = await runDoctor(config, options)
  return {before, fixes: planFixes(before)}
}

/**
 * `doctor --fix`, step two (after the operator agreed to the plan): applies the fixes one at a time (a
 * restart must not race a cache clear of the same install), then diagnoses again for before and after.
 */
export async function applyDoctorFixes(
  config: ResolvedConfig,
  plan: DoctorFixPlan,
  options: DoctorOptions,
): Promise<DoctorFixReport> {
  const fixes: AppliedFix[] = []
  for (const fix of plan.fixes) fixes.push(await applyFix(config, fix, options.service ?? {}))
  const after = await runDoctor(config, options)
  return {dryRun: false, before: plan.before, fixes, after, status: after.status}
}
