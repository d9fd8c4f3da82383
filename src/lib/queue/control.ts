import {type ResolvedConfig, requireGearman} from '../context/resolve.js'
import {DEFAULT_GEARMAN_PORT} from '../atom/install.js'
import {ExitCode, UsageError} from '../errors.js'
import {eachServer, GearmanAdmin, parseShowJobs, type QueuedJob} from '../gearman/admin.js'
import {withBinary} from '../gearman/binary.js'
import {msLeft} from '../gearman/deadline-socket.js'
import {GearmanServerError} from '../gearman/errors.js'
import {formatHostPort, type HostPort, parseHostPortFlag} from '../util/hostport.js'
import {header, type ServerHeader} from './common.js'
import {type DecodedFunction, loadDecoder} from './decode.js'

/** Asked before a destructive step; throws (AbortedError) to stop. Given the plan, so the question can name it. */
export type Confirm<P> = (plan: P) => Promise<void>

const HANDLE = /^H:[^\s\u0000-\u001f\u007f]{1,200}:\d{1,20}$/

/** A job handle as gearmand prints it: `H:<server host name>:<number>`. */
export function parseHandle(text: string): string {
  if (!HANDLE.test(text)) throw new UsageError(`"${text}" is not a Gearman job handle`, 'A handle looks like H:myhost:42; `atom-ops queue jobs` lists them.')
  return text
}

/** --server host:port, required when several job servers are configured. */
export function chooseServer(servers: HostPort[], flag: string | undefined): HostPort {
  if (flag !== undefined) return parseHostPortFlag(flag, '--server', DEFAULT_GEARMAN_PORT)
  if (servers.length === 1) return servers[0]
  throw new UsageError(
    `${servers.length} job servers are configured: say which one holds the job with --server`,
    `Servers: ${servers.map(formatHostPort).join(', ')}. Example: --server ${formatHostPort(servers[0])}`,
  )
}

// ---------------------------------------------------------------- cancel

export interface JobState {
  /** gearmand lists the handle in `show jobs`. */
  listed: boolean
  /** From GET_STATUS. */
  running: boolean
  cancelled: boolean
  retries?: number
}

export interface CancelPlan {
  server: string
  handle: string
  before: JobState
}

export interface CancelReport extends CancelPlan {
  dryRun: boolean
  /**
   * cancelled: it was waiting and gearmand marked it; it stays counted in `status` until a worker pulls it, then it is discarded.
   * not-stopped: it was running; gearmand marked it but a running job cannot be stopped, the worker finishes it.
   * already-cancelled: it was marked before. gone: it finished before the cancel arrived. would-*: dry run.
   */
  outcome: 'cancelled' | 'not-stopped' | 'already-cancelled' | 'gone' | 'not-marked' | 'would-cancel' | 'would-not-stop'
  after?: JobState
  message: string
  exitCode: number
}

async function jobState(server: HostPort, timeoutMs: number, handle: string): Promise<JobState> {
  const deadline = Date.now() + timeoutMs
  const jobs: QueuedJob[] = await new GearmanAdmin(server, timeoutMs).session(async (c) => parseShowJobs(await c.list('show jobs')))
  const listed = jobs.find((j) => j.handle === handle)
  const st = await withBinary(server, msLeft(deadline), (b) => b.getStatus(handle))
  return {listed: listed !== undefined, running: st.known && st.running, cancelled: listed?.ignored ?? false, retries: listed?.retries}
}

/**
 * `cancel job HANDLE` on one server, told truthfully: the state is read before (show jobs + GET_STATUS),
 * confirm() is asked, the command sent, and the state read again. A running job is never stopped by it.
 */
