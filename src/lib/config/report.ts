import {existsSync} from 'node:fs'
import {realpath} from 'node:fs/promises'

import type {AtomSide} from '../atom/install.js'

import {askedServer, jobClassesOf} from '../atom/facts.js'
import {isDirectory} from '../atom/root.js'
import {AtomOpsError, describeError} from '../errors.js'
import {formatHostPort} from '../util/hostport.js'
import {MASK} from '../util/secrets.js'
import {originSource, type ResolvedConfig, type Source} from './resolve.js'

export interface SettingLine {
  setting: string
  value: string
  source: string
  /** Set when this part could not be resolved: what went wrong. */
  problem?: string
}

/** A part of the configuration that could not be resolved, as an error to print. */
export interface ConfigProblem {
  setting: string
  message: string
  hint?: string
}

/** What the worker (environment `worker`) sees where it may differ from the web app. */
export interface WorkerView {
  gearmanServers: string[]
  workersKey: string
  prefix: string
  jobClasses: number
}

export interface ConfigReport {
  profile: string | null
  settingsFile: string
  atomRoot: string
  realRoot: string | null
  /** `password` is masked (or empty); `passwordSource` says where it came from (the URL's source, a password file, ATOM_OPS_DB_PASSWORD, config.php). */
  database: {
    host: string | null
    port: number | null
    socket: string | null
    user: string
    database: string
    charset: string | null
    password: string
    passwordSource: string
  } | null
  gearmanServers: Array<{name: string; host: string; port: number}>
  /** AtoM's "is a worker available?" check asks only this one (the last the web app lists). */
  availabilityCheckServer: string | null
  workersKey: string | null
  workersKeyMissing: boolean | null
  prefix: string | null
  worker: WorkerView | null
  cacheEngine: string | null
  cacheParams: Record<string, unknown> | null
  workerTypes: Record<string, string[]>
  timezone: {zone: string; source: string}
  timeoutSeconds: number
  /** Every effective setting with where it came from: flag, env, profile, file (and section), default. */
  settings: SettingLine[]
  /** The parts that could not be resolved (config show then exits 3). */
  problems: ConfigProblem[]
}

export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case 'flag': {
      return `flag ${source.detail}`
    }

    case 'env': {
      return `env ${source.detail}`
    }

    case 'profile': {
      return `profile ${source.detail}`
    }

    case 'file': {
      return `file ${source.detail}`
    }

    case 'derived': {
      return `derived: ${source.detail}`
    }

    default: {
      return source.detail ? `default (${source.detail})` : 'default'
    }
  }
}

/** A setting the missing install would have given. */
const UNKNOWN = '(unknown without the install)'

const servers = (side: AtomSide) => side.gearmanServers.map((s) => formatHostPort(s))

/**
 * What `config show` prints: every setting resolved as far as it can be, each with the file and
 * section it came from; a part that fails is marked, the rest is still shown. The password is masked.
 */
