import {formatHostPort, type HostPort} from '../util/hostport.js'
import {type FunctionStatus, GearmanAdmin, parseShowJobs, readStatusAndWorkers, type WorkerConnection} from './admin.js'
import {withoutCancelled, withRunning} from './cancelled.js'
import {msLeft} from './deadline-socket.js'

/** One server's state as doctor and metrics see it: whether it answers, its status (cancelled jobs not counted as waiting, where gearmand lets them be told apart) and workers. */
export interface ServerView {
  server: HostPort
  label: string
  ok: boolean
  error?: string
  latencyMs?: number
  version?: string
  status: FunctionStatus[]
  workers: WorkerConnection[]
}

/** version, status and workers over one connection, all bounded by one deadline (the timeout from now); never throws. */
export async function fetchServerView(server: HostPort, timeoutMs: number): Promise<ServerView> {
  const label = formatHostPort(server)
  const deadline = Date.now() + timeoutMs
  try {
    return await new GearmanAdmin(server, timeoutMs).session(async (conn) => {
      // The server's answer time, not the connect or the event loop's: the faster of two round trips
      // on the open connection (other checks' work can delay one callback, rarely both).
      let latencyMs = Infinity
      let version = ''
      for (let i = 0; i < 2; i++) {
        const sent = performance.now()
        version = await conn.single('version')
        latencyMs = Math.min(latencyMs, Math.round((performance.now() - sent) * 10) / 10)
      }

      const {status: raw, workers} = await readStatusAndWorkers(conn)
      // Cancelled jobs are not waiting ones: the jobs held are looked at only when something waits.
      let status = raw
      if (raw.some((s) => s.waiting > 0)) {
        const held = parseShowJobs(await conn.list('show jobs'))
        if (held.some((j) => j.ignored))
          status = withoutCancelled(raw, await withRunning(server, msLeft(deadline), held))
      }

      return {server, label, ok: true, latencyMs, version, status, workers}
    })
  } catch (error) {
    return {server, label, ok: false, error: (error as Error).message, status: [], workers: []}
  }
}
