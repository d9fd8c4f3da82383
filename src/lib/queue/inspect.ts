import type {ResolvedConfig} from '../config/resolve.js'

import {requireGearman} from '../config/resolve.js'
import {
  eachServer,
  type FunctionStatus,
  GearmanAdmin,
  parseShowJobs,
  type PerServer,
  type ServerSnapshot,
} from '../gearman/admin.js'
import {withBinary} from '../gearman/binary.js'
import {msLeft} from '../gearman/deadline-socket.js'
import {header, queueScope, type QueueScope, readExitCode, type ServerHeader} from './common.js'
import {type DecodedFunction} from './decode.js'

export interface FunctionRow extends DecodedFunction {
  /** Queued and not yet picked up: total - running. */
  waiting: number
  running: number
  /** gearmand's TOTAL: waiting plus running. */
  total: number
  /** Per function: a worker registered for 18 functions counts in 18 rows. Never sum it. */
  availableWorkers: number
}

export interface StatusServer extends ServerHeader {
  functions: FunctionRow[]
  /** Functions of other installs left out (no --all). */
  hidden: number
  /** Distinct worker connections with at least one function in scope. */
  workers: number
}

export interface QueueStatusReport {
  scope: 'this install' | 'all'
  prefix?: string
  servers: StatusServer[]
  totals: {waiting: number; running: number; functions: number}
  unreachable: number
  skippedProfiles: string[]
  exitCode: number
}

/**
 * Functions sorted by waiting, then running, then name: the busiest first. localeCompare stays: measured on
 * the benchmark's 3 x 2,000 names as gearmand sends them, a code-unit comparison was no faster (V8 compares
 * one-byte strings quickly, and oclif has already paid for ICU's collator by then), and it orders case and
 * `_` differently.
 */
export function sortFunctions<T extends {waiting: number; running: number; function: string}>(rows: T[]): T[] {
  return rows.sort((a, b) => b.waiting - a.waiting || b.running - a.running || a.function.localeCompare(b.function))
}

export function statusServer(scope: QueueScope, r: PerServer<ServerSnapshot>): StatusServer {
  if (!r.ok) return {...header(r), functions: [], hidden: 0, workers: 0}
  const inScope = (f: string) => scope.all || scope.decoder.isCurrent(f)
  const rows = r.value.status.filter((s) => inScope(s.function)).map((s) => functionRow(scope, s))
  const workers = r.value.workers.filter((w) => w.functions.some(inScope)).length
  return {...header(r), functions: sortFunctions(rows), hidden: r.value.status.length - rows.length, workers}
}

/** Built field by field (an object spread per row costs several times more over thousands of rows); the same keys in the same order. */
function functionRow(scope: QueueScope, s: FunctionStatus): FunctionRow {
  const d = scope.decoder.decode(s.function)
  const row = {function: d.function, owner: d.owner, install: d.install} as FunctionRow
  if (d.profile !== undefined) row.profile = d.profile
  if (d.prefix !== undefined) row.prefix = d.prefix
  row.jobClass = d.jobClass
  row.waiting = s.waiting
  row.running = s.running
  row.total = s.total
  row.availableWorkers = s.availableWorkers
  return row
}

/** One round of `status` + `workers` on every server, concurrently; a dead server is reported, never hides the others. */
export async function collectStatus(scope: QueueScope): Promise<QueueStatusReport> {
  const results = await eachServer(scope.servers, (server) => new GearmanAdmin(server, scope.timeoutMs).snapshot())
  return statusReport(scope, results)
}

export function statusReport(scope: QueueScope, results: Array<PerServer<ServerSnapshot>>): QueueStatusReport {
  const servers = results.map((r) => statusServer(scope, r))
  const rows = servers.flatMap((s) => s.functions)
  return {
    scope: scope.all ? 'all' : 'this install',
    prefix: scope.decoder.currentPrefix,
    servers,
    totals: {
      waiting: sum(rows.map((r) => r.waiting)),
      running: sum(rows.map((r) => r.running)),
      functions: rows.length,
    },
    unreachable: servers.filter((s) => !s.ok).length,
    skippedProfiles: scope.skippedProfiles,
    exitCode: readExitCode(servers),
  }
}

export async function queueStatus(cfg: ResolvedConfig, options: {all?: boolean}): Promise<QueueStatusReport> {
  return collectStatus(await queueScope(cfg, options.all ?? false))
}

function sum(ns: number[]): number {
  return ns.reduce((a, b) => a + b, 0)
}

// ---------------------------------------------------------------- workers

export interface WorkerRow {
  fd: number
  address: string
  clientId?: string
  functions: DecodedFunction[]
}

