import type {ServerLine} from '../util/answered.js'

import {describeError} from '../errors.js'
import {eachServer, type FunctionStatus, GearmanAdmin, parseShowJobs, parseStatus} from '../gearman/admin.js'
import {cancelledPerFunction, type HeldJob, withRunning} from '../gearman/cancelled.js'
import {msLeft} from '../gearman/deadline-socket.js'
import {GearmanServerError} from '../gearman/errors.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

/** Where a jobs command looks in Gearman: the install's servers, its function prefix, a timeout. */
export interface GearmanScope {
  servers: HostPort[]
  prefix: string
  timeoutMs: number
}

/** A server as jobs show and jobs stalled list it: host:port, whether it answered, and why not. */
export type ServerAnswer = ServerLine

/** What the answering servers say about one function, summed over servers. */
export interface FunctionState {
  function: string
  /** Queued and not cancelled, where that can be told (see `cancelled`). */
  waiting: number
  running: number
  /** Idle or busy workers registered for it (per server, summed). */
  workers: number
  /** Queued jobs known to be cancelled (`cancel job`): gearmand still counts them until a worker pulls them. */
  cancelled: number
  /** Servers that list the function. */
  servers: string[]
}

export interface GearmanPicture {
  servers: ServerAnswer[]
  /** Every function the answering servers list, by name. */
  functions: Map<string, FunctionState>
  /** Per server, its status lines and, when asked for, the jobs it holds (for cancelling). */
  perServer: Array<{server: HostPort; status: FunctionStatus[]; jobs?: HeldJob[]}>
  answered: number
  /** JSON shows the servers' answers and the functions, not the raw handles. */
  toJSON?: () => unknown
}

/** Asks every server for `status` (and the jobs it holds when needed); a dead server is reported, never fatal. */
export async function gearmanPicture(
  scope: Pick<GearmanScope, 'servers' | 'timeoutMs'>,
  options: {jobs?: boolean} = {},
): Promise<GearmanPicture> {
  const results = await eachServer(scope.servers, async (server) => {
    // One deadline for the server: status and show jobs on one connection, GET_STATUS in what is left.
    const deadline = Date.now() + scope.timeoutMs
    const {status, held} = await new GearmanAdmin(server, scope.timeoutMs).session(async (c) => ({
      status: parseStatus(await c.list('status')),
      held: options.jobs ? parseShowJobs(await c.list('show jobs')) : undefined,
    }))
    const jobs = held ? await withRunning(server, msLeft(deadline), held) : undefined
    return {status, jobs}
  })
  const functions = new Map<string, FunctionState>()
  const perServer: GearmanPicture['perServer'] = []
  const servers: ServerAnswer[] = []
  for (const r of results) {
    const name = formatHostPort(r.where)
    if (!r.ok) {
      servers.push({server: name, ok: false, error: describeError(r.error)})
      continue
    }

    servers.push({server: name, ok: true})
    perServer.push({server: r.where, status: r.value.status, jobs: r.value.jobs})
    const cancelled = cancelledPerFunction(r.value.status, r.value.jobs)
    for (const s of r.value.status) {
      const f = functions.get(s.function) ?? {
        function: s.function,
        waiting: 0,
        running: 0,
        workers: 0,
        cancelled: 0,
        servers: [],
      }
      const gone = cancelled.get(s.function) ?? 0
      f.waiting += s.waiting - gone
      f.cancelled += gone
      f.running += s.running
      f.workers += s.availableWorkers
      f.servers.push(name)
      functions.set(s.function, f)
    }
  }

  return {
    servers,
    functions,
    perServer,
    answered: perServer.length,
    toJSON: () => ({servers, functions: [...functions.values()]}),
  }
}

export interface CancelOutcome {
  server: string
  /** Handles gearmand answered OK to `cancel job`. */
  cancelled: number
  /** Of the functions cancelled for, jobs a worker was running: cancel does not stop them. */
  runningNotStopped: number
  /** Handles that were gone by the time of the cancel (finished or pulled). */
  gone: number
  /** Queued jobs of these functions left alone because they cannot be told apart: they will still run. */
  notCancelled: number
  /** Those jobs are among these handles (the server's queued, uncancelled jobs), for `atom-ops queue cancel`. */
  candidates?: string[]
  /** Why nothing was cancelled on this server, when nothing was. */
  skipped?: string
}

