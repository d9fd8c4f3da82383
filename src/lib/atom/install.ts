import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {DatabaseTarget} from '../db/target.js'

import {ConfigError} from '../errors.js'
import {readConfigFile, resolveRealDirectory} from '../util/files.js'
import {type HostPort, parseHostPort} from '../util/hostport.js'
import {registerSecret} from '../util/secrets.js'
import {parsePdoMysqlDsn, type PdoMysqlDsn} from './dsn.js'
import {parsePhpReturnArray, type PhpValue} from './php-array.js'
import {pluginDirectories, readAlwaysOnPlugins} from './plugins.js'
import {functionPrefix} from './prefix.js'
import {type CascadedConfig, type ConfigOrigin, readCascade, type SymfonyEnvironment} from './symfony-config.js'
import {isRecord} from './yaml.js'

export const DEFAULT_ATOM_ROOT = '/usr/share/nginx/atom'
export const DEFAULT_GEARMAN_PORT = 4730
/** What to do when the root is wrong: every command that needs the install says it. */
export const ROOT_HINT =
  'Point --atom-root (or ATOM_OPS_ATOM_ROOT, or a profile) at the directory holding config/config.php, or run `atom-ops config init` to find the installs and write a profile.'
/** Where PDO connects when the DSN names no host (Debian's and Ubuntu's default socket). */
export const DEFAULT_MYSQL_SOCKET = '/var/run/mysqld/mysqld.sock'

export interface AtomDatabaseSettings {
  dsn: PdoMysqlDsn
  username: string
  password: string
  encoding?: string
}

export type GearmanServer = HostPort & {name: string}

/** What one of AtoM's environments sees of the install's configuration, with where each value came from. */
export interface AtomSide {
  environment: SymfonyEnvironment
  /** In the merged gearman.yml's order; the web app's availability check asks the last one. */
  gearmanServers: GearmanServer[]
  workerTypes: Record<string, string[]>
  workersKey: string
  /** True when no app.yml sets workers_key (AtoM before 2.6, or never set). */
  workersKeyMissing: boolean
  /** md5(realpath . workers_key) . '-': the prefix of every Gearman function this side uses. */
  prefix: string
  cacheEngine?: string
  /** app.yml's cache_engine_param (memcached host/port or servers), as QubitCache reads it. */
  cacheParams?: Record<string, unknown>
  /** settings.yml's default_timezone for this environment, when set. */
  timezone?: string
  origins: Partial<
    Record<'servers' | 'workerTypes' | 'workersKey' | 'cacheEngine' | 'cacheParams' | 'timezone', ConfigOrigin>
  >
}

export interface AtomInstall {
  root: string
  /** The root with symlinks resolved: what PHP's realpath() gives and what the function prefix hashes. */
  realRoot: string
  configPhp: string
  /** The configuration files read for each file name, in merge order. */
  files: {gearman: string[]; app: string[]; settings: string[]}
  /** What the web app (environment prod) sees. */
  web: AtomSide
  /** What `php symfony jobs:worker` (environment worker) sees. */
  worker: AtomSide
}

/**
 * Reads an AtoM install's configuration from its root the way symfony 1.4 does: gearman.yml, app.yml
 * and settings.yml each as a cascade (always-on plugins' config, then config/, then apps/qubit/config/),
 * flattened for the web app's environment and for the worker's. Each file is parsed, never executed.
 * config.php is read separately (readDatabaseSettings), only by what needs the database.
 */
export async function readAtomInstall(root: string): Promise<AtomInstall> {
  const realRoot = await resolveRealDirectory(root, 'AtoM root', ROOT_HINT)
  const pluginDirs = await configuringPlugins(realRoot)
  const environments: SymfonyEnvironment[] = ['prod', 'worker']
  const [gearman, app, settings] = await Promise.all([
    readCascade(realRoot, 'gearman.yml', environments, pluginDirs),
    readCascade(realRoot, 'app.yml', environments, pluginDirs),
    readCascade(realRoot, 'settings.yml', environments, pluginDirs),
  ])
  const side = (env: SymfonyEnvironment): AtomSide => atomSide(realRoot, env, gearman[env], app[env], settings[env])
  return {
    root,
    realRoot,
    configPhp: join(realRoot, 'config', 'config.php'),
    files: {gearman: gearman.prod.files, app: app.prod.files, settings: settings.prod.files},
    web: side('prod'),
    worker: side('worker'),
  }
}