export interface WorkersServer extends ServerHeader {
  /** Distinct connections that registered at least one function (in scope), the admin connection left out. */
  workers: WorkerRow[]
  hidden: number
}

export interface QueueWorkersReport {
  scope: 'this install' | 'all'
  prefix?: string
  servers: WorkersServer[]
  /** Distinct worker connections over all servers (one worker process on two servers counts twice). */
  connections: number
  unreachable: number
  exitCode: number
}

export async function queueWorkers(cfg: ResolvedConfig, options: {all?: boolean}): Promise<QueueWorkersReport> {
  const scope = await queueScope(cfg, options.all ?? false)
  const results = await eachServer(scope.servers, (server) => new GearmanAdmin(server, scope.timeoutMs).snapshot())
  const servers = results.map((r): WorkersServer => {
    if (!r.ok) return {...header(r), workers: [], hidden: 0}
    const inScope = r.value.workers.filter((w) => scope.all || w.functions.some((f) => scope.decoder.isCurrent(f)))
    return {
      ...header(r),
      workers: inScope.map((w) => ({
        fd: w.fd,
        address: w.address,
        clientId: w.clientId,
        functions: w.functions.map((f) => scope.decoder.decode(f)),
      })),
      hidden: r.value.workers.length - inScope.length,
    }
  })
  return {
    scope: scope.all ? 'all' : 'this install',
    prefix: scope.decoder.currentPrefix,
    servers,
    connections: servers.reduce((n, s) => n + s.workers.length, 0),
    unreachable: servers.filter((s) => !s.ok).length,
    exitCode: readExitCode(servers),
  }
}

// ---------------------------------------------------------------- jobs

export interface JobRow {
  handle: string
  /** From GET_STATUS: running (a worker has it), waiting (queued), or gone (finished between the two questions). */
  state: 'running' | 'waiting' | 'gone'
  retries: number
  /** Marked by `cancel job`: discarded when a worker pulls it (a running one runs on). */
  cancelled: boolean
}

export interface JobsServer extends ServerHeader {
  jobs: JobRow[]
  uniqueIds: string[]
}

export interface QueueJobsReport {
  servers: JobsServer[]
  jobs: number
  unreachable: number
  exitCode: number
}

/**
 * Every job handle gearmand holds (`show jobs`, for all installs: gearmand does not say which function a
 * handle belongs to), each with its state from GET_STATUS, and the unique ids (`show unique jobs`).
 */
export async function queueJobs(cfg: ResolvedConfig): Promise<QueueJobsReport> {
  const servers = requireGearman(cfg)
  const timeoutMs = cfg.timeoutMs.value
  const results = await eachServer(servers, async (server) => {
    const deadline = Date.now() + timeoutMs
    const snap = await new GearmanAdmin(server, timeoutMs).session(async (c) => ({
      jobs: parseShowJobs(await c.list('show jobs')),
      uniqueIds: await c.list('show unique jobs'),
    }))
    const statuses =
      snap.jobs.length > 0
        ? await withBinary(server, msLeft(deadline), (b) => b.getStatuses(snap.jobs.map((j) => j.handle)))
        : []
    return {...snap, statuses}
  })
  const out = results.map((r): JobsServer => {
    if (!r.ok) return {...header(r), jobs: [], uniqueIds: []}
    const jobs = r.value.jobs.map((j, i): JobRow => {
      const st = r.value.statuses[i]
      return {
        handle: j.handle,
        state: st?.known ? (st.running ? 'running' : 'waiting') : 'gone',
        retries: j.retries,
        cancelled: j.ignored,
      }
    })
    return {...header(r), jobs, uniqueIds: r.value.uniqueIds}
  })
  return {
    servers: out,
    jobs: out.reduce((n, s) => n + s.jobs.length, 0),
    unreachable: out.filter((s) => !s.ok).length,
    exitCode: readExitCode(out),
  }
}

// ---------------------------------------------------------------- ping

export interface PingServer extends ServerHeader {
  latencyMs?: number
  version?: string
  pid?: number
}

export interface QueuePingReport {
  servers: PingServer[]
  unreachable: number
  exitCode: number
}

/** ECHO round trip (binary protocol), version and pid of every server, concurrently. */
export async function queuePing(cfg: ResolvedConfig): Promise<QueuePingReport> {
  const servers = requireGearman(cfg)
  const results = await eachServer(servers, (server) => new GearmanAdmin(server, cfg.timeoutMs.value).ping())
  const out = results.map((r): PingServer =>
    r.ok
      ? {...header(r), latencyMs: Math.round(r.value.latencyMs * 100) / 100, version: r.value.version, pid: r.value.pid}
      : header(r),
  )
  return {servers: out, unreachable: out.filter((s) => !s.ok).length, exitCode: readExitCode(out)}
}
