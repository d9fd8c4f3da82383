import {mkdir, utimes, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {DatabaseTarget} from '../../../src/lib/db/target.js'

import {formatHostPort, type HostPort} from '../../../src/lib/util/hostport.js'
import {PLUGIN_JOB_CLASSES, STOCK_ENABLED_PLUGINS, STOCK_WORKER_TYPES} from './schema.js'

type PhpLiteral = string | number | boolean | null | PhpLiteral[] | {[key: string]: PhpLiteral}

/** PHP's var_export layout, as AtoM's installer writes config.php. */
export function phpExport(value: PhpLiteral, indent = ''): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  const inner = indent + '  '
  const body = entries.map(([k, v]) => {
    const nested = typeof v === 'object' && v !== null
    return `${inner}${typeof k === 'number' ? k : phpExport(k)} => ${nested ? `\n${inner}` : ''}${phpExport(v, inner)},\n`
  })
  return `array (\n${body.join('')}${indent})`
}

export type DsnStyle = 'installer' | 'docker' | 'socket'

/** The DSN forms seen in the wild: the installer's (dbname first, host omitted for localhost), Docker's, a socket. */
export function atomDsn(target: DatabaseTarget, style: DsnStyle): string {
  if (style === 'socket' || target.socketPath)
    return `mysql:dbname=${target.database};unix_socket=${target.socketPath ?? '/run/mysqld/mysqld.sock'}`
  if (style === 'docker')
    return `mysql:host=${target.host};port=${target.port};dbname=${target.database};charset=utf8mb4`
  return `mysql:dbname=${target.database};host=${target.host};port=${target.port}`
}

export interface InstallOptions {
  database: DatabaseTarget
  gearmanServers: HostPort[]
  workersKey?: string | null
  dsnStyle?: DsnStyle
  cacheEngine?: 'sfAPCCache' | 'sfMemcacheCache'
  memcached?: HostPort
  workerTypes?: Record<string, string[]>
  /**
   * stock: everything in config/ as a package install has it; docker: AtoM's Docker bootstrap, which
   * writes apps/qubit/config/gearman.yml with only `servers:` and an app-level app.yml.
   */
  layout?: 'stock' | 'docker'
  /** settings.yml's default_timezone (the stock template's America/Vancouver by default); null: none set. */
  timezone?: string | null
  /** Job class code under lib/ and plugins/, and ProjectConfiguration (default true); false: a bare config-only root. */
  code?: boolean
}

/** The stock template's zone: AtoM's rows are written on this clock unless settings.yml says otherwise. */
export const STOCK_TIMEZONE = 'America/Vancouver'

/** The plugins ProjectConfiguration::setup() of a stock AtoM 2.x enables on every install. */
const ALWAYS_ON = [
  'qbAclPlugin',
  'qtAccessionPlugin',
  'sfDrupalPlugin',
  'sfHistoryPlugin',
  'arElasticSearchPlugin',
  'sfPropelPlugin',
  'sfThumbnailPlugin',
  'sfTranslatePlugin',
  'sfWebBrowserPlugin',
  'sfPluginAdminPlugin',
]

const yaml = (text: string) => text.replace(/^\n/, '')

/**
 * Writes an AtoM-shaped install: config/config.php, gearman.yml and app.yml where the layout puts them,
 * apps/qubit/config/settings.yml with its timezone, the job classes' code (lib/job/, plugins/) and
 * ProjectConfiguration, a compiled cache/ (fresh) and downloads/.
 */
