import type {ServerLine} from '../util/answered.js'

import {isInstallFunction} from '../atom/facts.js'
import {eachServer, GearmanAdmin} from '../gearman/admin.js'
import {formatHostPort, type HostPort} from '../util/hostport.js'

/** One job class of this install as one gearmand sees it. */
export interface ClassWorkers {
  jobClass: string
  function: string
  /** gearmand's per-function AVAILABLE_WORKERS. */
  availableWorkers: number
  /** Worker connections that registered the function (`workers`). */
  connections: number
  waiting: number
  running: number
  /** Listed in gearmand's status (some worker registered it, or a job was submitted for it, since gearmand started). */
  registered: boolean
}

/** This install's workers on one server (none when it did not answer: error says why). */
export interface ServerWorkers extends ServerLine {
  classes: ClassWorkers[]
  /** Distinct worker connections registering at least one of this install's functions. */
  workerConnections: number
}

/**
 * This install's functions (those with its prefix) on every job server: workers per job class right
 * now. Job classes the install knows (gearman.yml worker_types) are listed even when not registered.
 */
export async function installWorkers(
  servers: HostPort[],
  prefix: string,
  timeoutMs: number,
  knownClasses: string[] = [],
): Promise<ServerWorkers[]> {
  const results = await eachServer(servers, (server) => new GearmanAdmin(server, timeoutMs).snapshot())
  return results.map((r) => {
    const server = formatHostPort(r.where)
    if (!r.ok) return {server, ok: false, error: r.error.message, classes: [], workerConnections: 0}
    const classes = new Map<string, ClassWorkers>()
    for (const jobClass of knownClasses)
      classes.set(jobClass, {
        jobClass,
        function: prefix + jobClass,
        availableWorkers: 0,
        connections: 0,
        waiting: 0,
        running: 0,
        registered: false,
      })
    for (const s of r.value.status) {
      if (!isInstallFunction(s.function, prefix)) continue
      const jobClass = s.function.slice(prefix.length)
      classes.set(jobClass, {
        jobClass,
        function: s.function,
        availableWorkers: s.availableWorkers,
        connections: 0,
        waiting: s.waiting,
        running: s.running,
        registered: true,
      })
    }

    let workerConnections = 0
    for (const w of r.value.workers) {
      const mine = w.functions.filter((f) => isInstallFunction(f, prefix))
      if (mine.length > 0) workerConnections++
      for (const f of mine) {
        const c = classes.get(f.slice(prefix.length))
        if (c) c.connections++
      }
    }

    return {
      server,
      ok: true,
      classes: [...classes.values()].sort((a, b) => a.jobClass.localeCompare(b.jobClass)),
      workerConnections,
    }
  })
}

export interface WaitOptions {
  servers: HostPort[]
  prefix: string
  /** `workers`: every expected class has an available worker; `none`: no function of the install has one. */
  until: 'workers' | 'none'
  /**
   * Per server label, the job classes that must have workers (until=workers). Servers not listed are
   * not waited for.
   */
  expected?: Map<string, string[]>
  waitMs: number
  /** Per Gearman call. */
  timeoutMs: number
  pollMs?: number
  /** After each look that did not settle it: what is still missing, and for how long it has waited. */
  onPoll?: (state: {missing: string[]; elapsedMs: number}) => void
}

export interface WaitResult {
  verified: boolean
  elapsedMs: number
  /** What is still missing (or still present, until=none): `server jobClass: reason`. */
  missing: string[]
  servers: ServerWorkers[]
}

/**
 * Polls the job servers until this install's workers are there (after a start) or gone (after a stop),
 * or the wait is over. Used by `worker start/restart/stop` and meant for `doctor --fix`.
 */
export async function waitForWorkers(options: WaitOptions): Promise<WaitResult> {
  const started = Date.now()
  const poll = options.pollMs ?? 250
  for (;;) {
    const servers = await installWorkers(
      options.servers,
      options.prefix,
      Math.min(options.timeoutMs, Math.max(500, options.waitMs)),
    )
    const missing = evaluate(servers, options)
    const elapsedMs = Date.now() - started
    if (missing.length === 0) return {verified: true, elapsedMs, missing, servers}
    if (elapsedMs >= options.waitMs) return {verified: false, elapsedMs, missing, servers}
    options.onPoll?.({missing, elapsedMs})
    await new Promise((resolve) => setTimeout(resolve, Math.min(poll, Math.max(1, options.waitMs - elapsedMs))))
  }
}

function evaluate(servers: ServerWorkers[], options: WaitOptions): string[] {
  const missing: string[] = []
  for (const s of servers) {
    const expected = options.until === 'workers' ? options.expected?.get(s.server) : undefined
    if (options.until === 'workers' && expected === undefined) continue
    if (!s.ok) {
      missing.push(`${s.server}: ${s.error}`)
      continue
    }

    if (options.until === 'none') {
      for (const c of s.classes)
        if (c.availableWorkers > 0)
          missing.push(
            `${s.server} ${c.jobClass}: still ${c.availableWorkers} worker${c.availableWorkers === 1 ? '' : 's'}`,
          )
      continue
    }

    for (const jobClass of expected ?? []) {
      const c = s.classes.find((x) => x.jobClass === jobClass)
      if (!c) missing.push(`${s.server} ${jobClass}: not registered`)
      else if (c.availableWorkers === 0) missing.push(`${s.server} ${jobClass}: 0 available workers`)
    }
  }

  return missing
}
