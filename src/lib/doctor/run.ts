import type {ServiceFlags} from '../service/targets.js'
import type {CheckResult, CheckStatus} from './types.js'

import {isInstallFunction} from '../atom/facts.js'
import {type GlobalOptions, resolveConfig, type ResolvedConfig} from '../config/resolve.js'
import {ConfigError} from '../errors.js'
import {COMMAND_TIMEOUT_FACTOR} from '../service/types.js'
import {loadProfileInstalls} from '../settings/installs.js'
import {loadSettingsFile} from '../settings/profiles.js'
import {inert} from '../util/text.js'
import {checkStaleConfigCache} from './checks/cache.js'
import {checkWebAndWorkerAgree} from './checks/config.js'
import {checkDatabase} from './checks/database.js'
import {checkServers, checkWaitingWithoutWorker, checkWorkersForJobClasses} from './checks/gearman.js'
import {checkStalledJobs} from './checks/jobs.js'
import {checkSharedPrefix, prefixOwners} from './checks/profiles.js'
import {checkWorkerService} from './checks/service.js'
import {type CommandArgs, DoctorEvidence, restartCommandFor} from './evidence.js'

export interface DoctorReport {
  install: {root: string; realRoot: string | null; prefix: string | null; profile: string | null}
  /** The verdict: the worst check's status (the command ends with its Nagios/Icinga code). */
  status: Exclude<CheckStatus, 'skipped' | 'info'>
  /** Worst first, then closest to the root cause. */
  checks: CheckResult[]
  mostLikelyCause: {id: string; summary: string; fix: string | null} | null
  metrics: {workers: number; waitingJobs: number; zombies: number | null; oldestInProgressSeconds: number | null}
  durationMs: number
}

export interface DoctorOptions {
  /** How the worker service is reached (flags; the profile fills the rest). */
  service?: ServiceFlags
  /** The flags given on the command line that choose the install, database and worker (see DoctorEvidence.command). */
  commandArgs?: CommandArgs
}

const SEVERITY: Record<CheckStatus, number> = {critical: 0, warning: 1, unknown: 2, ok: 3, info: 4, skipped: 5}

/** How long a check may take, and what that budget is for (said when it runs out). */
interface Budget {
  ms: number
  what: string
}

/** Runs a check within its budget; a check that fails or overruns is reported as unknown, never hangs the report. */
async function guarded(
  id: string,
  title: string,
  budget: Budget,
  run: () => Promise<CheckResult | CheckResult[]>,
): Promise<CheckResult[]> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const overrun = new Error(`did not finish within ${budget.ms / 1000}s, ${budget.what}`)
  try {
    const result = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(overrun), budget.ms)
      }),
    ])
    return (Array.isArray(result) ? result : [result]).map((r) => ({...r, durationMs: Date.now() - started}))
  } catch (error) {
    const hint =
      error === overrun ? ['On a busy machine, or over a slow link, raise --timeout (each budget grows with it).'] : []
    return [
      {
        id,
        title,
        status: 'unknown',
        rank: 95,
        summary: (error as Error).message,
        evidence: hint,
        durationMs: Date.now() - started,
      },
    ]
  } finally {
    clearTimeout(timer)
  }
}

