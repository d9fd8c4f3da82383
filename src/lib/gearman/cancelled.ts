import type {HostPort} from '../util/hostport.js'
import type {FunctionStatus, QueuedJob} from './admin.js'

import {withBinary} from './binary.js'

/** A job a server holds (`show jobs`), with whether a worker runs it (GET_STATUS). */
export interface HeldJob extends QueuedJob {
  running: boolean
}

/** GET_STATUS for each listed job, pipelined on one binary connection: which of them a worker runs. */
export async function withRunning(server: HostPort, timeoutMs: number, jobs: QueuedJob[]): Promise<HeldJob[]> {
  if (jobs.length === 0) return []
  const statuses = await withBinary(server, timeoutMs, (b) => b.getStatuses(jobs.map((j) => j.handle)))
  return jobs.map((j, i) => ({...j, running: statuses[i].running}))
}

/**
 * Cancelled jobs (`cancel job`) stay counted as waiting in `status` until a worker pulls them, and
 * gearmand does not say whose they are. Where every waiting job of a server is its one busy
 * function's, or every waiting job is cancelled, the cancelled ones are that function's (or each
 * function's): per function, how many of its waiting jobs are really cancelled.
 */
export function cancelledPerFunction(status: FunctionStatus[], jobs: HeldJob[] | undefined): Map<string, number> {
  const out = new Map<string, number>()
  if (!jobs) return out
  const cancelled = jobs.filter((j) => j.ignored && !j.running).length
  if (cancelled === 0) return out
  const waiting = status.filter((s) => s.waiting > 0)
  const total = waiting.reduce((a, s) => a + s.waiting, 0)
  if (waiting.length === 1) out.set(waiting[0].function, Math.min(cancelled, waiting[0].waiting))
  else if (cancelled >= total) for (const s of waiting) out.set(s.function, s.waiting)
  return out
}

/** The status lines with cancelled jobs taken off their function's waiting count (and total). */
export function withoutCancelled(status: FunctionStatus[], jobs: HeldJob[] | undefined): FunctionStatus[] {
  const cancelled = cancelledPerFunction(status, jobs)
  if (cancelled.size === 0) return status
  return status.map((s) => {
    const gone = cancelled.get(s.function) ?? 0
    return gone ? {...s, waiting: s.waiting - gone, total: s.total - gone} : s
  })
}
