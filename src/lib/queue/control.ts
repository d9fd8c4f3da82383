import {jobClassesOf} from '../atom/facts.js'
import {DEFAULT_GEARMAN_PORT} from '../atom/install.js'
import {splitFunctionName} from '../atom/prefix.js'
import {requireGearman, type ResolvedConfig} from '../config/resolve.js'
import {ConfigError, ExitCode, UnreachableError, UsageError} from '../errors.js'
import {
  eachServer,
  type FunctionStatus,
  GearmanAdmin,
  parseShowJobs,
  type PerServer,
  type QueuedJob,
} from '../gearman/admin.js'
import {withBinary} from '../gearman/binary.js'
import {msLeft} from '../gearman/deadline-socket.js'
import {GearmanServerError} from '../gearman/errors.js'
import {formatHostPort, type HostPort, parseHostPortFlag} from '../util/hostport.js'
import {nearest} from '../util/nearest.js'
import {header, type ServerHeader} from './common.js'
import {type DecodedFunction, loadDecoder} from './decode.js'

const HANDLE = /^H:[^\s\u0000-\u001F\u007F]{1,200}:\d{1,20}$/

/** A job handle as gearmand prints it: `H:<server host name>:<number>`. */
export function parseHandle(text: string): string {
  if (!HANDLE.test(text))
    throw new UsageError(
      `"${text}" is not a Gearman job handle`,
      'A handle looks like H:myhost:42; `atom-ops queue jobs` lists them.',
    )
  return text
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
  /** Without --server: what each configured server said about the handle (the job is cancelled where it was found). */
  lookup?: HandleLookup[]
}

export interface HandleLookup {
  server: string
  found: boolean
  /** The server did not answer. */
  error?: string
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
  const jobs: QueuedJob[] = await new GearmanAdmin(server, timeoutMs).session(async (c) =>
    parseShowJobs(await c.list('show jobs')),
  )
  const listed = jobs.find((j) => j.handle === handle)
  const st = await withBinary(server, msLeft(deadline), (b) => b.getStatus(handle))
  return {
    listed: listed !== undefined,
    running: st.known && st.running,
    cancelled: listed?.ignored ?? false,
    retries: listed?.retries,
  }
}

const known = (s: JobState) => s.listed || s.running

/**
 * The server holding a handle: every one given is asked at once (show jobs + GET_STATUS, each bounded by
 * the timeout). Found on one, that one; on several (two gearmand on one host number their handles
 * alike), none is guessed: --server names it. `lookup` is set when there was more than one to ask.
 */
async function findHandle(
  handle: string,
  servers: HostPort[],
  timeoutMs: number,
): Promise<{server: HostPort; before: JobState; lookup?: HandleLookup[]}> {
  const answers = await eachServer(servers, (s) => jobState(s, timeoutMs, handle))
  const found = answers.flatMap((a) => (a.ok && known(a.value) ? [{server: a.where, before: a.value}] : []))
  const lookup =
    servers.length > 1
      ? answers.map((a): HandleLookup =>
          a.ok
            ? {server: formatHostPort(a.where), found: known(a.value)}
            : {server: formatHostPort(a.where), found: false, error: a.error.message},
        )
      : undefined
  if (found.length === 1) return {...found[0], lookup}
  if (found.length > 1) {
    const where = found.map((f) => formatHostPort(f.server))
    throw new UsageError(
      `job ${handle} is known to ${where.length} job servers (${where.join(', ')}): atom-ops will not guess which one you mean`,
      `Say which with --server, e.g. --server ${where[0]}; atom-ops queue jobs shows each server's jobs.`,
    )
  }

  const silent = answers.filter((a) => !a.ok)
  if (silent.length === 1 && servers.length === 1) throw silent[0].error
  const asked = servers.length === 1 ? formatHostPort(servers[0]) : 'any job server'
  if (silent.length > 0) {
    throw new UnreachableError(
      'gearman',
      `job ${handle} is not known to the job servers that answered; ${silent.map((a) => formatHostPort(a.where)).join(', ')} did not answer`,
      `It may be there: check that server, then run again (or name it with --server). ${silent[0].error.message}`,
    )
  }

  throw new UsageError(
    `job ${handle} is not known to ${asked} (finished, or dropped${servers.length === 1 ? ', or on another server' : ''})`,
    'List the handles with: atom-ops queue jobs',
  )
}

