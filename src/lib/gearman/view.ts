import {formatHostPort, type HostPort} from '../util/hostport.js'
import {type FunctionStatus, GearmanAdmin, parseStatus, parseWorkers, type WorkerConnection} from './admin.js'

/** One server's state as doctor and metrics see it: whether it answers, and its status and workers. */
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

/** version, status and workers over one connection, bounded by the timeout; never throws. */
export async function fetchServerView(server: HostPort, timeoutMs: number): Promise<ServerView> {
  const label = formatHostPort(server)
  const started = Date.now()
  try {
    return await new GearmanAdmin(server, timeoutMs).session(async (conn) => {
      const version = await conn.single('version')
      const latencyMs = Date.now() - started
      const status = parseStatus(await conn.list('status'))
      const workers = parseWorkers(await conn.list('workers')).filter((w) => w.functions.length > 0)
      return {server, label, ok: true, latencyMs, version, status, workers}
    })
  } catch (error) {
    return {server, label, ok: false, error: (error as Error).message, status: [], workers: []}
  }
}
