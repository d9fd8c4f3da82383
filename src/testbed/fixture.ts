import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {DatabaseTarget} from '../lib/db/target.js'
import {formatHostPort, type HostPort} from '../lib/util/hostport.js'
import {STOCK_WORKER_TYPES} from './schema.js'

type PhpLiteral = string | number | boolean | null | PhpLiteral[] | {[key: string]: PhpLiteral}

/** PHP's var_export layout, as AtoM's installer writes config.php. */
export function phpExport(value: PhpLiteral, indent = ''): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
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
  if (style === 'socket' || target.socketPath) return `mysql:dbname=${target.database};unix_socket=${target.socketPath ?? '/run/mysqld/mysqld.sock'}`
  if (style === 'docker') return `mysql:host=${target.host};port=${target.port};dbname=${target.database};charset=utf8mb4`
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
}

/** Writes an AtoM-shaped install: config/config.php, config/gearman.yml, config/app.yml, a compiled cache/ and downloads/. */
export async function writeAtomInstall(root: string, options: InstallOptions): Promise<void> {
  await mkdir(join(root, 'config'), {recursive: true})
  await mkdir(join(root, 'downloads', 'jobs'), {recursive: true})
  await mkdir(join(root, 'cache', 'qubit', 'prod', 'config'), {recursive: true})
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

  const servers = options.gearmanServers.map((s, i) => `    ${i === 0 ? 'default' : `server${i + 1}`}: ${formatHostPort(s)}`).join('\n')
  const types = Object.entries(options.workerTypes ?? STOCK_WORKER_TYPES)
    .map(([type, classes]) => `    ${type}:\n${classes.map((c) => `      - ${c}`).join('\n')}`)
    .join('\n')
  await writeFile(join(root, 'config', 'gearman.yml'), `all:\n  servers:\n${servers}\n\n  worker_types:\n${types}\n`)

  const app: string[] = ['all:', '  upload_limit: -1', "  read_only: false"]
  if (options.workersKey !== null) app.push(`  workers_key: '${(options.workersKey ?? '').replace(/'/g, "''")}'`)
  app.push(`  cache_engine: ${options.cacheEngine ?? 'sfAPCCache'}`)
  if (options.memcached) app.push('  cache_options:', `    host: ${options.memcached.host}`, `    port: ${options.memcached.port}`)
  await writeFile(join(root, 'config', 'app.yml'), app.join('\n') + '\n')

  // What Symfony compiles from them; written after the sources, so the cache is fresh.
  await writeFile(join(root, 'cache', 'qubit', 'prod', 'config', 'config_gearman.yml.php'), '<?php\n// compiled by symfony\n')
  await writeFile(join(root, 'cache', 'qubit', 'prod', 'config', 'config_app.yml.php'), '<?php\n// compiled by symfony\n')
}