/** A cancel ready to send: its plan (shown and asked about) and where it goes. */
export interface PreparedCancel {
  plan: CancelPlan
  target: HostPort
  timeoutMs: number
}

/**
 * `cancel job HANDLE`, told truthfully: the state is read first (show jobs + GET_STATUS) on the server
 * holding it; applyCancel sends it and reads the state again. A running job is never stopped by it.
 */
export async function prepareCancel(
  cfg: ResolvedConfig,
  options: {handle: string; server?: string},
): Promise<PreparedCancel> {
  const handle = parseHandle(options.handle)
  const timeoutMs = cfg.timeoutMs.value
  const {server, before, lookup} = await findHandle(
    handle,
    options.server === undefined
      ? requireGearman(cfg)
      : [parseHostPortFlag(options.server, '--server', DEFAULT_GEARMAN_PORT)],
    timeoutMs,
  )
  return {plan: {server: formatHostPort(server), handle, before, ...(lookup && {lookup})}, target: server, timeoutMs}
}

/** What a cancel would do, sending nothing. */
export function cancelDryRun({plan}: PreparedCancel): CancelReport {
  return plan.before.running
    ? {
        ...plan,
        dryRun: true,
        outcome: 'would-not-stop',
        message: `${plan.handle} is running on a worker: cancelling would only mark it, the worker would finish it`,
        exitCode: ExitCode.ok,
      }
    : {
        ...plan,
        dryRun: true,
        outcome: 'would-cancel',
        message: `${plan.handle} is waiting: cancelling would make gearmand discard it when a worker pulls it`,
        exitCode: ExitCode.ok,
      }
}