/** The files of a plugin's config/ that take part in the install's configuration. */
const CASCADE_FILES = new Set(['app.yml', 'gearman.yml', 'settings.yml'])

/**
 * The directories of the plugins whose config/ is a layer of the cascades, in ProjectConfiguration's
 * order. app.yml and settings.yml are compiled before the database's plugins are loaded: only
 * always-on plugins' config counts (sfApplicationConfiguration::initConfiguration). Which plugins
 * are always on takes parsing ProjectConfiguration (PHP): that is done only when a plugin on disk
 * has one of the files at all (a plugin without them adds no layer, enabled or not).
 */
async function configuringPlugins(realRoot: string): Promise<string[]> {
  const onDisk = await pluginDirectories(realRoot)
  const withFiles = new Set<string>()
  await Promise.all(
    [...onDisk.values()].map(async (dir) => {
      try {
        if ((await readdir(join(dir, 'config'))).some((name) => CASCADE_FILES.has(name))) withFiles.add(dir)
      } catch (error) {
        // No config/: no layer. Unreadable as a listing: its files may still be readable, let readLayers decide.
        const {code} = error as NodeJS.ErrnoException
        if (code !== 'ENOENT' && code !== 'ENOTDIR') withFiles.add(dir)
      }
    }),
  )
  if (withFiles.size === 0) return []
  const alwaysOn = await readAlwaysOnPlugins(realRoot)
  return alwaysOn.names.map((name) => onDisk.get(name)).filter((d): d is string => d !== undefined && withFiles.has(d))
}

function where(config: CascadedConfig, path: string[]): string {
  const o = config.origin(path)
  return o ? `${o.file} (${o.section}: ${path.join('.')})` : `${config.name}: ${path.join('.')}`
}

function atomSide(
  realRoot: string,
  environment: SymfonyEnvironment,
  gearman: CascadedConfig,
  app: CascadedConfig,
  settings: CascadedConfig,
): AtomSide {
  const g = gearman.value
  const a = app.value
  const rawKey = a.workers_key
  const workersKey = scalarText(rawKey, where(app, ['workers_key']))
  const engine = a.cache_engine
  const cacheEngine =
    typeof engine === 'string'
      ? engine
      : isRecord(engine) && typeof engine.class === 'string'
        ? engine.class
        : undefined
  const sfSettings = isRecord(settings.value['.settings']) ? settings.value['.settings'] : {}
  const zone = sfSettings.default_timezone
  return {
    environment,
    gearmanServers: gearmanServers(g.servers, gearman),
    workerTypes: workerTypes(g.worker_types, where(gearman, ['worker_types'])),
    workersKey,
    workersKeyMissing: rawKey === undefined,
    prefix: functionPrefix(realRoot, workersKey),
    cacheEngine,
    cacheParams: isRecord(a.cache_engine_param) ? a.cache_engine_param : undefined,
    timezone: typeof zone === 'string' && zone.trim() !== '' ? zone.trim() : undefined,
    origins: {
      servers: gearman.origin(['servers']),
      workerTypes: gearman.origin(['worker_types']),
      workersKey: app.origin(['workers_key']),
      cacheEngine: app.origin(['cache_engine']),
      cacheParams: app.origin(['cache_engine_param']),
      timezone: settings.origin(['.settings', 'default_timezone']),
    },
  }
}

/**
 * config.php's database settings. Read only when the database is needed: an operator without read
 * access to config.php can still look at Gearman.
 */
export async function readDatabaseSettings(configPhp: string): Promise<AtomDatabaseSettings> {
  const php = await readConfigFile(
    configPhp,
    "AtoM's config.php",
    'Is --atom-root the AtoM install directory? It must contain config/config.php.',
  )
  return databaseSettings(await parsePhpReturnArray(php, configPhp), configPhp)
}

