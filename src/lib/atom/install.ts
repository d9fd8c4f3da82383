import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import {readConfigFile, readOptionalConfigFile, resolveRealDirectory} from '../util/files.js'
import {type HostPort, parseHostPort} from '../util/hostport.js'
import {registerSecret} from '../util/secrets.js'
import {type PdoMysqlDsn, parsePdoMysqlDsn} from './dsn.js'
import {type PhpValue, parsePhpReturnArray} from './php-array.js'
import {functionPrefix} from './prefix.js'
import {environmentSection, isRecord, parseYamlFile} from './yaml.js'

export const DEFAULT_ATOM_ROOT = '/usr/share/nginx/atom'
export const DEFAULT_GEARMAN_PORT = 4730
/** Where PDO connects when the DSN names no host (Debian's and Ubuntu's default socket). */
export const DEFAULT_MYSQL_SOCKET = '/var/run/mysqld/mysqld.sock'
/** The Symfony environment the web app runs in: its section overlays `all`. */
const WEB_ENVIRONMENT = 'prod'

export interface AtomDatabaseSettings {
  dsn: PdoMysqlDsn
  username: string
  password: string
  encoding?: string
}

export interface AtomInstall {
  root: string
  /** The root with symlinks resolved: what PHP's realpath() gives and what the function prefix hashes. */
  realRoot: string
  files: {configPhp: string; gearmanYml?: string; appYml?: string}
  database: AtomDatabaseSettings
  /** In gearman.yml order; AtoM's availability check asks the last one. */
  gearmanServers: Array<HostPort & {name: string}>
  workerTypes: Record<string, string[]>
  workersKey: string
  /** True when app.yml has no workers_key (AtoM before 2.6, or never set). */
  workersKeyMissing: boolean
  cacheEngine?: string
  cacheOptions?: Record<string, unknown>
  prefix: string
}

/** Reads an AtoM install's configuration from its root, parsing each file (never executing any). */
export async function readAtomInstall(root: string): Promise<AtomInstall> {
  const realRoot = await resolveRealDirectory(root, 'AtoM root', 'Point --atom-root (or ATOM_OPS_ATOM_ROOT) at the directory holding config/config.php.')
  const configPhp = join(realRoot, 'config', 'config.php')
  const php = await readConfigFile(configPhp, "AtoM's config.php", 'Is --atom-root the AtoM install directory? It must contain config/config.php.')
  const database = databaseSettings(await parsePhpReturnArray(php, configPhp), configPhp)

  const gearman = await readGearmanYml(realRoot)
  const appYmlPath = join(realRoot, 'config', 'app.yml')
  const appText = await readOptionalConfigFile(appYmlPath, "AtoM's app.yml")
  const app = appText === undefined ? {} : environmentSection(await parseYamlFile(appText, appYmlPath), WEB_ENVIRONMENT, appYmlPath)

  const rawKey = app.workers_key
  const workersKey = scalarText(rawKey, `${appYmlPath}: workers_key`)
  const cacheOptions = isRecord(app.cache_options) ? app.cache_options : undefined

  return {
    root,
    realRoot,
    files: {configPhp, gearmanYml: gearman.file, appYml: appText === undefined ? undefined : appYmlPath},
    database,
    gearmanServers: gearman.servers,
    workerTypes: gearman.workerTypes,
    workersKey,
    workersKeyMissing: rawKey === undefined,
    cacheEngine: typeof app.cache_engine === 'string' ? app.cache_engine : undefined,
    cacheOptions,
    prefix: functionPrefix(realRoot, workersKey),
  }
}

function databaseSettings(config: PhpValue, file: string): AtomDatabaseSettings {
  const param = dig(config, ['all', 'propel', 'param'])
  if (!isRecord(param)) {
    throw new ConfigError(`${file} has no all.propel.param section`, 'Re-run the AtoM installer or restore config.php from a backup.')
  }
  if (typeof param.dsn !== 'string') throw new ConfigError(`${file}: all.propel.param.dsn is missing`, 'Add the PDO DSN, e.g. mysql:dbname=atom;port=3306')
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
  if (typeof value === 'object') throw new ConfigError(`${where} must be a single value, not a ${Array.isArray(value) ? 'list' : 'map'}`, 'Write it as a plain quoted string.')
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

async function readGearmanYml(realRoot: string): Promise<{file?: string; servers: AtomInstall['gearmanServers']; workerTypes: Record<string, string[]>}> {
  // AtoM lets the app-level file replace the project one.
  for (const file of [join(realRoot, 'apps', 'qubit', 'config', 'gearman.yml'), join(realRoot, 'config', 'gearman.yml')]) {
    const text = await readOptionalConfigFile(file, "AtoM's gearman.yml")
    if (text === undefined) continue
    const section = environmentSection(await parseYamlFile(text, file), WEB_ENVIRONMENT, file)
    return {file, servers: gearmanServers(section.servers, file), workerTypes: workerTypes(section.worker_types, file)}
  }
  return {servers: [{name: 'default', host: '127.0.0.1', port: DEFAULT_GEARMAN_PORT}], workerTypes: {}}
}

function gearmanServers(raw: unknown, file: string): AtomInstall['gearmanServers'] {
  let entries: Array<[string, unknown]>
  if (raw === undefined || raw === null) return [{name: 'default', host: '127.0.0.1', port: DEFAULT_GEARMAN_PORT}]
  if (typeof raw === 'string') entries = [['default', raw]]
  else if (Array.isArray(raw)) entries = raw.map((v, i) => [String(i), v])
  else if (isRecord(raw)) entries = Object.entries(raw)
  else throw new ConfigError(`${file}: servers must be a map of name to host:port`, 'Example: all: { servers: { default: 127.0.0.1:4730 } }')
  if (entries.length === 0) throw new ConfigError(`${file}: servers is empty`, 'List at least one Gearman server, e.g. default: 127.0.0.1:4730')
  return entries.map(([name, value]) => {
    const hp = typeof value === 'string' || typeof value === 'number' ? parseHostPort(String(value), DEFAULT_GEARMAN_PORT) : undefined
    if (!hp) throw new ConfigError(`${file}: server "${name}" has an invalid address ${JSON.stringify(value)}`, 'Write it as host:port, e.g. 127.0.0.1:4730')
    return {name, ...hp}
  })
}

function workerTypes(raw: unknown, file: string): Record<string, string[]> {
  if (raw === undefined || raw === null) return {}
  if (!isRecord(raw)) throw new ConfigError(`${file}: worker_types must be a map of type to job classes`, 'Compare with the stock config/gearman.yml.')
  const out: Record<string, string[]> = {}
  for (const [type, classes] of Object.entries(raw)) {
    const list = Array.isArray(classes) ? classes : classes === null ? [] : [classes]
    out[type] = list.map(String)
  }
  return out
}