export async function configReport(config: ResolvedConfig): Promise<ConfigReport> {
  const {install} = config
  const problems: ConfigProblem[] = []
  const lines: SettingLine[] = [
    {setting: 'atom root', value: config.atomRoot.value, source: sourceLabel(config.atomRoot.source)},
  ]
  const fail = (setting: string, error: unknown): SettingLine => {
    const problem = describeError(error)
    problems.push({setting, message: problem, hint: error instanceof AtomOpsError ? error.hint : undefined})
    return {setting, value: '(not resolved)', source: '', problem}
  }

  if (install) lines.push({setting: 'real root', value: install.realRoot, source: 'derived: realpath of the atom root'})
  else if (await isDirectory(config.atomRoot.value)) {
    lines.push({
      setting: 'real root',
      value: await realpath(config.atomRoot.value),
      source: 'derived: realpath of the atom root',
    })
    lines.push(fail('install files', config.installError))
  } else {
    // The root itself is the failing part: its own row says so, and what to do.
    const problem = describeError(config.installError)
    problems.push({setting: 'atom root', message: problem, hint: config.installError?.hint})
    lines[0].problem = `not found: ${config.atomRoot.value} (set --atom-root or run atom-ops config init)`
  }

  let database: ConfigReport['database'] = null
  try {
    const db = await config.database.get()
    const t = db.value
    const passwordSource = sourceLabel(db.passwordSource)
    database = {
      host: t.host ?? null,
      port: t.port ?? null,
      socket: t.socketPath ?? null,
      user: t.user,
      database: t.database,
      charset: t.charset ?? null,
      password: t.password ? MASK : '',
      passwordSource,
    }
    lines.push({
      setting: 'database',
      value: `${t.user}@${t.socketPath ? `socket ${t.socketPath}` : `${t.host}:${t.port}`}/${t.database}`,
      source: sourceLabel(db.source),
    })
    lines.push({setting: 'password', value: t.password ? MASK : '(empty)', source: passwordSource})
  } catch (error) {
    // An unreadable root was already reported once (a --db URL's password file is another matter).
    const sameAsRoot = !install && error instanceof AtomOpsError && error.message === config.installError?.message
    lines.push(
      sameAsRoot
        ? {setting: 'database', value: UNKNOWN, source: 'needs config/config.php (or --db)'}
        : fail('database', error),
    )
  }

  const gearman = config.gearman?.value ?? []
  const asked = gearman.length > 0 ? formatHostPort(askedServer(gearman)) : null
  // Without the install, what it would have given is shown as unknown rather than left out.
  const unknown = (setting: string, source: string): SettingLine => ({setting, value: UNKNOWN, source})
  if (!config.gearman) lines.push(unknown('gearman servers', 'needs the install (or --gearman)'))
  if (config.gearman) {
    lines.push({
      setting: 'gearman servers',
      value: gearman.map((s) => formatHostPort(s)).join(', '),
      source: sourceLabel(config.gearman.source),
    })
    lines.push({
      setting: 'availability check',
      value: asked!,
      source: 'derived: the web app asks the last server it lists',
    })
  }

  if (config.workersKey)
    lines.push({
      setting: 'workers_key',
      value: config.workersKey.value === '' ? '(empty)' : config.workersKey.value,
      source: sourceLabel(config.workersKey.source),
    })
  if (config.prefix)
    lines.push({setting: 'function prefix', value: config.prefix.value, source: sourceLabel(config.prefix.source)})
  else lines.push(unknown('function prefix', 'needs the install (md5 of its real path and workers_key)'))

  let worker: WorkerView | null = null
  if (install) {
    const w = install.worker
    worker = {
      gearmanServers: servers(w),
      workersKey: w.workersKey,
      prefix: w.prefix,
      jobClasses: jobClassesOf(w.workerTypes).length,
    }
    lines.push({
      setting: 'worker: servers',
      value: worker.gearmanServers.join(', '),
      source: sourceLabel(originSource(w.origins.servers, 'no servers in gearman.yml: 127.0.0.1:4730')),
    })
    lines.push({
      setting: 'worker: prefix',
      value: w.prefix,
      source: sourceLabel(originSource(w.origins.workersKey, 'no workers_key in app.yml: empty')),
    })
    lines.push({
      setting: 'job classes',
      value: String(worker.jobClasses),
      source: sourceLabel(originSource(w.origins.workerTypes, 'no worker_types in gearman.yml')),
    })
    lines.push({
      setting: 'cache engine',
      value: install.web.cacheEngine ?? '(not set: sfAPCCache)',
      source: sourceLabel(originSource(install.web.origins.cacheEngine, 'app.yml sets none')),
    })
  }

  let timezone = {zone: 'UTC', source: ''}
  try {
    const tz = await config.timezone.get()
    timezone = {zone: tz.value, source: sourceLabel(tz.source)}
    lines.push({setting: 'timezone', value: tz.value, source: timezone.source})
  } catch (error) {
    lines.push(fail('timezone', error))
  }

  lines.push({
    setting: 'timeout',
    value: `${config.timeoutMs.value / 1000}s`,
    source: sourceLabel(config.timeoutMs.source),
  })
  lines.push({
    setting: 'profile',
    value: config.profile ?? '(none)',
    // Seen on a real install: a config file that is not there was named as if it had been read.
    source: existsSync(config.settingsFile)
      ? `file ${config.settingsFile}`
      : `no config file (${config.settingsFile} does not exist)`,
  })

  return {
    profile: config.profile ?? null,
    settingsFile: config.settingsFile,
    atomRoot: config.atomRoot.value,
    realRoot: install?.realRoot ?? null,
    database,
    gearmanServers: gearman.map((s) => ({name: s.name, host: s.host, port: s.port})),
    availabilityCheckServer: asked,
    workersKey: config.workersKey?.value ?? null,
    workersKeyMissing: install ? install.web.workersKeyMissing : null,
    prefix: config.prefix?.value ?? null,
    worker,
    cacheEngine: install?.web.cacheEngine ?? null,
    cacheParams: install?.web.cacheParams ?? null,
    workerTypes: install?.web.workerTypes ?? {},
    timezone,
    timeoutSeconds: config.timeoutMs.value / 1000,
    settings: lines,
    problems,
  }
}
