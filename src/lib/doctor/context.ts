import type {AtomInstall} from '../atom/install.js'
import {type GearmanServer, type ResolvedConfig, requireInstall} from '../context/resolve.js'
import {Database} from '../db/database.js'
import {type FunctionStatus, GearmanAdmin, parseStatus, parseWorkers, type WorkerConnection} from '../gearman/admin.js'
import {formatHostPort} from '../util/hostport.js'

export interface ServerView {
  server: GearmanServer
  label: string
  ok: boolean
  error?: string
  latencyMs?: number
  version?: string
  status: FunctionStatus[]
  workers: WorkerConnection[]
}

/**
 * What the checks share, fetched once and on demand: every check that needs `status` of a server
 * awaits the same promise, so concurrent checks cost one round trip per server.
 */
export class DoctorContext {
  private views?: Promise<ServerView[]>
  private db?: Promise<Database>

  constructor(
    readonly config: ResolvedConfig,
    readonly timeoutMs: number,
  ) {}

  get install(): AtomInstall {
    return requireInstall(this.config)
  }

  get prefix(): string {
    return this.config.prefix!.value
  }

  get servers(): GearmanServer[] {
    return this.config.gearman?.value ?? []
  }

  /** AtoM's availability check asks only the last server listed in gearman.yml. */
  get availabilityServer(): GearmanServer {
    return this.servers[this.servers.length - 1]
  }

  /** Every job class the install's gearman.yml says its workers can run. */
  get jobClasses(): string[] {
    return [...new Set(Object.values(this.install.workerTypes).flat())]
  }

  serverViews(): Promise<ServerView[]> {
    this.views ??= Promise.all(this.servers.map((server) => this.fetchView(server)))
    return this.views
  }

  private async fetchView(server: GearmanServer): Promise<ServerView> {
    const admin = new GearmanAdmin(server, this.timeoutMs)
    const label = formatHostPort(server)
    const started = Date.now()
    try {
      return await admin.session(async (conn) => {
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

  database(): Promise<Database> {
    this.db ??= Database.open(this.config.database!.value, this.timeoutMs)
    return this.db
  }

  async close(): Promise<void> {
    if (this.db) await (await this.db.catch(() => undefined))?.close()
  }
}