export async function cancelJob(
  cfg: ResolvedConfig,
  options: {handle: string; server?: string; dryRun: boolean; confirm: Confirm<CancelPlan>; onSent?: () => void},
): Promise<CancelReport> {
  const handle = parseHandle(options.handle)
  const server = chooseServer(requireGearman(cfg), options.server)
  const timeoutMs = cfg.timeoutMs.value
  const label = formatHostPort(server)
  const before = await jobState(server, timeoutMs, handle)
  if (!before.listed && !before.running) {
    throw new UsageError(`job ${handle} is not known to ${label} (finished, dropped, or on another server)`, 'List the handles with: atom-ops queue jobs')
  }
  const plan: CancelPlan = {server: label, handle, before}
  if (options.dryRun) {
    return before.running
      ? {...plan, dryRun: true, outcome: 'would-not-stop', message: `${handle} is running on a worker: cancelling would only mark it, the worker would finish it`, exitCode: ExitCode.ok}
      : {...plan, dryRun: true, outcome: 'would-cancel', message: `${handle} is waiting: cancelling would make gearmand discard it when a worker pulls it`, exitCode: ExitCode.ok}
  }
  await options.confirm(plan)
  options.onSent?.()
  try {
    await new GearmanAdmin(server, timeoutMs).cancelJob(handle)
  } catch (error) {
    if (error instanceof GearmanServerError && error.code === 'UNKNOWN_JOB') {
      return {...plan, dryRun: false, outcome: 'gone', message: `${handle} was gone when the cancel arrived (it finished or was dropped): nothing to cancel`, exitCode: ExitCode.ok}
    }
    throw error
  }
  const after = await jobState(server, timeoutMs, handle)
  const base = {...plan, dryRun: false, after}
  if (before.running || after.running) {
    return {
      ...base,
      outcome: 'not-stopped',
      message: `${handle} is running: gearmand accepted the cancel but cannot stop a running job; the worker finishes it. To stop it, restart the worker that runs it (atom-ops worker restart).`,
      exitCode: ExitCode.problems,
    }
  }
  if (!after.listed) return {...base, outcome: 'gone', message: `${handle} is gone`, exitCode: ExitCode.ok}
  if (before.cancelled) return {...base, outcome: 'already-cancelled', message: `${handle} was already cancelled; it is discarded when a worker pulls it`, exitCode: ExitCode.ok}
  if (!after.cancelled) return {...base, outcome: 'not-marked', message: `gearmand answered OK but ${handle} is not marked cancelled in "show jobs"`, exitCode: ExitCode.failed}
  return {
    ...base,
    outcome: 'cancelled',
    message: `${handle} cancelled: it stays counted in "queue status" until a worker pulls it, which then discards it without running it`,
    exitCode: ExitCode.ok,
  }
}

// ---------------------------------------------------------------- drop

export interface DropTarget extends ServerHeader {
  /** The function is listed in this server's `status`. */
  found: boolean
  total?: number
  running?: number
  availableWorkers?: number
  /** drop: will be sent; not-found; has-jobs: refused without --force (jobs would be orphaned); has-workers: gearmand refuses while workers are connected. */
  action: 'drop' | 'not-found' | 'has-jobs' | 'has-workers' | 'unreachable'
}

export interface DropPlan {
  function: DecodedFunction
  force: boolean
  targets: DropTarget[]
}

export interface DropResult extends DropTarget {
  outcome: 'dropped' | 'would-drop' | 'not-found' | 'refused' | 'refused-by-server' | 'still-listed' | 'unreachable'
  message: string
}

export interface DropReport {
  function: DecodedFunction
  dryRun: boolean
  force: boolean
  servers: DropResult[]
  exitCode: number
}

/**
 * `drop function NAME` on every configured server (or --server), only where it is safe: gearmand itself
 * refuses while workers are connected, and with queued jobs and no workers it says OK and orphans them,
 * so atom-ops refuses unless the total is 0 or force is given. Verified afterwards by reading `status`.
 */
