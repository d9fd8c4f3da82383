import type {ServiceManager, StepResult, UnitStatus} from './types.js'

import {askedServer, expectedAbilities, jobClassesOf} from '../atom/facts.js'
import {type GearmanServer, type ResolvedConfig} from '../config/resolve.js'
import {Database} from '../db/database.js'
import {describeError} from '../errors.js'
import {problemOf, problemsOf} from '../util/answered.js'
import {formatHostPort} from '../util/hostport.js'
import {installWorkers, type ServerWorkers, waitForWorkers, type WaitResult} from './gearman-workers.js'
import {eachHost, type HostOutcome, resolveServiceOptions, type ServiceFlags} from './targets.js'

/** This install's Gearman side, when the install (prefix, servers) is known; else why not. */
interface InstallGearman {
  prefix: string
  servers: GearmanServer[]
  jobClasses: string[]
}

function installGearman(cfg: ResolvedConfig): InstallGearman | {error: string} {
  if (!cfg.prefix || !cfg.gearman)
    return {error: cfg.installError?.message ?? 'AtoM install not found (set --atom-root)'}
  const jobClasses = cfg.install ? jobClassesOf(cfg.install.worker.workerTypes) : []
  return {prefix: cfg.prefix.value, servers: cfg.gearman.value, jobClasses}
}

/**
 * What a start must bring back, as AtoM judges it: every class a healthy worker registers, with an
 * available worker on the server the web app asks. The database tells which plugins are enabled;
 * without it, plugin classes are left out rather than waited for in vain.
 */
async function expectedOnAskedServer(
  cfg: ResolvedConfig,
  g: InstallGearman,
  timeoutMs: number,
): Promise<{server: string; classes: string[]}> {
  const server = formatHostPort(askedServer(g.servers))
  if (!cfg.install) return {server, classes: g.jobClasses}
  let db: Database | undefined
  try {
    db = await Database.open((await cfg.database.get()).value, timeoutMs)
    return {server, classes: (await expectedAbilities(cfg.install, db)).expected}
  } catch (error) {
    return {server, classes: (await expectedAbilities(cfg.install, undefined, describeError(error))).expected}
  } finally {
    await db?.close()
  }
}

export interface HostUnits {
  units: string[]
  status: UnitStatus[]
}

export interface WorkerStatusReport {
  unitPattern: string
  hosts: Array<HostOutcome<HostUnits>>
  gearman: {prefix?: string; servers: ServerWorkers[]; error?: string}
  /** Everything that needs attention: units not running, hosts or job servers that did not answer, no worker. */
  problems: string[]
}

async function unitsOn(manager: ServiceManager, pattern: string): Promise<HostUnits> {
  const units = await manager.expand(pattern)
  return {units, status: await manager.status(units)}
}

function unitProblems(host: string, status: UnitStatus[]): string[] {
  const out: string[] = []
  for (const s of status) {
    if (s.startLimitHit)
      out.push(`${host} ${s.unit}: at its start limit (run: atom-ops worker reset, or worker restart)`)
    else if (s.condition !== 'running') out.push(`${host} ${s.unit}: ${s.rawState}`)
  }

  return out
}

/**
 * `worker status`: each host's units (state, since, PID, restarts, memory, last exit, start limit) and,
 * from Gearman, this install's workers per job class. Hosts and job servers that did not answer are
 * reported with their Problem; every finding is in `problems`.
 */
export async function workerStatus(cfg: ResolvedConfig, flags: ServiceFlags): Promise<WorkerStatusReport> {
  const options = resolveServiceOptions(cfg, flags)
  const g = installGearman(cfg)
  const [hosts, servers] = await Promise.all([
    eachHost(options, (manager) => unitsOn(manager, options.unit)),
    'error' in g
      ? Promise.resolve([] as ServerWorkers[])
      : installWorkers(g.servers, g.prefix, options.timeoutMs, g.jobClasses),
  ])
  const problems: string[] = []
  for (const h of hosts) {
    if (h.ok) problems.push(...unitProblems(h.host, h.value.status))
    else problems.push(`${h.host}: ${h.error.message}`)
  }

  // AtoM's availability check asks only the last server: no worker there means "No Gearman worker available".
  const asked = askedServer(servers)
  for (const s of servers) {
    if (!s.ok) problems.push(`${s.server}: ${s.error}`)
    else if (s === asked && s.classes.every((c) => c.availableWorkers === 0))
      problems.push(`${s.server} (the server AtoM asks): no worker for this install`)
  }

  return {
    unitPattern: options.unit,
    hosts,
    gearman: 'error' in g ? {servers, error: g.error} : {prefix: g.prefix, servers},
    problems,
  }
}

