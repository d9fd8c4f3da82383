import type {HostPort} from '../util/hostport.js'
import {AdminConnection} from './admin-connection.js'

export interface FunctionStatus {
  function: string
  /** Queued plus running, as gearmand counts it. */
  total: number
  running: number
  /** total - running: jobs waiting for a worker. */
  waiting: number
  availableWorkers: number
}

export interface PriorityStatus {
  function: string
  high: number
  normal: number
  low: number
  availableWorkers: number
}

export interface WorkerConnection {
  fd: number
  address: string
  clientId?: string
  functions: string[]
}

export interface QueuedJob {
  handle: string
  retries: number
  ignored: boolean
  queued: boolean
}

function int(text: string | undefined, line: string, what: string): number {
  const n = Number(text)
  if (text === undefined || text === '' || !Number.isInteger(n) || n < 0) throw new Error(`unexpected ${what} line from gearmand: ${JSON.stringify(line)}`)
  return n
}

export function parseStatus(lines: string[]): FunctionStatus[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 4) throw new Error(`unexpected status line from gearmand: ${JSON.stringify(line)}`)
    const total = int(parts[1], line, 'status')
    const running = int(parts[2], line, 'status')
    return {function: parts[0], total, running, waiting: Math.max(0, total - running), availableWorkers: int(parts[3], line, 'status')}
  })
}

export function parsePriorityStatus(lines: string[]): PriorityStatus[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 5) throw new Error(`unexpected prioritystatus line from gearmand: ${JSON.stringify(line)}`)
    return {
      function: parts[0],
      high: int(parts[1], line, 'prioritystatus'),
      normal: int(parts[2], line, 'prioritystatus'),
      low: int(parts[3], line, 'prioritystatus'),
      availableWorkers: int(parts[4], line, 'prioritystatus'),
    }
  })
}

/** `FD IP CLIENT-ID : FUNCTION ...`; the asking admin connection is listed too (with no functions). */
export function parseWorkers(lines: string[]): WorkerConnection[] {
  return lines.map((line) => {
    const colon = line.indexOf(' :')
    if (colon < 0) throw new Error(`unexpected workers line from gearmand: ${JSON.stringify(line)}`)
    const head = line.slice(0, colon).trim().split(/\s+/)
    if (head.length < 3) throw new Error(`unexpected workers line from gearmand: ${JSON.stringify(line)}`)
    const fd = int(head[0], line, 'workers')
    const functions = line.slice(colon + 2).trim().split(/\s+/).filter(Boolean)
    const clientId = head.slice(2).join(' ')
    return {fd, address: head[1], clientId: clientId === '-' ? undefined : clientId, functions}
  })
}

export function parseShowJobs(lines: string[]): QueuedJob[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 4) throw new Error(`unexpected "show jobs" line from gearmand: ${JSON.stringify(line)}`)
    return {handle: parts[0], retries: int(parts[1], line, 'show jobs'), ignored: parts[2] !== '0', queued: parts[3] !== '0'}
  })
}

/**
 * The administrative commands of one gearmand. Each call opens its own connection (bounded by the
 * timeout) and closes it, so a caller never holds a socket across user interaction.
 */
export class GearmanAdmin {
  constructor(
    readonly server: HostPort,
    readonly timeoutMs: number,
  ) {}

  async session<T>(fn: (conn: AdminConnection) => Promise<T>): Promise<T> {
    const conn = await AdminConnection.open(this.server, this.timeoutMs)
    try {
      return await fn(conn)
    } finally {
      conn.close()
    }
  }

  status(): Promise<FunctionStatus[]> {
    return this.session(async (c) => parseStatus(await c.list('status')))
  }

  priorityStatus(): Promise<PriorityStatus[]> {
    return this.session(async (c) => parsePriorityStatus(await c.list('prioritystatus')))
  }

  /** Worker connections; the admin connection itself (no functions) is left out. */
  workers(): Promise<WorkerConnection[]> {
    return this.session(async (c) => parseWorkers(await c.list('workers')).filter((w) => w.functions.length > 0))
  }

  showJobs(): Promise<QueuedJob[]> {
    return this.session(async (c) => parseShowJobs(await c.list('show jobs')))
  }

  showUniqueJobs(): Promise<string[]> {
    return this.session((c) => c.list('show unique jobs'))
  }

  version(): Promise<string> {
    return this.session((c) => c.single('version'))
  }

  async getpid(): Promise<number> {
    return Number(await this.session((c) => c.single('getpid')))
  }

  cancelJob(handle: string): Promise<string> {
    return this.session((c) => c.single(`cancel job ${handle}`))
  }

  dropFunction(name: string): Promise<string> {
    return this.session((c) => c.single(`drop function ${name}`))
  }

  maxQueue(name: string, size?: number): Promise<string> {
    return this.session((c) => c.single(size === undefined ? `maxqueue ${name}` : `maxqueue ${name} ${size}`))
  }
}

/** Settled result per server, so one dead server never hides the others. */
export type PerServer<T> = {server: HostPort; ok: true; value: T} | {server: HostPort; ok: false; error: Error}

export async function eachServer<T>(servers: HostPort[], fn: (server: HostPort) => Promise<T>): Promise<Array<PerServer<T>>> {
  return Promise.all(
    servers.map(async (server): Promise<PerServer<T>> => {
      try {
        return {server, ok: true, value: await fn(server)}
      } catch (error) {
        return {server, ok: false, error: error as Error}
      }
    }),
  )
}
