import {readdir, realpath} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {readAtomInstall, readDatabaseSettings, targetFromAtom} from '../atom/install.js'
import {isAtomRoot, rootMarkers} from '../atom/root.js'
import {describeError, UsageError} from '../errors.js'
import {globToRegExp, isPattern, type ManagerKind} from '../service/types.js'
import {formatHostPort} from '../util/hostport.js'
import {MASK} from '../util/secrets.js'
import {scanWorkerProcesses, type WorkerProcess} from './processes.js'
import {scanSupervisorConfigs, scanSystemdUnits} from './units.js'

/** Where `config init` looks; each list from its ATOM_OPS_* variable (colon-separated) when set. */
export interface DiscoveryPlaces {
  /** A root itself, or a directory whose subdirectories are roots. */
  searchPaths: string[]
  procRoot: string
  systemdUnitPaths: string[]
  /** supervisord files or globs; a main file's [include] is followed. The running supervisords' -c are added. */
  supervisorConfigs: string[]
}

export const DISCOVERY_DEFAULTS: DiscoveryPlaces = {
  searchPaths: ['/usr/share/nginx', '/usr/share/nginx/html', '/var/www', '/var/www/html', '/srv', '/srv/www', '/opt'],
  procRoot: '/proc',
  systemdUnitPaths: [
    '/etc/systemd/system',
    '/run/systemd/system',
    '/usr/local/lib/systemd/system',
    '/lib/systemd/system',
    '/usr/lib/systemd/system',
  ],
  supervisorConfigs: [
    '/etc/supervisor/supervisord.conf',
    '/etc/supervisord.conf',
    '/etc/supervisor/conf.d/*.conf',
    '/etc/supervisord.d/*.ini',
    '/etc/supervisord.d/*.conf',
  ],
}

export const DISCOVERY_ENV: Record<keyof DiscoveryPlaces, string> = {
  searchPaths: 'ATOM_OPS_SEARCH_PATHS',
  procRoot: 'ATOM_OPS_PROC_ROOT',
  systemdUnitPaths: 'ATOM_OPS_SYSTEMD_UNIT_PATHS',
  supervisorConfigs: 'ATOM_OPS_SUPERVISOR_CONFIGS',
}