export type WorkerAction = 'start' | 'stop' | 'restart'

export interface PlannedStep {
  action: 'reset-failed' | WorkerAction
  units: string[]
  argv: string[]
  why?: string
}

export interface HostControl {
  units: string[]
  before: UnitStatus[]
  plan: PlannedStep[]
  steps: StepResult[]
  after?: UnitStatus[]
  /** Said out loud: the start limit was reset before starting. */
  resetStartLimit: string[]
}

export interface VerifyReport extends Omit<WaitResult, 'servers'> {
  skipped?: string
  waitedForMs: number
  /** The server checked: the one the web app asks (start, restart); every server of the install (stop). */
  checked?: string
  /** How many job classes had to have a worker (start, restart). */
  expectedClasses?: number
}

export interface WorkerControlReport {
  action: WorkerAction
  dryRun: boolean
  unitPattern: string
  hosts: Array<HostOutcome<HostControl>>
  verification?: VerifyReport
  /** From the first step to the end of the Gearman check. */
  durationMs?: number
  /** done: every host handled and verified (or not asked to be); partial: some step took effect; failed: none did. */
  outcome: 'done' | 'partial' | 'failed' | 'dry-run'
}

export interface ControlOptions {
  /** Seconds to wait for the workers to (dis)appear in Gearman; 0 skips the check. */
  waitSeconds: number
  /** Called after each look at Gearman while waiting: what is still missing (or still there, for stop). */
  onWaiting?: (state: {missing: string[]; elapsedMs: number}) => void
}

/** start, stop or restart ready to run: the steps per host (the dry-run report), and what they need. */
export interface WorkerControlPlan {
  report: WorkerControlReport
  /** Hosts that answered and have units to act on (none: nothing to ask or do). */
  reachable: number
  managers: Map<string, ServiceManager>
  timeoutMs: number
}

function planFor(manager: ServiceManager, action: WorkerAction, units: string[], before: UnitStatus[]): PlannedStep[] {
  const plan: PlannedStep[] = []
  if (action !== 'stop') {
    // A failed systemd unit may be at its start limit without saying so: systemd 252 leaves Result=exit-code
    // on a unit whose automatic restarts used up the limit, and refuses the next start all the same
    // (measured with the test bed's real systemd). reset-failed on a failed unit clears only that.
    const limited = before
      .filter((s) => s.startLimitHit || (manager.kind === 'systemd' && s.condition === 'failed'))
      .map((s) => s.unit)
    if (limited.length > 0) {
      const why = before.some((s) => s.startLimitHit)
        ? 'at the start limit: systemd refuses to start it until reset-failed'
        : 'failed: systemd may refuse to start it (its start limit) until reset-failed'
      plan.push({action: 'reset-failed', units: limited, argv: manager.describe('reset-failed', limited), why})
    }
  }

  plan.push({action, units, argv: manager.describe(action, units)})
  return plan
}

/**
 * `worker start|stop|restart`, planned per host (resetting the start limit first where it was hit);
 * read-only. applyWorkerControl runs it on every host in parallel, then verifies through Gearman.
 */
export async function planWorkerControl(
  cfg: ResolvedConfig,
  flags: ServiceFlags,
  action: WorkerAction,
): Promise<WorkerControlPlan> {
  const options = resolveServiceOptions(cfg, flags)
  const managers = new Map<string, ServiceManager>()
  const planned = await eachHost(options, async (manager, host): Promise<HostControl> => {
    managers.set(host, manager)
    const {units, status} = await unitsOn(manager, options.unit)
    return {units, before: status, plan: planFor(manager, action, units, status), steps: [], resetStartLimit: []}
  })
  const reachable = planned.filter((h) => h.ok).length
  const report: WorkerControlReport = {
    action,
    dryRun: true,
    unitPattern: options.unit,
    hosts: planned,
    outcome: 'dry-run',
  }
  return {report, reachable, managers, timeoutMs: options.timeoutMs}
}

