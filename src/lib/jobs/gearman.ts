import {eachServer, type FunctionStatus, GearmanAdmin, type QueuedJob} from '../gearman/admin.js'
import {describeError} from '../errors.js'
import {GearmanServerError} from '../gearman/errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

/** Where a jobs command looks in Gearman: the install's servers, its function prefix, a timeout. */
export interface GearmanScope {
  servers: HostPort[]
  prefix: string
  timeoutMs: number
}

export interface ServerAnswer {
  server: string
  ok: boolean
  error?: string
}

/** What the answering servers say about one function, summed over servers. */
export interface FunctionState {
  function: string
  waiting: number
  running: number
  /** Idle or busy workers registered for it (per server, summed). */
  workers: number
  /** Servers that list the function. */
  servers: string[]
}

export interface GearmanPicture {
  servers: ServerAnswer[]
  /** Every function the answering servers list, by name. */
  functions: Map<string, FunctionState>
  /** Per server, its status lines and `show jobs` (when asked for), for cancelling. */
  perServer: Array<{server: HostPort; status: FunctionStatus[]; jobs?: QueuedJob[]}>
  answered: number
  /** JSON shows the servers' answers and the functions, not the raw handles. */
  toJSON?: () => unknown
}

/** Asks every server for `status` (and `show jobs` when needed); a dead server is reported, never fatal. */
export async function gearmanPicture(scope: Pick<GearmanScope, 'servers' | 'timeoutMs'>, options: {jobs?: boolean} = {}): Promise<GearmanPicture> {
  const results = await eachServer(scope.servers, async (server) => {
    const admin = new GearmanAdmin(server, scope.timeoutMs)
    const status = await admin.status()
    const jobs = options.jobs ? await admin.showJobs() : undefined
    return {status, jobs}
  })
  const functions = new Map<string, FunctionState>()
  const perServer: GearmanPicture['perServer'] = []
  const servers: ServerAnswer[] = []
  for (const r of results) {
    const name = formatHostPort(r.server)
    if (!r.ok) {
      servers.push({server: name, ok: false, error: describeError(r.error)})
      continue
    }
    servers.push({server: name, ok: true})
    perServer.push({server: r.server, status: r.value.status, jobs: r.value.jobs})
    for (const s of r.value.status) {
      const f = functions.get(s.function) ?? {function: s.function, waiting: 0, running: 0, workers: 0, servers: []}
      f.waiting += s.waiting
      f.running += s.running
      f.workers += s.availableWorkers
      f.servers.push(name)
      functions.set(s.function, f)
    }
  }
  return {servers, functions, perServer, answered: perServer.length, toJSON: () => ({servers, functions: [...functions.values()]})}
}

export interface CancelOutcome {
  server: string
  /** Handles gearmand answered OK to `cancel job`. */
  cancelled: number
  /** Of the functions cancelled for, jobs a worker was running: cancel does not stop them. */
  runningNotStopped: number
  /** Handles that were gone by the time of the cancel (finished or pulled). */
  gone: number
  /** Why nothing was cancelled on this server, when nothing was. */
  skipped?: string
}

export interface CancelReport {
  functions: string[]
  outcomes: CancelOutcome[]
  /** Classes left alone because in-progress rows of them are kept (their queued jobs may be theirs). */
  keptClasses: string[]
  note: string
}

export const CANCEL_NOTE =
  "gearmand's `show jobs` lists handles without their function, so atom-ops cancels on a server only when every job that server holds belongs to the functions being cleared; `cancel job` marks a queued job ignored (a worker that pulls it discards it) and does not stop a job a worker is running."

/**
 * Cancels the queued Gearman jobs of these functions, from a picture taken *before* the rows were
 * snapshotted (so a job submitted later, with a new handle, is never touched). gearmand does not say
 * which function a handle belongs to: a server is acted on only when all its jobs are of these functions.
 */
export async function cancelQueued(scope: GearmanScope, picture: GearmanPicture, classes: string[], keptClasses: string[] = []): Promise<CancelReport> {
  const fns = new Set(classes.filter((c) => !keptClasses.includes(c)).map((c) => scope.prefix + c))
  const outcomes: CancelOutcome[] = []
  for (const failed of picture.servers.filter((s) => !s.ok)) outcomes.push({server: failed.server, cancelled: 0, runningNotStopped: 0, gone: 0, skipped: `no answer: ${failed.error ?? 'unreachable'}`})
  for (const ps of picture.perServer) {
    const name = formatHostPort(ps.server)
    const busy = ps.status.filter((s) => s.total > 0)
    const ours = busy.filter((s) => fns.has(s.function))
    const others = busy.filter((s) => !fns.has(s.function))
    const handles = (ps.jobs ?? []).filter((j) => !j.ignored)
    if (ours.length === 0 || handles.length === 0) {
      outcomes.push({server: name, cancelled: 0, runningNotStopped: 0, gone: 0, skipped: 'no queued jobs for these functions'})
      continue
    }
    if (others.length > 0) {
      const n = others.reduce((a, s) => a + s.total, 0)
      outcomes.push({server: name, cancelled: 0, runningNotStopped: 0, gone: 0, skipped: `the server also holds ${n} job(s) of ${others.length} other function(s); gearmand does not say which handle is whose, so nothing was cancelled`})
      continue
    }
    const admin = new GearmanAdmin(ps.server, scope.timeoutMs)
    let cancelled = 0
    let gone = 0
    let failed = 0
    for (const job of handles) {
      try {
        await admin.cancelJob(job.handle)
        cancelled++
      } catch (error) {
        // ERR from the server: the handle is no longer known (finished or pulled). Anything else: no answer.
        if (error instanceof GearmanServerError) gone++
        else failed++
      }
    }
    outcomes.push({server: name, cancelled, runningNotStopped: ours.reduce((a, s) => a + s.running, 0), gone, ...(failed ? {skipped: `${failed} cancel request(s) got no answer`} : {})})
  }
  return {functions: [...fns], outcomes, keptClasses, note: CANCEL_NOTE}
}
