import type {AtomInstall} from '../atom/install.js'
import {type GearmanServer, type ResolvedConfig, requireInstall} from '../context/resolve.js'
import {Database} from '../db/database.js'
import {fetchServerView, type ServerView} from '../gearman/view.js'

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
    this.views ??= Promise.all(this.servers.map((server) => fetchServerView(server, this.timeoutMs)))
    return this.views
  }

  database(): Promise<Database> {
    this.db ??= Database.open(this.config.database!.value, this.timeoutMs)
    return this.db
  }

  async close(): Promise<void> {
    if (this.db) await (await this.db.catch(() => undefined))?.close()
  }
}