export async function dropFunction(
  cfg: ResolvedConfig,
  options: {name: string; server?: string; force: boolean; dryRun: boolean; confirm: Confirm<DropPlan>; onSent?: () => void},
): Promise<DropReport> {
  const name = options.name
  if (name === '' || /[\s\u0000-\u001f\u007f]/.test(name) || name.length > 512) {
    throw new UsageError(`"${name}" is not a Gearman function name atom-ops can drop`, 'Give the full name as `atom-ops queue status --all` shows it, e.g. 0123...abcd-arFindingAidJob')
  }
  const servers = options.server === undefined ? requireGearman(cfg) : [parseHostPortFlag(options.server, '--server', DEFAULT_GEARMAN_PORT)]
  const timeoutMs = cfg.timeoutMs.value
  const {decoder} = await loadDecoder(cfg)
  const fn = decoder.decode(name)

  const readTargets = async (): Promise<DropTarget[]> =>
    (await eachServer(servers, (s) => new GearmanAdmin(s, timeoutMs).status())).map((r): DropTarget => {
      if (!r.ok) return {...header(r), found: false, action: 'unreachable'}
      const row = r.value.find((s) => s.function === name)
      if (!row) return {...header(r), found: false, action: 'not-found'}
      const action = row.availableWorkers > 0 || row.running > 0 ? 'has-workers' : row.total > 0 && !options.force ? 'has-jobs' : 'drop'
      return {...header(r), found: true, total: row.total, running: row.running, availableWorkers: row.availableWorkers, action}
    })

  const targets = await readTargets()
  if (!targets.some((t) => t.found) && !targets.some((t) => t.action === 'unreachable')) {
    throw new UsageError(`function ${name} is not registered on ${servers.length === 1 ? formatHostPort(servers[0]) : 'any job server'}`, 'Names are case-sensitive; list them with: atom-ops queue status --all')
  }
  const plan: DropPlan = {function: fn, force: options.force, targets}
  const toDrop = targets.filter((t) => t.action === 'drop')
  const results = new Map<string, DropResult>()
  for (const t of targets) {
    if (t.action === 'not-found') results.set(t.server, {...t, outcome: 'not-found', message: 'not registered here'})
    if (t.action === 'unreachable') results.set(t.server, {...t, outcome: 'unreachable', message: t.error?.message ?? 'unreachable'})
    if (t.action === 'has-jobs') results.set(t.server, {...t, outcome: 'refused', message: `${t.total} queued job(s) and no worker: dropping would orphan them (gearmand keeps them but nothing can run them); use --force to drop anyway`})
    if (t.action === 'has-workers') results.set(t.server, {...t, outcome: 'refused', message: `${t.availableWorkers} worker(s) registered${t.running ? `, ${t.running} running` : ''}: gearmand refuses to drop a function while workers are connected; stop them first`})
    if (t.action === 'drop' && options.dryRun) results.set(t.server, {...t, outcome: 'would-drop', message: `would drop (${t.total} job(s))`})
  }

  if (!options.dryRun && toDrop.length > 0) {
    await options.confirm(plan)
    options.onSent?.()
    const sent = await eachServer(
      toDrop.map((t) => servers.find((s) => formatHostPort(s) === t.server)!),
      (s) => new GearmanAdmin(s, timeoutMs).dropFunction(name),
    )
    const after = await readTargets()
    for (const [i, t] of toDrop.entries()) {
      const r = sent[i]
      if (!r.ok) {
        results.set(t.server, {...t, outcome: r.error instanceof GearmanServerError ? 'refused-by-server' : 'unreachable', message: r.error.message})
        continue
      }
      const still = after.find((a) => a.server === t.server)
      if (still?.found) results.set(t.server, {...t, outcome: 'still-listed', message: 'gearmand answered OK but still lists the function'})
      else results.set(t.server, {...t, outcome: 'dropped', message: t.total ? `dropped; ${t.total} queued job(s) orphaned (forced)` : 'dropped'})
    }
  }
  const out = targets.map((t) => results.get(t.server)!)
  return {function: fn, dryRun: options.dryRun, force: options.force, servers: out, exitCode: dropExitCode(out)}
}

/**
 * 0: dropped (or would be) wherever it was registered; 6: not dropped on some server (workers connected, gearmand refused,
 * still listed); 5: refused because of queued jobs without --force; 4: a server did not answer.
 */
function dropExitCode(results: DropResult[]): number {
  if (results.some((r) => r.outcome === 'refused-by-server' || r.outcome === 'still-listed' || (r.outcome === 'refused' && r.action === 'has-workers'))) return ExitCode.failed
  if (results.some((r) => r.outcome === 'refused')) return ExitCode.aborted
  if (results.some((r) => r.outcome === 'unreachable')) return ExitCode.unreachable
  return ExitCode.ok
}
