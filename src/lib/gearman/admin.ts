import type {HostPort} from '../util/hostport.js'

import {type Answered, askEach} from '../util/answered.js'
import {AdminConnection} from './admin-connection.js'
import {withBinary} from './binary.js'
import {msLeft} from './deadline-socket.js'
import {GearmanProtocolError} from './errors.js'

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
  /** Set by `cancel job`: a worker that pulls the job discards it. */
  ignored: boolean
  /**
   * gearmand's job_queued flag. Measured on 1.1.20: 1 for queued *and* running jobs, 0 after `cancel job`;
   * it does not tell waiting from running (GET_STATUS does).
   */
  queued: boolean
}

function unexpected(what: string, line: string): GearmanProtocolError {
  return new GearmanProtocolError(`unexpected ${what} line from gearmand: ${JSON.stringify(line.slice(0, 200))}`)
}

function int(text: string | undefined, line: string, what: string): number {
  if (text === undefined || !/^\d{1,15}$/.test(text)) throw unexpected(what, line)
  return Number(text)
}

export function parseStatus(lines: string[]): FunctionStatus[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 4) throw unexpected('status', line)
    const total = int(parts[1], line, 'status')
    const running = int(parts[2], line, 'status')
    return {
      function: parts[0],
      total,
      running,
      waiting: Math.max(0, total - running),
      availableWorkers: int(parts[3], line, 'status'),
    }
  })
}

export function parsePriorityStatus(lines: string[]): PriorityStatus[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 5) throw unexpected('prioritystatus', line)
    return {
      function: parts[0],
      high: int(parts[1], line, 'prioritystatus'),
      normal: int(parts[2], line, 'prioritystatus'),
      low: int(parts[3], line, 'prioritystatus'),
      availableWorkers: int(parts[4], line, 'prioritystatus'),
    }
  })
}

const WORKER_LINE = /^(\d+) (\S+) (.*?) :(?: (.*))?$/

/**
 * `FD IP CLIENT-ID : FUNCTION ...`; the asking admin connection is listed too (with no functions).
 * A client id may contain spaces (SET_CLIENT_ID takes any text) and gearmand prints IPv6 peers oddly,
 * so the line is split at the first " :" after the address. Function names are space-separated; a
 * name that itself contains spaces is put back together when `known` (the names `status` lists) is given.
 */
export function parseWorkers(lines: string[], known?: Iterable<string>): WorkerConnection[] {
  const multiWord = new Set<string>()
  let maxWords = 1
  for (const name of known ?? []) {
    if (!name.includes(' ')) continue
    multiWord.add(name)
    maxWords = Math.max(maxWords, name.split(' ').length)
  }

  return lines.map((line) => {
    const m = WORKER_LINE.exec(line)
    if (!m) throw unexpected('workers', line)
    const tokens = (m[4] ?? '').split(' ').filter(Boolean)
    const functions: string[] = []
    for (let i = 0; i < tokens.length; i++) {
      let taken = 1
      for (let n = Math.min(maxWords, tokens.length - i); n > 1; n--) {
        if (multiWord.has(tokens.slice(i, i + n).join(' '))) {
          taken = n
          break
        }
      }

      functions.push(tokens.slice(i, i + taken).join(' '))
      i += taken - 1
    }

    const clientId = m[3]
    return {
      fd: int(m[1], line, 'workers'),
      address: m[2],
      clientId: clientId === '-' || clientId === '' ? undefined : clientId,
      functions,
    }
  })
}

export function parseShowJobs(lines: string[]): QueuedJob[] {
  return lines.map((line) => {
    const parts = line.split('\t')
    if (parts.length !== 4) throw unexpected('"show jobs"', line)
    return {
      handle: parts[0],
      retries: int(parts[1], line, 'show jobs'),
      ignored: parts[2] !== '0',
      queued: parts[3] !== '0',
    }
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

  /** Worker connections, read as snapshot() reads them. */
  async workers(): Promise<WorkerConnection[]> {
    return (await this.snapshot()).workers
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

  /**
   * status, workers (the admin connection itself left out), show jobs and show unique jobs on one
   * connection: a consistent-enough picture for one round of `queue` commands, in one deadline.
   */
  snapshot(parts: {jobs?: boolean} = {}): Promise<ServerSnapshot> {
    return this.session(async (c) => {
      const {status, workers} = await readStatusAndWorkers(c)
      const jobs = parts.jobs ? parseShowJobs(await c.list('show jobs')) : undefined
      const uniqueJobs = parts.jobs ? await c.list('show unique jobs') : undefined
      return {status, workers, jobs, uniqueJobs}
    })
  }

  /** ECHO over the binary protocol (latency), then version and pid over the text protocol. */
  async ping(): Promise<PingResult> {
    const deadline = Date.now() + this.timeoutMs
    const latencyMs = await withBinary(this.server, this.timeoutMs, (b) => b.echo())
    const rest = new GearmanAdmin(this.server, msLeft(deadline))
    const {version, pid} = await rest.session(async (c) => ({
      version: await c.single('version'),
      pid: Number(await c.single('getpid')),
    }))
    return {latencyMs, version, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined}
  }
}

/**
 * The one reading of `status` then `workers` on an open connection: worker lines are split with the
 * function names status listed, so a name with spaces parses the same for every command; the admin
 * connection itself (no functions) is left out.
 */
export async function readStatusAndWorkers(
  c: AdminConnection,
): Promise<{status: FunctionStatus[]; workers: WorkerConnection[]}> {
  const status = parseStatus(await c.list('status'))
  const workers = parseWorkers(
    await c.list('workers'),
    status.map((s) => s.function),
  ).filter((w) => w.functions.length > 0)
  return {status, workers}
}

export interface ServerSnapshot {
  status: FunctionStatus[]
  workers: WorkerConnection[]
  jobs?: QueuedJob[]
  uniqueJobs?: string[]
}

export interface PingResult {
  latencyMs: number
  version: string
  pid?: number
}

/** Settled result per server, so one dead server never hides the others (the Error as thrown: its class tells refused, timeout, ...). */
export type PerServer<T> = Answered<HostPort, T, Error>

/** Every server at once; one that fails is an answer with its error. */
export function eachServer<T>(servers: HostPort[], fn: (server: HostPort) => Promise<T>): Promise<Array<PerServer<T>>> {
  return askEach(servers, fn)
}
