import {spawn} from 'node:child_process'
import {appendFile, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {HostPort} from '../../../src/lib/util/hostport.js'

import {startProcess, stopProcess, waitFor} from './processes.js'

export interface ProgramSpec {
  name: string
  /** Argument array; quoted for supervisord's own command-line splitting. */
  command: string[]
  autostart?: boolean
  /** Default 1 (supervisord's default). */
  startsecs?: number
  /** Default 3; 0 makes a program that exits at once go FATAL. */
  startretries?: number
  autorestart?: boolean | 'unexpected'
  numprocs?: number
  directory?: string
}

export interface RunningSupervisord {
  pid: number
  dir: string
  /** Pass to supervisorctl -c (and atom-ops --supervisor-config). */
  configFile: string
  socket: string
  logFile: string
  /** Adds programs to the config and makes supervisord load (and autostart) them. */
  addPrograms(programs: ProgramSpec[], group?: {name: string}): Promise<void>
  /** supervisorctl -c CONFIG ARGS..., for tests that set up state. */
  ctl(...args: string[]): Promise<{code: number | null; stdout: string}>
  stop(): Promise<void>
}

/** supervisord splits `command=` with shlex (posix): inside double quotes only `"` and `\` are escaped; `%` is its own expansion. */
function quote(arg: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(arg)
    ? arg
    : `"${arg.replaceAll(/(["\\])/g, String.raw`\$1`).replaceAll('%', '%%')}"`
}

function programSection(p: ProgramSpec, logDir: string): string {
  const lines = [
    `[program:${p.name}]`,
    `command=${p.command.map(quote).join(' ')}`,
    `autostart=${p.autostart === false ? 'false' : 'true'}`,
    `startsecs=${p.startsecs ?? 1}`,
    `startretries=${p.startretries ?? 3}`,
    `autorestart=${p.autorestart === undefined ? 'unexpected' : String(p.autorestart)}`,
    'stopsignal=TERM',
    'stopwaitsecs=5',
    'redirect_stderr=true',
    `stdout_logfile=${join(logDir, `${p.name}.log`)}`,
  ]
  if (p.numprocs && p.numprocs > 1)
    lines.push(`numprocs=${p.numprocs}`, 'process_name=%(program_name)s_%(process_num)02d')
  if (p.directory) lines.push(`directory=${p.directory}`)
  return lines.join('\n') + '\n\n'
}

/**
 * A real supervisord (Debian's supervisor package) with its own config, unix socket, logs and pid file
 * in dir: nothing of the machine's /etc/supervisor is read or touched. Ready when supervisorctl answers.
 */
export async function startSupervisord(
  dir: string,
  options: {programs?: ProgramSpec[]; detached?: boolean} = {},
): Promise<RunningSupervisord> {
  await mkdir(dir, {recursive: true})
  const configFile = join(dir, 'supervisord.conf')
  const socket = join(dir, 'supervisor.sock')
  const logFile = join(dir, 'supervisord.log')
  const header = [
    '[unix_http_server]',
    `file=${socket}`,
    'chmod=0700',
    '',
    '[supervisord]',
    'nodaemon=true',
    `logfile=${logFile}`,
    `pidfile=${join(dir, 'supervisord.pid')}`,
    `childlogdir=${dir}`,
    ...(process.getuid?.() === 0 ? ['user=root'] : []),
    '',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '',
    '[supervisorctl]',
    `serverurl=unix://${socket}`,
    '',
    '',
  ].join('\n')
  await writeFile(configFile, header + (options.programs ?? []).map((p) => programSection(p, dir)).join(''))
  const proc = startProcess('supervisord', 'supervisord', ['-n', '-c', configFile], {
    logFile: join(dir, 'supervisord.out'),
    detached: options.detached,
  })

  const ctl = (...args: string[]) =>
    new Promise<{code: number | null; stdout: string}>((resolve) => {
      const child = spawn('supervisorctl', ['-c', configFile, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      child.stderr.resume()
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code, stdout})
      })
    })
  const stop = () => stopProcess(proc.pid, 15_000)
  // Autostarted programs are STARTING for startsecs: tests look at them once they are RUNNING (or given up).
  const settled = () =>
    waitFor(
      'supervisord programs to leave STARTING',
      async () => {
        const r = await ctl('status')
        return /\bSTARTING\b/.test(r.stdout) ? undefined : true
      },
      30_000,
      100,
    )
  try {
    await waitFor(
      'supervisord to answer',
      async () => {
        const r = await ctl('pid')
        return r.code === 0 && /^\d+/.test(r.stdout) ? true : undefined
      },
      15_000,
      100,
    )
    await settled()
  } catch (error) {
    await stop()
    throw error
  }

  return {
    pid: proc.pid,
    dir,
    configFile,
    socket,
    logFile,
    ctl,
    async addPrograms(programs, group) {
      let text = programs.map((p) => programSection(p, dir)).join('')
      if (group) text += `[group:${group.name}]\nprograms=${programs.map((p) => p.name).join(',')}\n\n`
      await appendFile(configFile, text)
      const r = await ctl('update')
      if (r.code !== 0) throw new Error(`supervisorctl update failed: ${r.stdout}`)
      await settled()
    },
    stop,
  }
}

/**
 * The command of a supervised fake atom-worker: `gearman -w` registering the install's prefixed
 * functions and answering each job with `cat`, as AtoM's worker registers its job classes.
 */
export function gearmanWorkerCommand(server: HostPort, functions: string[], job: string[] = ['cat']): string[] {
  const args = ['gearman', '-h', server.host, '-p', String(server.port), '-w']
  for (const f of functions) args.push('-f', f)
  return [...args, '--', ...job]
}

/**
 * A command that exits at once (status 1) while `flagFile` exists, else runs `command`: a worker whose
 * start fails for a reason outside it (MySQL down at boot), so supervisord gives up on it (FATAL, its
 * start limit) and stays there after the reason is gone, as a real one does at night.
 */
export function gatedCommand(command: string[], flagFile: string): string[] {
  return ['sh', '-c', 'if [ -e "$0" ]; then echo "gate closed: $0" >&2; exit 1; fi; exec "$@"', flagFile, ...command]
}