/** The question: the action and the units of each host, in plain words; undefined when no host can be acted on. */
export function workerControlQuestion({report, reachable}: WorkerControlPlan): string | undefined {
  if (reachable === 0) return undefined
  const list = report.hosts.flatMap((h) => (h.ok ? [`${h.host}: ${h.value.units.join(', ')}`] : [])).join('; ')
  return `${report.action} ${list}?`
}

/** The report when nothing was run: a dry run, or no host could be reached. */
export function workerControlUnapplied({report, reachable}: WorkerControlPlan, dryRun: boolean): WorkerControlReport {
  return dryRun ? report : {...report, dryRun: false, outcome: reachable === 0 ? 'failed' : 'done'}
}

/**
 * Runs the plan on every host in parallel, then verifies through Gearman that this install's functions
 * have workers again (start/restart: every expected class on the server the web app asks) or none
 * (stop), for up to waitSeconds.
 */
export async function applyWorkerControl(
  cfg: ResolvedConfig,
  plan: WorkerControlPlan,
  control: ControlOptions,
): Promise<WorkerControlReport> {
  const {action, unitPattern} = plan.report
  const {timeoutMs} = plan
  const g = installGearman(cfg)
  const actionStarted = Date.now()
  const done = await Promise.all(
    plan.report.hosts.map(async (h): Promise<HostOutcome<HostControl>> => {
      if (!h.ok) return h
      const manager = plan.managers.get(h.host)!
      const value = {...h.value, steps: [] as StepResult[]}
      try {
        for (const step of value.plan) {
          const results = await run(manager, step)
          value.steps.push(...results)
          if (step.action === 'reset-failed') value.resetStartLimit = results.filter((r) => r.ok).map((r) => r.unit)
        }

        value.after = await manager.status(value.units).catch(() => undefined)
        return {...h, value}
      } catch (error) {
        return {host: h.host, ok: false, manager: h.manager, error: problemOf(error)}
      }
    }),
  )

  const stepsFailed = done.some((h) => h.ok && h.value.steps.some((s) => !s.ok))
  let verification: VerifyReport | undefined
  if ('error' in g)
    verification = {verified: false, elapsedMs: 0, waitedForMs: 0, missing: [], skipped: `no Gearman check: ${g.error}`}
  else if (control.waitSeconds <= 0)
    verification = {verified: false, elapsedMs: 0, waitedForMs: 0, missing: [], skipped: 'not checked (--wait 0)'}
  else {
    const waitMs = control.waitSeconds * 1000
    const stop = action === 'stop'
    const expected = stop ? undefined : await expectedOnAskedServer(cfg, g, timeoutMs)
    const result = await waitForWorkers({
      servers: g.servers,
      prefix: g.prefix,
      until: stop ? 'none' : 'workers',
      expected: expected && new Map([[expected.server, expected.classes]]),
      waitMs,
      timeoutMs,
      onPoll: control.onWaiting,
    })
    verification = {
      verified: result.verified,
      elapsedMs: result.elapsedMs,
      missing: result.missing,
      waitedForMs: waitMs,
      checked: expected
        ? `${expected.server} (the server the web app asks)`
        : g.servers.map((s) => formatHostPort(s)).join(', '),
      expectedClasses: expected?.classes.length,
    }
  }

  const clean = problemsOf(done).length === 0 && !stepsFailed && Boolean(verification.verified || verification.skipped)
  const anyOk = done.some((h) => h.ok && h.value.steps.some((s) => s.ok))
  const outcome = clean ? 'done' : anyOk ? 'partial' : 'failed'
  return {
    action,
    dryRun: false,
    unitPattern,
    hosts: done,
    verification,
    durationMs: Date.now() - actionStarted,
    outcome,
  }
}

/** Plan and run at once, for callers that asked already (doctor --fix, jobs kill --restart-worker). */
export async function workerControl(
  cfg: ResolvedConfig,
  flags: ServiceFlags,
  action: WorkerAction,
  control: ControlOptions,
): Promise<WorkerControlReport> {
  const plan = await planWorkerControl(cfg, flags, action)
  return plan.reachable === 0 ? workerControlUnapplied(plan, false) : applyWorkerControl(cfg, plan, control)
}