function databaseSettings(config: PhpValue, file: string): AtomDatabaseSettings {
  const param = dig(config, ['all', 'propel', 'param'])
  if (!isRecord(param)) {
    throw new ConfigError(
      `${file} has no all.propel.param section`,
      'Re-run the AtoM installer or restore config.php from a backup.',
    )
  }

  if (typeof param.dsn !== 'string')
    throw new ConfigError(
      `${file}: all.propel.param.dsn is missing`,
      'Add the PDO DSN, e.g. mysql:dbname=atom;port=3306',
    )
  const dsn = parsePdoMysqlDsn(param.dsn, file)
  const password = scalarText(param.password, `${file}: all.propel.param.password`)
  registerSecret(password)
  return {
    dsn,
    username: scalarText(param.username, `${file}: all.propel.param.username`),
    password,
    encoding: typeof param.encoding === 'string' ? param.encoding : undefined,
  }
}

/** A setting that must be a single value (absent or null is empty): a list or map is a config error. */
function scalarText(value: unknown, where: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object')
    throw new ConfigError(
      `${where} must be a single value, not a ${Array.isArray(value) ? 'list' : 'map'}`,
      'Write it as a plain quoted string.',
    )
  return String(value)
}

function dig(value: unknown, path: string[]): unknown {
  let v = value
  for (const key of path) {
    if (!isRecord(v)) return undefined
    v = v[key]
  }

  return v
}

const DEFAULT_SERVERS: GearmanServer[] = [{name: 'default', host: '127.0.0.1', port: DEFAULT_GEARMAN_PORT}]

function gearmanServers(raw: unknown, config: CascadedConfig): GearmanServer[] {
  const at = where(config, ['servers'])
  let entries: Array<[string, unknown]>
  if (raw === undefined || raw === null) return DEFAULT_SERVERS
  if (typeof raw === 'string') entries = [['default', raw]]
  else if (Array.isArray(raw)) entries = raw.map((v, i) => [String(i), v])
  else if (isRecord(raw)) entries = Object.entries(raw)
  else
    throw new ConfigError(
      `${at}: servers must be a map of name to host:port`,
      'Example: all: { servers: { default: 127.0.0.1:4730 } }',
    )
  if (entries.length === 0)
    throw new ConfigError(`${at}: servers is empty`, 'List at least one Gearman server, e.g. default: 127.0.0.1:4730')
  return entries.map(([name, value]) => {
    const hp =
      typeof value === 'string' || typeof value === 'number'
        ? parseHostPort(String(value), DEFAULT_GEARMAN_PORT)
        : undefined
    if (!hp)
      throw new ConfigError(
        `${at}: server "${name}" has an invalid address ${JSON.stringify(value)}`,
        'Write it as host:port, e.g. 127.0.0.1:4730',
      )
    return {name, ...hp}
  })
}

function workerTypes(raw: unknown, at: string): Record<string, string[]> {
  if (raw === undefined || raw === null) return {}
  if (!isRecord(raw))
    throw new ConfigError(
      `${at}: worker_types must be a map of type to job classes`,
      'Compare with the stock config/gearman.yml.',
    )
  const out: Record<string, string[]> = {}
  for (const [type, classes] of Object.entries(raw)) {
    const list = Array.isArray(classes)
      ? classes
      : classes === null
        ? []
        : isRecord(classes)
          ? Object.values(classes)
          : [classes]
    out[type] = list.map(String)
  }

  return out
}

/** From AtoM's config.php: a DSN without host (or with localhost) means PDO's local socket. */
export function targetFromAtom(settings: AtomDatabaseSettings): DatabaseTarget {
  const {dsn} = settings
  const base = {
    user: settings.username,
    password: settings.password,
    database: dsn.dbname,
    charset: dsn.charset ?? settings.encoding,
  }
  if (dsn.unixSocket) return {...base, socketPath: dsn.unixSocket}
  if (!dsn.host || dsn.host === 'localhost') return {...base, socketPath: DEFAULT_MYSQL_SOCKET}
  return {...base, host: dsn.host, port: dsn.port ?? 3306}
}
