import {realpathSync} from 'node:fs'
import {mkdir, mkdtemp, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {HostPort} from '../../../src/lib/util/hostport.js'

import {AtomClock} from '../../../src/lib/atom/clock.js'
import {functionPrefix} from '../../../src/lib/atom/prefix.js'
import {Database} from '../../../src/lib/db/database.js'
import {compileConfigCache, type DsnStyle, STOCK_TIMEZONE, writeAtomInstall} from './fixture.js'
import {type RunningGearmand, startGearmand} from './gearmand.js'
import {adminTarget, createAtomDatabase, dropDatabase, type ThrowawayDatabase} from './mariadb.js'
import {stopProcess} from './processes.js'
import {STOCK_REGISTERED_CLASSES} from './schema.js'
import {type RunningWorker, startWorker} from './workers.js'

export interface TestBedOptions {
  /** How many gearmand servers to start; gearman.yml lists them all (AtoM asks the last). */
  gearmandCount?: number
  workersKey?: string | null
  dsnStyle?: DsnStyle
  /** Servers and workers outlive this process (the demo). */
  detached?: boolean
  dir?: string
  cacheEngine?: 'sfAPCCache' | 'sfMemcacheCache'
  memcached?: HostPort
  layout?: 'stock' | 'docker'
  /** settings.yml's default_timezone (default the stock America/Vancouver); null: none. */
  timezone?: string | null
  /** The database's `plugins` setting (default: a fresh install's, without qtSwordPlugin). */
  plugins?: string[]
  /** Write job class code and ProjectConfiguration (default true). */
  code?: boolean
}

export interface TestBedState {
  dir: string
  pids: number[]
  database: string
  user: string
}

/**
 * A sandbox AtoM: real gearmand(s), a throwaway MariaDB database with AtoM's job tables, an install
 * directory whose config points at them, and helpers to start real workers under the install's prefix.
 */
export class TestBed {
  readonly workers: RunningWorker[] = []
  private stopped = false

  private constructor(
    readonly dir: string,
    /** The install directory as configured (a symlink to realRoot). */
    readonly root: string,
    readonly realRoot: string,
    readonly prefix: string,
    readonly workersKey: string,
    readonly db: ThrowawayDatabase,
    readonly database: Database,
    readonly gearmands: RunningGearmand[],
    private readonly detached: boolean,
    /** The zone AtoM writes its rows in here (settings.yml's default_timezone, else PHP's UTC). */
    readonly zone: string,
  ) {}

  /** AtoM's clock in this sandbox, for writing rows as AtoM would. */
  get clock(): AtomClock {
    return new AtomClock(this.zone)
  }

  static async start(options: TestBedOptions = {}): Promise<TestBed> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'atom-ops-bed-')))
    await mkdir(dir, {recursive: true})
    const gearmands: RunningGearmand[] = []
    let db: ThrowawayDatabase | undefined
    try {
      for (let i = 0; i < (options.gearmandCount ?? 1); i++)
        gearmands.push(await startGearmand(dir, {detached: options.detached}))
      db = await createAtomDatabase({plugins: options.plugins})
      // Releases live in their own directory and the served path is a symlink, as on many installs.
      const realRoot = join(realpathSync(dir), 'releases', 'atom-2.8')
      await mkdir(realRoot, {recursive: true})
      await writeAtomInstall(realRoot, {
        database: db.target,
        gearmanServers: gearmands,
        workersKey: options.workersKey,
        dsnStyle: options.dsnStyle,
        cacheEngine: options.cacheEngine,
        memcached: options.memcached,
        layout: options.layout,
        timezone: options.timezone,
        code: options.code,
      })
      const root = join(dir, 'atom')
      await symlink(realRoot, root)
      const workersKey = options.workersKey ?? ''
      const database = await Database.open(db.target, 5000)
      const zone = options.timezone === undefined ? STOCK_TIMEZONE : (options.timezone ?? 'UTC')
      return new TestBed(
        dir,
        root,
        realRoot,
        functionPrefix(realRoot, workersKey),
        workersKey,
        db,
        database,
        gearmands,
        options.detached ?? false,
        zone,
      )
    } catch (error) {
      for (const g of gearmands) await g.stop()
      await db?.drop()
      throw error
    }
  }

  get servers(): HostPort[] {
    return this.gearmands.map((g) => ({host: g.host, port: g.port}))
  }

  /** The install's Gearman function name for a job class. */
  fn(jobClass: string): string {
    return this.prefix + jobClass
  }

  /** A real worker for these job classes on a server (default: the last, which AtoM asks). */
  async startWorker(
    jobClasses: string[],
    options: {server?: HostPort; command?: string[]; prefix?: string} = {},
  ): Promise<RunningWorker> {
    const server = options.server ?? this.servers[this.servers.length - 1]
    const worker = await startWorker(
      server,
      jobClasses.map((c) => (options.prefix ?? this.prefix) + c),
      {command: options.command, dir: this.dir, detached: this.detached},
    )
    this.workers.push(worker)
    return worker
  }

  /** As `php symfony cc` followed by a request would: compiled config copies newer than the YAML. */
  compileCache(): Promise<void> {
    return compileConfigCache(this.realRoot)
  }

  /** A worker that registers what AtoM's real jobs:worker registers here: the stock classes, not the disabled plugin's. */
  startAtomWorker(options: {server?: HostPort; command?: string[]} = {}): Promise<RunningWorker> {
    return this.startWorker(STOCK_REGISTERED_CLASSES, options)
  }

  /** Environment for running the CLI against this bed, isolated from the user's own config and state. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ATOM_OPS_ATOM_ROOT: this.root,
      ATOM_OPS_CONFIG: join(this.dir, 'atom-ops.yml'),
      ATOM_OPS_STATE_DIR: join(this.dir, 'state'),
      ATOM_OPS_AUDIT_LOG: join(this.dir, 'audit.log'),
      ...extra,
    }
  }

  /** What a later process needs to stop a detached bed (the demo's second invocation). */
  state(extraPids: number[] = []): TestBedState {
    return {
      dir: this.dir,
      pids: [...extraPids, ...this.workers.map((w) => w.pid), ...this.gearmands.map((g) => g.pid)],
      database: this.db.name,
      user: this.db.user,
    }
  }

  static async stopState(state: TestBedState): Promise<void> {
    for (const pid of state.pids) await stopProcess(pid)
    await dropDatabase(adminTarget(), state.database, state.user)
    await rm(state.dir, {recursive: true, force: true})
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.database.close()
    for (const w of this.workers) await w.stop()
    for (const g of this.gearmands) await g.stop()
    await this.db.drop()
    await rm(this.dir, {recursive: true, force: true})
  }
}
