import type {ResolvedConfig} from '../config/resolve.js'

import {UsageError} from '../errors.js'
import {parseSeconds, type SecondsRange} from '../util/duration.js'
import {queueScope} from './common.js'
import {collectStatus, type FunctionRow, type QueueStatusReport} from './inspect.js'

export type ChangedField = 'new' | 'waiting' | 'running' | 'availableWorkers'

export interface WatchRow extends FunctionRow {
  server: string
  /** What differs from the previous snapshot (empty on the first one). */
  changed: ChangedField[]
}

export interface WatchSnapshot {
  time: string
  /** 1 for the first snapshot. */
  seq: number
  /** Every function in scope over all servers, busiest (most waiting) first. */
  rows: WatchRow[]
  /** Functions present in the previous snapshot and gone now. */
  gone: Array<{server: string; function: string}>
  servers: QueueStatusReport['servers']
  totals: QueueStatusReport['totals']
  unreachable: number
  exitCode: number
}

export interface WatchOptions {
  all?: boolean
  intervalSeconds: number
  /** Stop after this many snapshots; undefined runs until signal aborts. */
  count?: number
  signal?: AbortSignal
  onSnapshot: (snapshot: WatchSnapshot) => void | Promise<void>
}

/** Refreshes at most five times a second, at least once an hour. */
export const INTERVAL_RANGE: SecondsRange = {min: 0.2, max: 3600}

export function validateInterval(seconds: number | string): number {
  return parseSeconds(seconds, '--interval', INTERVAL_RANGE)
}

/** Compares a snapshot's rows with the previous ones; marks what changed. */
export function diffRows(
  report: QueueStatusReport,
  previous: Map<string, FunctionRow> | undefined,
): {rows: WatchRow[]; gone: WatchSnapshot['gone']; now: Map<string, FunctionRow>} {
  const now = new Map<string, FunctionRow>()
  const rows: WatchRow[] = []
  for (const server of report.servers) {
    for (const f of server.functions) {
      const key = `${server.server}\t${f.function}`
      now.set(key, f)
      const before = previous?.get(key)
      const changed: ChangedField[] = []
      if (previous && !before) changed.push('new')
      if (before)
        for (const field of ['waiting', 'running', 'availableWorkers'] as const)
          if (before[field] !== f[field]) changed.push(field)
      rows.push({...f, server: server.server, changed})
    }
  }

  rows.sort(
    (a, b) =>
      b.waiting - a.waiting ||
      b.running - a.running ||
      a.function.localeCompare(b.function) ||
      a.server.localeCompare(b.server),
  )
  const gone: WatchSnapshot['gone'] = []
  for (const key of previous?.keys() ?? []) {
    if (!now.has(key)) {
      const [server, fn] = key.split('\t')
      gone.push({server, function: fn})
    }
  }

  return {rows, gone, now}
}

/**
 * Polls every server each interval (each round bounded by --timeout) and hands each snapshot, with
 * its changes, to onSnapshot. Ends after `count` snapshots or when signal aborts.
 */
export async function watchQueue(cfg: ResolvedConfig, options: WatchOptions): Promise<{snapshots: number}> {
  const intervalMs = validateInterval(options.intervalSeconds) * 1000
  if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 1))
    throw new UsageError(`--count ${options.count} is not a positive whole number`, 'Example: --count 5')
  const scope = await queueScope(cfg, options.all ?? false)
  let previous: Map<string, FunctionRow> | undefined
  let seq = 0
  while (!options.signal?.aborted) {
    const started = Date.now()
    const report = await collectStatus(scope)
    if (options.signal?.aborted) break
    const {rows, gone, now} = diffRows(report, previous)
    previous = now
    seq += 1
    await options.onSnapshot({
      time: new Date().toISOString(),
      seq,
      rows,
      gone,
      servers: report.servers,
      totals: report.totals,
      unreachable: report.unreachable,
      exitCode: report.exitCode,
    })
    if (options.count !== undefined && seq >= options.count) break
    await sleep(Math.max(0, intervalMs - (Date.now() - started)), options.signal)
  }

  return {snapshots: seq}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }

    signal?.addEventListener('abort', done, {once: true})
  })
}
