import {existsSync} from 'node:fs'

import type {AtomInstall} from '../atom/install.js'
import type {ServiceFlags} from '../service/targets.js'

import {AtomClock} from '../atom/clock.js'
import {askedServer, expectedAbilities, type ExpectedAbilities, jobClassesOf} from '../atom/facts.js'
import {type GearmanServer, requireInstall, type ResolvedConfig} from '../config/resolve.js'
import {Database} from '../db/database.js'
import {describeError} from '../errors.js'
import {fetchServerView, type ServerView} from '../gearman/view.js'
import {shellQuote} from '../remote/runner.js'
import {ownerName} from '../util/files.js'

/**
 * Flags as given on the command line, word by word (`--atom-root`, `/srv/atom`): those every command takes
 * (install, database, Gearman, timezone) and those only the worker commands take (manager, host, unit).
 */
export interface CommandArgs {
  global: readonly string[]
  service: readonly string[]
}

/**
 * What the checks share, fetched once and on demand: every check that needs `status` of a server
 * awaits the same promise, so concurrent checks cost one round trip per server.
 */
export class DoctorEvidence {
  private views?: Promise<ServerView[]>
  private db?: Promise<Database>
  private expected?: Promise<ExpectedAbilities>

  constructor(
    readonly config: ResolvedConfig,
    readonly timeoutMs: number,
    /** How the worker service is reached, as given by flags (the profile fills the rest). */
    readonly service: ServiceFlags = {},
    /** The flags that chose this install and its worker on the command line, repeated in the commands the report suggests. */
    readonly commandArgs: CommandArgs = {global: [], service: []},
    /** The command that restarts the worker, for fix lines (see restartCommandFor). */
    readonly restartCommand = 'atom-ops worker restart',
  ) {}

  /**
   * An atom-ops command line for a fix: the words, then the flags this run was given to find the install,
   * the database and the worker, so that it works when copied as printed.
   */
  command(words: string): string {
    const args = words.startsWith('worker ')
      ? [...this.commandArgs.global, ...this.commandArgs.service]
      : this.commandArgs.global
    return ['atom-ops', words, ...args.map(shellQuote)].join(' ')
  }

  /** Whether atom-ops knows what runs the worker: a manager, supervisor config or host (flag or profile), or systemd here. */
  get managerKnown(): boolean {
    const f = this.service
    const p = this.config.profileSettings
    return Boolean(
      f.manager ||
      f.supervisorConfig ||
      f.host?.length ||
      p?.manager ||
      p?.supervisorConfig ||
      p?.hosts?.length ||
      existsSync('/run/systemd/system'),
    )
  }

  get install(): AtomInstall {
    return requireInstall(this.config)
  }

  get prefix(): string {
    return this.config.prefix!.value
  }

  get servers(): GearmanServer[] {
    return this.config.gearman?.value ?? []
  }

  /** The server the web app's availability check asks. */
  get availabilityServer(): GearmanServer {
    return askedServer(this.servers)
  }

  /** Every job class the worker's merged worker_types list (registered or not). */
  get listedClasses(): string[] {
    return jobClassesOf(this.install.worker.workerTypes)
  }

  /** What a healthy worker registers (loadable classes, enabled plugins); the database is asked for the plugins. */
  abilities(): Promise<ExpectedAbilities> {
    this.expected ??= this.database().then(
      (db) => expectedAbilities(this.install, db),
      (error) => expectedAbilities(this.install, undefined, describeError(error)),
    )
    return this.expected
  }

  serverViews(): Promise<ServerView[]> {
    this.views ??= Promise.all(this.servers.map((server) => fetchServerView(server, this.timeoutMs)))
    return this.views
  }

  /** AtoM's clock (its timezone resolved once). */
  async clock(): Promise<AtomClock> {
    return new AtomClock((await this.config.timezone.get()).value)
  }

  database(): Promise<Database> {
    this.db ??= this.config.database.get().then((target) => Database.open(target.value, this.timeoutMs))
    return this.db
  }

  async close(): Promise<void> {
    if (this.db) await (await this.db.catch(() => undefined))?.close()
  }
}

/**
 * The fix line for "restart the worker": `atom-ops worker restart` where a service manager is known;
 * elsewhere also the plain command AtoM documents, run from the root as the install's owner.
 */
export async function restartCommandFor(ctx: DoctorEvidence): Promise<string> {
  if (ctx.managerKnown) return ctx.command('worker restart')
  const root = ctx.install.realRoot
  const owner = await ownerName(root)
  const asOwner = owner && owner !== 'root' ? `sudo -u ${owner} ` : ''
  return `${ctx.command('worker restart')} --manager systemd|supervisor   # or, with no service manager: cd ${root} && ${asOwner}php symfony jobs:worker`
}