export interface QueuedCancelReport {
  functions: string[]
  outcomes: CancelOutcome[]
  /** Classes left alone because in-progress rows of them are kept (their queued jobs may be theirs). */
  keptClasses: string[]
  /** Queued jobs of the classes asked for that were NOT cancelled, over all servers: they will still run. */
  notCancelled: number
  note: string
}

export const CANCEL_NOTE =
  "gearmand's `show jobs` lists handles without their function, so atom-ops cancels a server's queued jobs only when all of them belong to the functions being cleared (running jobs aside: a cancel never stops those); `cancel job` marks a queued job ignored, and a worker that pulls it discards it."

/**
 * Cancels the queued Gearman jobs of these classes, from a picture taken *before* the rows were
 * snapshotted (so a job submitted later, with a new handle, is never touched). gearmand does not say
 * which function a handle belongs to: on a server, the waiting (not running, not cancelled) handles
 * are cancelled only when every waiting job there is of these functions. Whatever stays queued is
 * counted, with the handles it is among, so the caller can say plainly that it will still run.
 */
export async function cancelQueued(
  scope: GearmanScope,
  picture: GearmanPicture,
  classes: string[],
  keptClasses: string[] = [],
): Promise<QueuedCancelReport> {
  const kept = new Set(keptClasses)
  const fns = new Set(classes.filter((c) => !kept.has(c)).map((c) => scope.prefix + c))
  const keptFns = new Set(classes.filter((c) => kept.has(c)).map((c) => scope.prefix + c))
  const outcomes: CancelOutcome[] = []
  const none = {cancelled: 0, runningNotStopped: 0, gone: 0, notCancelled: 0}
  for (const failed of picture.servers.filter((s) => !s.ok))
    outcomes.push({server: failed.server, ...none, skipped: `no answer: ${failed.error ?? 'unreachable'}`})
  for (const ps of picture.perServer) {
    const name = formatHostPort(ps.server)
    const cancelledAlready = cancelledPerFunction(ps.status, ps.jobs)
    const waitingOf = (s: FunctionStatus) => s.waiting - (cancelledAlready.get(s.function) ?? 0)
    const ours = ps.status.filter((s) => fns.has(s.function))
    const ourWaiting = ours.reduce((a, s) => a + waitingOf(s), 0)
    const keptWaiting = ps.status.filter((s) => keptFns.has(s.function)).reduce((a, s) => a + waitingOf(s), 0)
    const othersWaiting = ps.status.filter((s) => !fns.has(s.function) && waitingOf(s) > 0)
    const handles = (ps.jobs ?? []).filter((j) => !j.ignored && !j.running).map((j) => j.handle)
    const runningNotStopped = ours.reduce((a, s) => a + s.running, 0)
    if (ourWaiting === 0) {
      // Kept classes' queued jobs are other rows' too: never cancelled, but their handles are listed.
      outcomes.push({
        server: name,
        ...none,
        runningNotStopped,
        candidates: keptWaiting ? handles : undefined,
        skipped: 'no queued jobs to cancel for these functions',
      })
      continue
    }

    if (othersWaiting.length > 0) {
      const n = othersWaiting.reduce((a, s) => a + waitingOf(s), 0)
      outcomes.push({
        server: name,
        ...none,
        runningNotStopped,
        notCancelled: ourWaiting,
        candidates: handles,
        skipped: `the server also holds ${n} queued job(s) of ${othersWaiting.length} other function(s); gearmand does not say which handle is whose`,
      })
      continue
    }

    const admin = new GearmanAdmin(ps.server, scope.timeoutMs)
    let cancelled = 0
    let gone = 0
    let failed = 0
    for (const handle of handles) {
      try {
        await admin.cancelJob(handle)
        cancelled++
      } catch (error) {
        // ERR from the server: the handle is no longer known (finished or pulled). Anything else: no answer.
        if (error instanceof GearmanServerError) gone++
        else failed++
      }
    }

    outcomes.push({
      server: name,
      cancelled,
      runningNotStopped,
      gone,
      notCancelled: failed,
      ...(failed ? {skipped: `${failed} cancel request(s) got no answer`} : {}),
    })
  }

  const notCancelled = outcomes.reduce((a, o) => a + o.notCancelled, 0)
  return {functions: [...fns], outcomes, keptClasses: [...kept], notCancelled, note: CANCEL_NOTE}
}