async function run(manager: ServiceManager, step: PlannedStep): Promise<StepResult[]> {
  switch (step.action) {
    case 'reset-failed': {
      return manager.resetFailed(step.units)
    }

    case 'start': {
      return manager.start(step.units)
    }

    case 'stop': {
      return manager.stop(step.units)
    }

    case 'restart': {
      return manager.restart(step.units)
    }
  }
}

export interface HostReset {
  units: string[]
  before: UnitStatus[]
  /** Units reset (systemd) or explained (supervisord). */
  steps: StepResult[]
  argv: string[]
  explanation?: string
}

export interface WorkerResetReport {
  dryRun: boolean
  unitPattern: string
  hosts: Array<HostOutcome<HostReset>>
  outcome: 'done' | 'partial' | 'failed' | 'dry-run'
}

/**
 * `worker reset`: only the start-limit reset. systemd: `reset-failed` for the units that are failed
 * or at their start limit; supervisord keeps no such counter, so FATAL programs are named with the
 * command that starts them (nothing is changed).
 */
export async function workerReset(
  cfg: ResolvedConfig,
  flags: ServiceFlags,
  dryRun: boolean,
): Promise<WorkerResetReport> {
  const options = resolveServiceOptions(cfg, flags)
  const hosts = await eachHost(options, async (manager): Promise<HostReset> => {
    const {units, status} = await unitsOn(manager, options.unit)
    if (manager.kind === 'supervisor') {
      const fatal = status.filter((s) => s.rawState === 'FATAL').map((s) => s.unit)
      return {
        units,
        before: status,
        steps: [],
        argv: [],
        explanation:
          fatal.length > 0
            ? `supervisord has no start limit to reset: ${fatal.join(', ')} ${fatal.length === 1 ? 'is' : 'are'} FATAL (it gave up after startretries); run \`atom-ops worker start\` to start again`
            : 'supervisord has no start limit to reset; no program is FATAL',
      }
    }

    const targets = status.filter((s) => s.startLimitHit || s.condition === 'failed').map((s) => s.unit)
    const argv = targets.length > 0 ? manager.describe('reset-failed', targets) : []
    if (dryRun || targets.length === 0)
      return {
        units,
        before: status,
        steps: [],
        argv,
        explanation: targets.length === 0 ? 'nothing to reset: no unit is failed or at its start limit' : undefined,
      }
    return {units, before: status, steps: await manager.resetFailed(targets), argv}
  })
  const failed = hosts.some((h) => h.ok && h.value.steps.some((s) => !s.ok))
  const clean = problemsOf(hosts).length === 0 && !failed
  const anyOk = hosts.some((h) => h.ok && h.value.steps.some((s) => s.ok))
  return {
    dryRun,
    unitPattern: options.unit,
    hosts,
    outcome: dryRun ? 'dry-run' : clean ? 'done' : anyOk ? 'partial' : 'failed',
  }
}

export interface WorkerLogsReport {
  unitPattern: string
  /** --since as given (journald only). */
  since?: string
  /** The lines were streamed as they came (--follow), not collected here. */
  followed: boolean
  hosts: Array<HostOutcome<{units: string[]; lines: string[]}>>
}

export interface LogsOptions {
  lines: number
  since?: string
  /** Streams until the signal aborts, calling onLine per line (host is "local" or the ssh destination). */
  follow?: {onLine: (host: string, line: string) => void; signal: AbortSignal}
}

/** `worker logs`: the last lines of each unit's log (journal or supervisord's log), or a live tail. */
export async function workerLogs(
  cfg: ResolvedConfig,
  flags: ServiceFlags,
  logs: LogsOptions,
): Promise<WorkerLogsReport> {
  const options = resolveServiceOptions(cfg, flags)
  const hosts = await eachHost(options, async (manager, host) => {
    const units = await manager.expand(options.unit)
    if (logs.follow) {
      const {follow} = logs
      await manager.followLogs(
        units,
        {lines: logs.lines, since: logs.since},
        (line) => follow.onLine(host, line),
        follow.signal,
      )
      return {units, lines: []}
    }

    return {units, lines: await manager.logs(units, {lines: logs.lines, since: logs.since})}
  })
  return {unitPattern: options.unit, since: logs.since, followed: Boolean(logs.follow), hosts}
}

export {type ServiceOptions} from './targets.js'
export {type ManagerKind} from './types.js'