export async function applyCancel({plan, target: server, timeoutMs}: PreparedCancel): Promise<CancelReport> {
  const {handle, before} = plan
  try {
    await new GearmanAdmin(server, timeoutMs).cancelJob(handle)
  } catch (error) {
    if (error instanceof GearmanServerError && error.code === 'UNKNOWN_JOB') {
      return {
        ...plan,
        dryRun: false,
        outcome: 'gone',
        message: `${handle} was gone when the cancel arrived (it finished or was dropped): nothing to cancel`,
        exitCode: ExitCode.ok,
      }
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
  if (before.cancelled)
    return {
      ...base,
      outcome: 'already-cancelled',
      message: `${handle} was already cancelled; it is discarded when a worker pulls it`,
      exitCode: ExitCode.ok,
    }
  if (!after.cancelled)
    return {
      ...base,
      outcome: 'not-marked',
      message: `gearmand answered OK but ${handle} is not marked cancelled in "show jobs"`,
      exitCode: ExitCode.failed,
    }
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
  /** What was typed, when it was a job class mapped to this install's function. */
  typed?: string
  force: boolean
  targets: DropTarget[]
}

export interface DropResult extends DropTarget {
  outcome: 'dropped' | 'would-drop' | 'not-found' | 'refused' | 'refused-by-server' | 'still-listed' | 'unreachable'
  message: string
}

export interface DropReport {
  function: DecodedFunction
  /** What was typed, when it was a job class mapped to this install's function. */
  typed?: string
  dryRun: boolean
  force: boolean
  servers: DropResult[]
  exitCode: number
}

/** A drop ready to send: its plan (shown and asked about), the outcome already known per server, where it goes. */
export interface PreparedDrop {
  plan: DropPlan
  name: string
  servers: HostPort[]
  timeoutMs: number
  /** Per server label: refusals and absences decided while planning. */
  decided: Map<string, DropResult>
}

/**
 * `drop function NAME` on every configured server (or --server), only where it is safe: gearmand itself
 * refuses while workers are connected, and with queued jobs and no workers it says OK and orphans them,
 * so atom-ops refuses unless the total is 0 or force is given. applyDrop verifies by reading `status`.
 */
export async function prepareDrop(
  cfg: ResolvedConfig,
  options: {name: string; server?: string; force: boolean},
): Promise<PreparedDrop> {
  const typed = options.name
  if (typed === '' || /[\s\u0000-\u001F\u007F]/.test(typed) || typed.length > 512) {
    throw new UsageError(
      `"${typed}" is not a Gearman function name atom-ops can drop`,
      'Give a job class (arFindingAidJob) or the full name as `atom-ops queue status --all` shows it.',
    )
  }

  const servers =
    options.server === undefined
      ? requireGearman(cfg)
      : [parseHostPortFlag(options.server, '--server', DEFAULT_GEARMAN_PORT)]
  const timeoutMs = cfg.timeoutMs.value
  const {decoder} = await loadDecoder(cfg)
  const before = await readStatuses(servers, timeoutMs)
  const name = functionToDrop(typed, cfg, before)
  const targets = dropTargets(before, name, options.force)
  if (!targets.some((t) => t.found) && !targets.some((t) => t.action === 'unreachable')) {
    const where = servers.length === 1 ? formatHostPort(servers[0]) : 'any job server'
    throw new UsageError(
      name === typed
        ? `function ${name} is not registered on ${where}`
        : `job class ${typed} (function ${name}) is not registered on ${where}`,
      'Names are case-sensitive; list them with: atom-ops queue status --all',
    )
  }

  const decided = new Map<string, DropResult>()
  for (const t of targets) {
    if (t.action === 'not-found') decided.set(t.server, {...t, outcome: 'not-found', message: 'not registered here'})
    if (t.action === 'unreachable')
      decided.set(t.server, {...t, outcome: 'unreachable', message: t.error?.message ?? 'unreachable'})
    if (t.action === 'has-jobs')
      decided.set(t.server, {
        ...t,
        outcome: 'refused',
        message: `${t.total} queued job(s) and no worker: dropping would orphan them (gearmand keeps them but nothing can run them); use --force to drop anyway`,
      })
    if (t.action === 'has-workers')
      decided.set(t.server, {
        ...t,
        outcome: 'refused',
        message: `${t.availableWorkers} worker(s) registered${t.running ? `, ${t.running} running` : ''}: gearmand refuses to drop a function while workers are connected; stop them first`,
      })
  }

  return {
    plan: {function: decoder.decode(name), typed: name === typed ? undefined : typed, force: options.force, targets},
    name,
    servers,
    timeoutMs,
    decided,
  }
}

/** The servers a drop would be sent to (none: nothing to ask or send). */
export function dropsToSend({plan}: PreparedDrop): DropTarget[] {
  return plan.targets.filter((t) => t.action === 'drop')
}

/** What a drop would do, sending nothing (also the report when no server can take it). */
export function dropDryRun(prepared: PreparedDrop, dryRun = true): DropReport {
  const results = new Map(prepared.decided)
  if (dryRun)
    for (const t of dropsToSend(prepared))
      results.set(t.server, {...t, outcome: 'would-drop', message: `would drop (${t.total} job(s))`})
  return dropReport(prepared, results, dryRun)
}

export async function applyDrop(prepared: PreparedDrop): Promise<DropReport> {
  const {name, servers, timeoutMs} = prepared
  const toDrop = dropsToSend(prepared)
  const results = new Map(prepared.decided)
  const sent = await eachServer(
    toDrop.map((t) => servers.find((s) => formatHostPort(s) === t.server)!),
    (s) => new GearmanAdmin(s, timeoutMs).dropFunction(name),
  )
  const after = dropTargets(await readStatuses(servers, timeoutMs), name, prepared.plan.force)
  for (const [i, t] of toDrop.entries()) {
    const r = sent[i]
    if (!r.ok) {
      results.set(t.server, {
        ...t,
        outcome: r.error instanceof GearmanServerError ? 'refused-by-server' : 'unreachable',
        message: r.error.message,
      })
      continue
    }

    const still = after.find((a) => a.server === t.server)
    if (still?.found)
      results.set(t.server, {
        ...t,
        outcome: 'still-listed',
        message: 'gearmand answered OK but still lists the function',
      })
    else
      results.set(t.server, {
        ...t,
        outcome: 'dropped',
        message: t.total ? `dropped; ${t.total} queued job(s) orphaned (forced)` : 'dropped',
      })
  }

  return dropReport(prepared, results, false)
}

function dropReport({plan}: PreparedDrop, results: Map<string, DropResult>, dryRun: boolean): DropReport {
  const out = plan.targets.map((t) => results.get(t.server)!)
  return {
    function: plan.function,
    typed: plan.typed,
    dryRun,
    force: plan.force,
    servers: out,
    exitCode: dropExitCode(out),
  }
}

function readStatuses(servers: HostPort[], timeoutMs: number): Promise<Array<PerServer<FunctionStatus[]>>> {
  return eachServer(servers, (s) => new GearmanAdmin(s, timeoutMs).status())
}

function dropTargets(statuses: Array<PerServer<FunctionStatus[]>>, name: string, force: boolean): DropTarget[] {
  return statuses.map((r): DropTarget => {
    if (!r.ok) return {...header(r), found: false, action: 'unreachable'}
    const row = r.value.find((s) => s.function === name)
    if (!row) return {...header(r), found: false, action: 'not-found'}
    const action =
      row.availableWorkers > 0 || row.running > 0 ? 'has-workers' : row.total > 0 && !force ? 'has-jobs' : 'drop'
    return {
      ...header(r),
      found: true,
      total: row.total,
      running: row.running,
      availableWorkers: row.availableWorkers,
      action,
    }
  })
}

/**
 * The function a typed name means. A full name (`<32 hex>-arFindingAidJob`) is itself. A job class
 * (`arFindingAidJob`) is this install's function for it: the prefix from the install's root and
 * workers_key, as AtoM computes it. A name that is neither a class of this install nor registered
 * under its prefix, but registered as typed (a function of no AtoM install), is itself too.
 */
function functionToDrop(typed: string, cfg: ResolvedConfig, statuses: Array<PerServer<FunctionStatus[]>>): string {
  if (splitFunctionName(typed).prefix) return typed
  const registered = new Set(statuses.flatMap((r) => (r.ok ? r.value.map((s) => s.function) : [])))
  const prefix = cfg.prefix?.value
  if (prefix === undefined) {
    if (registered.has(typed)) return typed
    throw new ConfigError(
      `"${typed}" is a job class, and this install's function prefix is unknown: ${cfg.installError?.message ?? 'no AtoM install'}`,
      'Give the full function name as `atom-ops queue status --all` shows it, or --atom-root for the install.',
    )
  }

  const classes = new Set([
    ...(cfg.install ? jobClassesOf(cfg.install.worker.workerTypes) : []),
    ...[...registered].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)),
  ])
  if (classes.has(typed) || registered.has(prefix + typed)) return prefix + typed
  // A server that did not answer may hold it under this very name: try it as typed there (exit 4 says so).
  if (registered.has(typed) || statuses.some((r) => !r.ok)) return typed
  const guess = nearest(typed, [...classes])
  throw new UsageError(
    `"${typed}" is not a job class of this install, nor a registered function`,
    `${guess ? `Did you mean ${guess}? ` : ''}The install's job classes are in gearman.yml's worker_types; the functions: atom-ops queue status --all`,
  )
}

/**
 * 0: dropped (or would be) wherever it was registered; 6: not dropped on some server (workers connected, gearmand refused,
 * still listed); 5: refused because of queued jobs without --force; 4: a server did not answer.
 */
function dropExitCode(results: DropResult[]): number {
  if (
    results.some(
      (r) =>
        r.outcome === 'refused-by-server' ||
        r.outcome === 'still-listed' ||
        (r.outcome === 'refused' && r.action === 'has-workers'),
    )
  )
    return ExitCode.failed
  if (results.some((r) => r.outcome === 'refused')) return ExitCode.aborted
  if (results.some((r) => r.outcome === 'unreachable')) return ExitCode.unreachable
  return ExitCode.ok
}
