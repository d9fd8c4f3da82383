import {MASK} from '../util/secrets.js'
import {formatHostPort} from '../util/hostport.js'
import {type ResolvedConfig, requireInstall, type Source} from './resolve.js'

export interface SettingLine {
  setting: string
  value: string
  source: string
}

export interface ConfigReport {
  profile: string | null
  settingsFile: string
  atomRoot: string
  realRoot: string
  database: {host: string | null; port: number | null; socket: string | null; user: string; database: string; charset: string | null; password: string}
  gearmanServers: Array<{name: string; host: string; port: number}>
  /** AtoM's "is a worker available?" check asks only this one (the last listed). */
  availabilityCheckServer: string
  workersKey: string
  workersKeyMissing: boolean
  prefix: string
  cacheEngine: string | null
  cacheOptions: Record<string, unknown> | null
  workerTypes: Record<string, string[]>
  timeoutSeconds: number
  /** Every effective setting with where it came from: flag, env, profile, file, default. */
  settings: SettingLine[]
}

export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case 'flag':
      return `flag ${source.detail}`
    case 'env':
      return `env ${source.detail}`
    case 'profile':
      return `profile ${source.detail}`
    case 'file':
      return `file ${source.detail}`
    case 'derived':
      return `derived: ${source.detail}`
    default:
      return source.detail ? `default (${source.detail})` : 'default'
  }
}

/** What `config show` prints; the password is masked, never included. */
export function configReport(config: ResolvedConfig): ConfigReport {
  const install = requireInstall(config)
  const db = config.database!.value
  const servers = config.gearman!.value
  const last = servers[servers.length - 1]
  const dbWhere = db.socketPath ? `socket ${db.socketPath}` : `${db.host}:${db.port}`
  const settings: SettingLine[] = [
    {setting: 'atom root', value: config.atomRoot.value, source: sourceLabel(config.atomRoot.source)},
    {setting: 'real root', value: install.realRoot, source: 'derived: realpath of the atom root'},
    {setting: 'database', value: `${db.user}@${dbWhere}/${db.database}`, source: sourceLabel(config.database!.source)},
    {setting: 'password', value: db.password ? MASK : '(empty)', source: sourceLabel(config.database!.source)},
    {setting: 'gearman servers', value: servers.map((s) => formatHostPort(s)).join(', '), source: sourceLabel(config.gearman!.source)},
    {setting: 'availability check', value: formatHostPort(last), source: 'derived: AtoM asks the last server listed'},
    {setting: 'workers_key', value: config.workersKey!.value === '' ? '(empty)' : config.workersKey!.value, source: sourceLabel(config.workersKey!.source)},
    {setting: 'function prefix', value: config.prefix!.value, source: sourceLabel(config.prefix!.source)},
    {setting: 'cache engine', value: install.cacheEngine ?? '(not set)', source: install.files.appYml ? `file ${install.files.appYml}` : 'default'},
    {setting: 'job classes', value: String(Object.values(install.workerTypes).flat().length), source: install.files.gearmanYml ? `file ${install.files.gearmanYml}` : 'default'},
    {setting: 'timeout', value: `${config.timeoutMs.value / 1000}s`, source: sourceLabel(config.timeoutMs.source)},
    {setting: 'profile', value: config.profile ?? '(none)', source: `file ${config.settingsFile}`},
  ]
  return {
    profile: config.profile ?? null,
    settingsFile: config.settingsFile,
    atomRoot: config.atomRoot.value,
    realRoot: install.realRoot,
    database: {
      host: db.host ?? null,
      port: db.port ?? null,
      socket: db.socketPath ?? null,
      user: db.user,
      database: db.database,
      charset: db.charset ?? null,
      password: db.password ? MASK : '',
    },
    gearmanServers: servers.map((s) => ({name: s.name, host: s.host, port: s.port})),
    availabilityCheckServer: formatHostPort(last),
    workersKey: config.workersKey!.value,
    workersKeyMissing: install.workersKeyMissing,
    prefix: config.prefix!.value,
    cacheEngine: install.cacheEngine ?? null,
    cacheOptions: install.cacheOptions ?? null,
    workerTypes: install.workerTypes,
    timeoutSeconds: config.timeoutMs.value / 1000,
    settings,
  }
}
