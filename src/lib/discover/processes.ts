import {open, readdir, readlink} from 'node:fs/promises'
import {basename, isAbsolute, join, resolve} from 'node:path'

import {userName} from '../util/files.js'
import {parseWorkerCommand, WORKER_TASK} from './worker-command.js'

/** How a running worker is managed, as the process itself shows it. */
export type ProcessManager =
  /** supervisord's children carry SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME; configFile is its -c. */
  | {kind: 'supervisor'; program: string; group: string; configFile?: string}
  /** Its cgroup names the unit; user: a unit of a user's manager (systemd --user), not the system's. */
  | {kind: 'systemd'; unit: string; user: boolean}

export interface WorkerProcess {
  pid: number
  argv: string[]
  /** Its working directory; undefined when not readable (another user's process, unless run as root). */
  cwd?: string
  /** The install it runs in, when it can be told. */
  root?: string
  /** The working directory was deleted (a removed release directory the worker still runs in). */
  deleted: boolean
  user?: string
  manager?: ProcessManager
}

export interface ProcessScan {
  procRoot: string
  /** Processes read (those that vanished meanwhile are not counted). */
  processes: number
  workers: WorkerProcess[]
  /** The configuration files of the running supervisords (their -c), whose programs are read too. */
  supervisordConfigs: string[]
  /** Whether /proc could be listed at all. */
  readable: boolean
}

/** /proc files are small; a cap keeps a hostile or odd one from being read whole. */
const MAX_PROC_FILE = 256 * 1024

async function readProcFile(path: string): Promise<string | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
    const buffer = Buffer.alloc(MAX_PROC_FILE)
    let total = 0
    let n: number
    do {
      n = (await handle.read(buffer, total, buffer.length - total, null)).bytesRead
      total += n
    } while (n > 0 && total < buffer.length)

    return buffer.subarray(0, total).toString('utf8')
  } catch {
    // gone, or not ours to read
    return undefined
  } finally {
    await handle?.close()
  }
}

const nulSeparated = (text: string): string[] =>
  text.split('\0').filter((word, i, all) => word !== '' || i < all.length - 1)

async function processCwd(dir: string): Promise<{cwd?: string; deleted: boolean}> {
  try {
    const target = await readlink(join(dir, 'cwd'))
    const deleted = target.endsWith(' (deleted)')
    return {cwd: deleted ? target.slice(0, -' (deleted)'.length) : target, deleted}
  } catch {
    return {deleted: false}
  }
}

function statusField(status: string | undefined, field: string): string | undefined {
  return status === undefined ? undefined : new RegExp(`^${field}:\\s*(\\S+)`, 'm').exec(status)?.[1]
}

/** `supervisord -c FILE`, `--configuration=FILE`, `-cFILE`: the file, relative to its working directory. */
export function supervisordConfigArgument(argv: string[], cwd: string | undefined): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]
    let file: string | undefined
    if (word === '-c' || word === '--configuration') file = argv[i + 1]
    else if (word.startsWith('--configuration=')) file = word.slice('--configuration='.length)
    else if (/^-c./.test(word)) file = word.slice(2)
    if (file) return isAbsolute(file) || cwd === undefined ? file : resolve(cwd, file)
  }

  return undefined
}

const isSupervisord = (argv: string[]) => argv.slice(0, 2).some((word) => basename(word) === 'supervisord')

/** The systemd unit of a process from its cgroup path; undefined for a login session or a manager itself. */
export function unitFromCgroup(cgroup: string): {unit: string; user: boolean} | undefined {
  for (const line of cgroup.split('\n')) {
    const path = line.split(':').slice(2).join(':')
    const parts = path.split('/').filter(Boolean)
    const service = parts.filter((p) => p.endsWith('.service')).pop()
    if (service && !/^user@\d+\.service$/.test(service))
      return {unit: service.replace(/\.service$/, ''), user: parts.some((p) => /^user@\d+\.service$/.test(p))}
  }

  return undefined
}

/**
 * Every `php … symfony jobs:worker` process, read from /proc (its command line, working directory,
 * owner, environment and cgroup; nothing is run): the install each works for, and the supervisord
 * program or systemd unit that runs it. Another user's process shows only its command line unless
 * atom-ops runs as root.
 */
export async function scanWorkerProcesses(procRoot: string): Promise<ProcessScan> {
  let entries: string[]
  try {
    entries = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name))
  } catch {
    return {procRoot, processes: 0, workers: [], supervisordConfigs: [], readable: false}
  }

  const commandLines = await Promise.all(
    entries.map(async (name) => ({pid: Number(name), cmdline: await readProcFile(join(procRoot, name, 'cmdline'))})),
  )
  const argvOf = new Map(commandLines.filter((p) => p.cmdline).map((p) => [p.pid, nulSeparated(p.cmdline!)]))
  const candidates = [...argvOf].filter(([, argv]) => argv.some((word) => word.includes(WORKER_TASK)))
  const workers = await Promise.all(candidates.map(([pid, argv]) => readWorker(procRoot, pid, argv, argvOf)))
  const supervisords = [...argvOf].filter(([, argv]) => isSupervisord(argv))
  const configs = await Promise.all(
    supervisords.map(async ([pid, argv]) =>
      supervisordConfigArgument(argv, (await processCwd(join(procRoot, String(pid)))).cwd),
    ),
  )
  return {
    procRoot,
    processes: argvOf.size,
    workers: workers.filter((w): w is WorkerProcess => w !== undefined),
    supervisordConfigs: [...new Set(configs.filter((c): c is string => c !== undefined))],
    readable: true,
  }
}

async function readWorker(
  procRoot: string,
  pid: number,
  argv: string[],
  argvOf: Map<number, string[]>,
): Promise<WorkerProcess | undefined> {
  const dir = join(procRoot, String(pid))
  const {cwd, deleted} = await processCwd(dir)
  const command = parseWorkerCommand(argv, cwd)
  if (!command) return undefined
  const [status, environ, cgroup] = await Promise.all([
    readProcFile(join(dir, 'status')),
    readProcFile(join(dir, 'environ')),
    readProcFile(join(dir, 'cgroup')),
  ])
  const uid = statusField(status, 'Uid')
  const env = new Map(
    nulSeparated(environ ?? '').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  )
  let manager: ProcessManager | undefined
  const program = env.get('SUPERVISOR_PROCESS_NAME')
  if (program) {
    manager = {
      kind: 'supervisor',
      program,
      group: env.get('SUPERVISOR_GROUP_NAME') || program,
      configFile: await supervisordConfigOf(procRoot, status, argvOf),
    }
  } else if (cgroup) {
    const unit = unitFromCgroup(cgroup)
    if (unit) manager = {kind: 'systemd', ...unit}
  }

  return {
    pid,
    argv,
    cwd,
    root: command.root,
    deleted,
    user: uid === undefined ? undefined : ((await userName(Number(uid))) ?? `uid ${uid}`),
    manager,
  }
}

/** The -c of the supervisord above a process (its parent, or further up behind a wrapper shell). */
async function supervisordConfigOf(
  procRoot: string,
  status: string | undefined,
  argvOf: Map<number, string[]>,
): Promise<string | undefined> {
  let parent = Number(statusField(status, 'PPid'))
  for (let depth = 0; depth < 8 && parent > 1; depth++) {
    const argv = argvOf.get(parent)
    if (argv && isSupervisord(argv))
      return supervisordConfigArgument(argv, (await processCwd(join(procRoot, String(parent)))).cwd)
    parent = Number(statusField(await readProcFile(join(procRoot, String(parent), 'status')), 'PPid'))
  }

  return undefined
}