export async function writeAtomInstall(root: string, options: InstallOptions): Promise<void> {
  const docker = options.layout === 'docker'
  const appConfig = join(root, 'apps', 'qubit', 'config')
  await mkdir(join(root, 'config'), {recursive: true})
  await mkdir(appConfig, {recursive: true})
  await mkdir(join(root, 'downloads', 'jobs'), {recursive: true})
  for (const env of ['prod', 'worker']) await mkdir(join(root, 'cache', 'qubit', env, 'config'), {recursive: true})
  const param = {
    encoding: 'utf8mb4',
    persistent: true,
    pooling: true,
    dsn: atomDsn(options.database, options.dsnStyle ?? 'installer'),
    username: options.database.user,
    password: options.database.password,
  }
  const config = {
    all: {propel: {class: 'sfPropelDatabase', param}},
    dev: {propel: {param: {classname: 'DebugPDO', debug: {realmemoryusage: true}}}},
    test: {propel: {param: {classname: 'DebugPDO'}}},
  }
  await writeFile(join(root, 'config', 'config.php'), `<?php\n\nreturn ${phpExport(config)};\n`, {mode: 0o640})

  const servers = options.gearmanServers
    .map((s, i) => `    ${i === 0 ? 'default' : `server${i + 1}`}: ${formatHostPort(s)}`)
    .join('\n')
  const types = Object.entries(options.workerTypes ?? STOCK_WORKER_TYPES)
    .map(([type, classes]) => `    ${type}:\n${classes.map((c) => `      - ${c}`).join('\n')}`)
    .join('\n')
  // Docker keeps the release's config/gearman.yml (its stock server) and overrides servers at app level.
  await writeFile(
    join(root, 'config', 'gearman.yml'),
    `all:\n  servers:\n${docker ? '    default: 127.0.0.1:4730' : servers}\n\n  worker_types:\n${types}\n`,
  )
  if (docker) await writeFile(join(appConfig, 'gearman.yml'), `all:\n  servers:\n${servers}\n`)

  const app: string[] = ['all:', '  upload_limit: -1', '  read_only: false']
  if (options.workersKey !== null) app.push(`  workers_key: '${(options.workersKey ?? '').replaceAll("'", "''")}'`)
  app.push(`  cache_engine: ${options.cacheEngine ?? 'sfAPCCache'}`)
  if (options.memcached)
    app.push('  cache_engine_param:', `    host: ${options.memcached.host}`, `    port: ${options.memcached.port}`)
  if (docker) {
    await writeFile(
      join(root, 'config', 'app.yml'),
      'all:\n  upload_limit: -1\n  cache_engine: sfAPCCache\n  workers_key:\n',
    )
    await writeFile(join(appConfig, 'app.yml'), app.join('\n') + '\n')
  } else {
    await writeFile(join(root, 'config', 'app.yml'), app.join('\n') + '\n')
  }

  const zone = options.timezone === undefined ? STOCK_TIMEZONE : options.timezone
  const settings = yaml(`
prod:
  .settings:
    no_script_name: false
    cache: true

worker:
  .settings:
    logging_enabled: true

all:
  .settings:
    csrf_secret: fixture
    default_culture: en
${zone === null ? '' : `    default_timezone: ${zone}\n`}`)
  await writeFile(join(appConfig, 'settings.yml'), settings)

  if (options.code !== false) await writeJobCode(root, options.workerTypes ?? STOCK_WORKER_TYPES)

  await compileConfigCache(root)
}

/** What symfony compiles from the YAML files, for the web app and the worker; written after the sources, so the caches are fresh. */
export async function compileConfigCache(root: string): Promise<void> {
  for (const env of ['prod', 'worker']) {
    await mkdir(join(root, 'cache', 'qubit', env, 'config'), {recursive: true})
    for (const name of ['config_gearman.yml.php', 'config_app.yml.php', 'config_settings.yml.php']) {
      const file = join(root, 'cache', 'qubit', env, 'config', name)
      await writeFile(file, '<?php\n// compiled by symfony\n')
      // A second edit within the file system's timestamp granularity must still leave the copy newer.
      const later = new Date(Date.now() + 1000)
      await utimes(file, later, later)
    }
  }
}

/**
 * A class file per job class, where AtoM keeps it (lib/job/, or the plugin's lib/ for a plugin's
 * class), plugin directories, and a ProjectConfiguration that enables the always-on plugins.
 */
async function writeJobCode(root: string, workerTypes: Record<string, string[]>): Promise<void> {
  await mkdir(join(root, 'lib', 'job'), {recursive: true})
  for (const jobClass of new Set(Object.values(workerTypes).flat())) {
    const plugin = PLUGIN_JOB_CLASSES[jobClass]
    const dir = plugin ? join(root, 'plugins', plugin, 'lib') : join(root, 'lib', 'job')
    await mkdir(dir, {recursive: true})
    await writeFile(
      join(dir, `${jobClass}.class.php`),
      `<?php\n\n// fixture: the job class AtoM's worker loads\nclass ${jobClass} extends arBaseJob\n{\n}\n`,
    )
  }

  for (const plugin of [...ALWAYS_ON, ...STOCK_ENABLED_PLUGINS])
    await mkdir(join(root, 'plugins', plugin, 'config'), {recursive: true})
  const list = ALWAYS_ON.map((p) => `            '${p}',`).join('\n')
  await writeFile(
    join(root, 'config', 'ProjectConfiguration.class.php'),
    `<?php\n\n// fixture in the shape of AtoM's project configuration\nclass ProjectConfiguration extends sfProjectConfiguration\n{\n    public function setup()\n    {\n        $plugins = [\n${list}\n        ];\n\n        $this->enablePlugins($plugins);\n    }\n}\n`,
  )
}