export function sortChecks(checks: CheckResult[]): CheckResult[] {
  return [...checks].sort(
    (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || a.rank - b.rank || a.id.localeCompare(b.id),
  )
}

/**
 * Runs every check concurrently, each bounded by the timeout, and ranks what failed: the report's
 * first failing check is the most likely cause, with the one command to run.
 */
export async function runDoctor(config: ResolvedConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const started = Date.now()
  const timeoutMs = config.timeoutMs.value
  if (!config.install) {
    const error = config.installError!
    const check: CheckResult = {
      id: 'install.config',
      title: "AtoM's configuration",
      status: 'critical',
      rank: 1,
      summary: error.message,
      evidence: [],
      fix: error.hint ?? 'Set --atom-root to the AtoM install directory.',
    }
    return report(config, [check], started, {workers: 0, waitingJobs: 0, zombies: null, oldestInProgressSeconds: null})
  }

  const service = options.service ?? {}
  const probe = new DoctorEvidence(config, timeoutMs, service, options.commandArgs)
  const ctx = new DoctorEvidence(config, timeoutMs, service, options.commandArgs, await restartCommandFor(probe))
  // Network probes answer in milliseconds; service-manager programs (a Python supervisorctl, ssh) can
  // take seconds to start on a loaded machine, so they get their own, longer budget.
  const limit: Budget = {ms: timeoutMs + 500, what: 'the budget for network checks (--timeout)'}
  const commands: Budget = {
    ms: 2 * timeoutMs * COMMAND_TIMEOUT_FACTOR + timeoutMs,
    what: `the budget for service-manager commands (${COMMAND_TIMEOUT_FACTOR}x --timeout each)`,
  }
  try {
    const {installs} = await loadProfileInstalls(config.settingsFile, {withDatabase: true})
    const owners = prefixOwners(installs)
    const runs = [
      guarded('install.config', 'Configuration', limit, async () => ({
        id: 'install.config',
        title: "AtoM's configuration",
        status: 'ok' as const,
        rank: 99,
        summary: `${ctx.install.realRoot}, prefix ${ctx.prefix}`,
        evidence: [],
      })),
      guarded('database', 'Database', limit, () => checkDatabase(ctx)),
      guarded('config.web-worker', 'Web app and worker', limit, () => checkWebAndWorkerAgree(ctx)),
      guarded('gearman.servers', 'Gearman servers', limit, () => checkServers(ctx)),
      guarded('gearman.job-classes', 'Workers for each job class', limit, () => checkWorkersForJobClasses(ctx, owners)),
      guarded('gearman.waiting-no-worker', 'Queued jobs have a worker', limit, () => checkWaitingWithoutWorker(ctx)),
      guarded('cache.stale-config', 'Config cache', limit, () => checkStaleConfigCache(ctx)),
      guarded('profiles.shared-prefix', 'Shared prefixes', limit, () => checkSharedPrefix(ctx, installs)),
      guarded('worker.service', 'Worker service', commands, () => checkWorkerService(ctx)),
      guarded('jobs.stalled', 'Stalled jobs', limit, () => checkStalledJobs(ctx)),
    ]
    const checks = (await Promise.all(runs)).flat()
    const views = await ctx.serverViews()
    const workerIds = new Set<string>()
    let waitingJobs = 0
    for (const view of views) {
      for (const w of view.workers)
        if (w.functions.some((f) => isInstallFunction(f, ctx.prefix))) workerIds.add(`${view.label}#${w.fd}`)
      for (const s of view.status) if (isInstallFunction(s.function, ctx.prefix)) waitingJobs += s.waiting
    }

    const fromChecks = checks.find((c) => c.metrics)?.metrics
    return report(config, checks, started, {
      workers: workerIds.size,
      waitingJobs,
      zombies: fromChecks?.zombies ?? null,
      oldestInProgressSeconds: fromChecks?.oldestInProgressSeconds ?? null,
    })
  } finally {
    await ctx.close()
  }
}

function report(
  config: ResolvedConfig,
  checks: CheckResult[],
  started: number,
  metrics: DoctorReport['metrics'],
): DoctorReport {
  const sorted = sortChecks(checks)
  const worst = sorted.find((c) => c.status !== 'skipped' && c.status !== 'ok' && c.status !== 'info')
  const status: DoctorReport['status'] = worst ? (worst.status as DoctorReport['status']) : 'ok'
  return {
    install: {
      root: config.atomRoot.value,
      realRoot: config.install?.realRoot ?? null,
      prefix: config.prefix?.value ?? null,
      profile: config.profile ?? null,
    },
    status,
    checks: sorted,
    mostLikelyCause: worst ? {id: worst.id, summary: worst.summary, fix: worst.fix ?? null} : null,
    metrics,
    durationMs: Date.now() - started,
  }
}

/** The one-line Nagios/Icinga plugin output, with performance data. */
export function nagiosLine(report: DoctorReport): string {
  const label = report.status.toUpperCase()
  const text = report.mostLikelyCause
    ? report.mostLikelyCause.summary
    : `all ${report.checks.filter((c) => c.status === 'ok').length} checks passed`
  const m = report.metrics
  const perf = [
    `workers=${m.workers};;1:`,
    `waiting=${m.waitingJobs}`,
    `zombies=${m.zombies ?? 'U'};;0`,
    `oldest_in_progress=${m.oldestInProgressSeconds ?? 'U'}s`,
  ]
  // One line for the monitoring system, and inert: a summary may quote a server (a unit name, an error).
  return `ATOM-OPS ${label} - ${inert(text.replaceAll('|', '/').replaceAll(/[\r\n]+/g, ' '))} | ${perf.join(' ')}`
}

export interface MultiDoctorReport {
  status: DoctorReport['status']
  profiles: Array<{profile: string; report: DoctorReport}>
}

/** `doctor --all-profiles`: every configured install, concurrently; the worst status wins. */
export async function runDoctorForProfiles(
  globals: GlobalOptions,
  options: DoctorOptions = {},
): Promise<MultiDoctorReport> {
  const settings = await loadSettingsFile()
  const names = [...settings.profiles.keys()]
  if (names.length === 0)
    throw new ConfigError(
      `no profiles in ${settings.path}`,
      'Add profiles (see README.md, "Profiles"), or run doctor without --all-profiles.',
    )
  const profiles = await Promise.all(
    names.map(async (profile) => ({
      profile,
      report: await runDoctor(await resolveConfig({...globals, profile}, process.env, settings), options),
    })),
  )
  const worst = profiles.map((p) => p.report).sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status])[0]
  return {status: worst.status, profiles}
}