/** The places: --search-path, else the variables, else the usual locations. */
export function discoveryPlaces(
  searchPaths: string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DiscoveryPlaces {
  const list = (key: keyof DiscoveryPlaces, fallback: string[]) => {
    const value = env[DISCOVERY_ENV[key]]
    return value
      ? value
          .split(':')
          .filter(Boolean)
          .map((p) => resolve(p))
      : fallback
  }

  return {
    searchPaths:
      searchPaths && searchPaths.length > 0
        ? searchPaths.map((p) => resolve(p))
        : list('searchPaths', DISCOVERY_DEFAULTS.searchPaths),
    procRoot: env[DISCOVERY_ENV.procRoot] || DISCOVERY_DEFAULTS.procRoot,
    systemdUnitPaths: list('systemdUnitPaths', DISCOVERY_DEFAULTS.systemdUnitPaths),
    supervisorConfigs: list('supervisorConfigs', DISCOVERY_DEFAULTS.supervisorConfigs),
  }
}

export type FoundHow = '--root' | 'search path' | 'worker process' | 'systemd unit' | 'supervisord program'

/** One reason to believe a directory is an AtoM install. */
export interface Evidence {
  how: FoundHow
  detail: string
}

/** A worker of the install: running (pid), defined in a service manager's configuration (file), or both. */
export interface InstallWorker {
  manager: ManagerKind | null
  /** systemd unit or supervisord program/group. */
  unit: string | null
  /** supervisord's main configuration file (its -c), when known. */
  supervisorConfig: string | null
  /** A unit of a user's systemd (`systemctl --user`), which the worker commands do not manage. */
  userUnit: boolean
  pid: number | null
  user: string | null
  /** The unit or supervisord file defining it. */
  file: string | null
}

/** The worker service a profile names: manager, unit and (supervisord) its configuration file. */
export interface WorkerService {
  manager: ManagerKind
  unit: string
  supervisorConfig: string | null
}

export interface FoundInstall {
  /** As configured or found (a symlink is kept: a deploy that switches it is followed). */
  root: string
  realRoot: string
  /** config/config.php is there (AtoM's installer has run). */
  installed: boolean
  foundBy: Evidence[]
  workers: InstallWorker[]
  service: WorkerService | null
  gearmanServers: string[] | null
  prefix: string | null
  /** From config.php, the password masked. */
  database: {
    user: string
    host: string | null
    port: number | null
    socket: string | null
    database: string
    password: string
  } | null
  /** What could not be read or decided, one line each. */
  problems: string[]
}

/** A directory or worker that looked like AtoM and is not used, with why. */
export interface Ignored {
  path: string
  reason: string
}

export interface Discovery {
  places: DiscoveryPlaces
  scanned: {directories: number; processes: number; procReadable: boolean; unitFiles: number; supervisorFiles: number}
  installs: FoundInstall[]
  ignored: Ignored[]
  /** Configuration files that could not be read (run as root to read them). */
  unreadable: string[]
}

interface Candidate {
  root: string
  rank: number
  foundBy: Evidence[]
  workers: InstallWorker[]
}

/** Which spelling of a root to keep: the one typed, then a service's configuration, a search path, a process's (resolved) directory. */
const RANK: Record<FoundHow, number> = {
  '--root': 0,
  'systemd unit': 1,
  'supervisord program': 1,
  'search path': 2,
  'worker process': 3,
}

/**
 * Finds AtoM installs: directories in the search paths that hold AtoM (apps/qubit with config.php or
 * the symfony project), the directories of running `php symfony jobs:worker` processes (/proc), and
 * those of the workers systemd units and supervisord programs define. Everything is read and parsed;
 * nothing is executed. With `root`, only that install (its workers are still looked up).
 */
export async function discoverInstalls(places: DiscoveryPlaces, options: {root?: string} = {}): Promise<Discovery> {
  const candidates = new Map<string, Candidate>()
  const ignored: Ignored[] = []
  let only: string | undefined
  if (options.root !== undefined) only = await requireAtomRoot(options.root)

  const add = async (root: string, evidence: Evidence, worker?: InstallWorker): Promise<string | undefined> => {
    const real = await realDirectory(root)
    if (real === undefined) return `${root} does not exist`
    if (only !== undefined && real !== only) return undefined
    if (!isAtomRoot(await rootMarkers(real)))
      return `${root} is not an AtoM install (no apps/qubit with config/config.php or the symfony project)`
    const rank = RANK[evidence.how]
    const known = candidates.get(real) ?? {root, rank, foundBy: [], workers: []}
    if (rank < known.rank) Object.assign(known, {root, rank})
    known.foundBy.push(evidence)
    if (worker) known.workers.push(worker)
    candidates.set(real, known)
    return undefined
  }

  if (only !== undefined) await add(resolve(options.root!), {how: '--root', detail: resolve(options.root!)})
  const directories = only === undefined ? await searchDirectories(places.searchPaths) : []
  for (const {dir, searchPath} of directories) {
    const markers = await rootMarkers(dir)
    if (isAtomRoot(markers)) await add(dir, {how: 'search path', detail: searchPath})
  }

  const processes = await scanWorkerProcesses(places.procRoot)
  for (const p of processes.workers) {
    const why = await addProcess(p, add)
    if (why) ignored.push({path: p.root ?? `pid ${p.pid}`, reason: why})
  }

  const [systemd, supervisor] = await Promise.all([
    scanSystemdUnits(places.systemdUnitPaths),
    scanSupervisorConfigs([...places.supervisorConfigs, ...processes.supervisordConfigs]),
  ])
  for (const w of [...systemd.workers, ...supervisor.workers]) {
    const label = `${w.manager === 'systemd' ? 'systemd unit' : 'supervisord program'} ${w.unit} (${w.file})`
    if (!w.root) {
      ignored.push({path: w.file, reason: `${label} ${w.problem}`})
      continue
    }

    const worker: InstallWorker = {
      manager: w.manager,
      unit: w.unit,
      supervisorConfig: w.configFile ?? null,
      userUnit: false,
      pid: null,
      user: w.user ?? null,
      file: w.file,
    }
    const why = await add(
      w.root,
      {how: w.manager === 'systemd' ? 'systemd unit' : 'supervisord program', detail: `${w.unit} (${w.file})`},
      worker,
    )
    if (why) ignored.push({path: w.root, reason: `${label}: ${why}`})
  }

  const installs = await Promise.all([...candidates].map(([realRoot, c]) => describeInstall(realRoot, c)))
  installs.sort((a, b) => a.root.localeCompare(b.root))
  return {
    places,
    scanned: {
      directories: directories.length,
      processes: processes.processes,
      procReadable: processes.readable,
      unitFiles: systemd.files,
      supervisorFiles: supervisor.files,
    },
    installs,
    ignored,
    unreadable: [...systemd.unreadable, ...supervisor.unreadable],
  }
}

async function addProcess(
  p: WorkerProcess,
  add: (root: string, evidence: Evidence, worker?: InstallWorker) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (!p.root) return `worker pid ${p.pid}: its working directory cannot be read (run atom-ops as root to see it)`
  if (p.deleted) return `worker pid ${p.pid} runs in a directory that was deleted (an old release?): restart it`
  const m = p.manager
  const worker: InstallWorker = {
    manager: m?.kind ?? null,
    unit: m ? (m.kind === 'supervisor' ? m.group : m.unit) : null,
    supervisorConfig: m?.kind === 'supervisor' ? (m.configFile ?? null) : null,
    userUnit: m?.kind === 'systemd' && m.user,
    pid: p.pid,
    user: p.user ?? null,
    file: null,
  }
  const why = await add(p.root, {how: 'worker process', detail: `pid ${p.pid}`}, worker)
  return why && `worker pid ${p.pid}: ${why}`
}

/** --root: an existing AtoM install, or a usage error saying what is missing. */
async function requireAtomRoot(root: string): Promise<string> {
  const real = await realDirectory(root)
  if (real === undefined)
    throw new UsageError(
      `--root ${root}: no such directory`,
      'Give the directory holding AtoM (its symfony script, apps/qubit and config/).',
    )
  if (!isAtomRoot(await rootMarkers(real))) {
    throw new UsageError(
      `--root ${root} is not an AtoM install: no apps/qubit with config/config.php or the symfony project files`,
      'Give the directory holding AtoM, or leave --root out to search.',
    )
  }

  return real
}

async function realDirectory(path: string): Promise<string | undefined> {
  try {
    return await realpath(path)
  } catch {
    return undefined
  }
}

/** Each search path and its subdirectories (hidden ones skipped). */
async function searchDirectories(searchPaths: string[]): Promise<Array<{dir: string; searchPath: string}>> {
  const out: Array<{dir: string; searchPath: string}> = []
  for (const searchPath of searchPaths) {
    let entries
    try {
      entries = await readdir(searchPath, {withFileTypes: true})
    } catch {
      continue
    }

    out.push({dir: searchPath, searchPath})
    for (const e of entries)
      if (!e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
        out.push({dir: join(searchPath, e.name), searchPath})
  }

  return out
}

/** A running worker and a configured one are the same when the manager and unit agree (a template's instance included). */
function sameWorker(a: InstallWorker, b: InstallWorker): boolean {
  if (a.manager !== b.manager || a.unit === null || b.unit === null) return false
  const matches = (pattern: string, name: string) =>
    isPattern(pattern) ? globToRegExp(pattern).test(name) : pattern === name
  const unitsMatch = matches(a.unit, b.unit) || matches(b.unit, a.unit)
  return (
    unitsMatch &&
    (a.manager !== 'supervisor' ||
      a.supervisorConfig === null ||
      b.supervisorConfig === null ||
      a.supervisorConfig === b.supervisorConfig)
  )
}

/** Configured workers first (their unit may be a template), each running process merged into the one it belongs to. */
function mergeWorkers(workers: InstallWorker[]): InstallWorker[] {
  const out: InstallWorker[] = workers.filter((w) => w.file !== null).map((w) => ({...w}))
  for (const running of workers.filter((w) => w.pid !== null)) {
    const twin = out.find((w) => w.pid === null && sameWorker(w, running))
    if (twin)
      Object.assign(twin, {
        pid: running.pid,
        user: running.user ?? twin.user,
        supervisorConfig: twin.supervisorConfig ?? running.supervisorConfig,
      })
    else out.push({...running})
  }

  return out
}

async function describeInstall(realRoot: string, c: Candidate): Promise<FoundInstall> {
  const problems: string[] = []
  const workers = mergeWorkers(c.workers)
  // A running worker's manager first: it is what really runs; then what the configuration defines.
  const managed = [...workers.filter((w) => w.pid !== null), ...workers.filter((w) => w.pid === null)].filter(
    (w) => w.manager !== null && !w.userUnit,
  )
  const chosen = managed[0]
  const service: WorkerService | null = chosen
    ? {manager: chosen.manager!, unit: chosen.unit!, supervisorConfig: chosen.supervisorConfig}
    : null
  const others = [...new Set(managed.slice(1).map((w) => `${w.manager} ${w.unit}`))].filter(
    (s) => s !== `${chosen?.manager} ${chosen?.unit}`,
  )
  if (others.length > 0)
    problems.push(
      `more than one worker service runs this install (also ${others.join(', ')}); the profile names ${chosen!.manager} ${chosen!.unit}`,
    )
  for (const w of workers.filter((w) => w.userUnit))
    problems.push(`worker pid ${w.pid} runs as a user unit (${w.unit}): the worker commands manage system units`)
  for (const w of workers.filter((w) => w.pid !== null && w.manager === null))
    problems.push(`worker pid ${w.pid} runs outside systemd and supervisord (started by hand?)`)

  const markers = await rootMarkers(realRoot)
  let gearmanServers: string[] | null = null
  let prefix: string | null = null
  let database: FoundInstall['database'] = null
  try {
    const install = await readAtomInstall(c.root)
    gearmanServers = install.web.gearmanServers.map((s) => formatHostPort(s))
    prefix = install.web.prefix
    if (markers.configPhp) {
      const t = targetFromAtom(await readDatabaseSettings(install.configPhp))
      database = {
        user: t.user,
        host: t.host ?? null,
        port: t.port ?? null,
        socket: t.socketPath ?? null,
        database: t.database,
        password: t.password ? MASK : '',
      }
    }
  } catch (error) {
    problems.push(describeError(error))
  }

  if (!markers.configPhp)
    problems.push('no config/config.php: AtoM has not been installed here (run its installer first)')
  return {
    root: c.root,
    realRoot,
    installed: markers.configPhp,
    foundBy: c.foundBy,
    workers,
    service,
    gearmanServers,
    prefix,
    database,
    problems,
  }
}
