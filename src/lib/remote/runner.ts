import {type ChildProcess, spawn} from 'node:child_process'

import {UnreachableError, UsageError} from '../errors.js'
import {splitShellWords} from '../util/words.js'

/** What one external program did: never throws for a non-zero exit, only for "could not run at all". */
export interface RunResult {
  argv: string[]
  /** Exit code; 127 when the program was not found (locally or on the remote host). */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
  durationMs: number
}

/** The first non-blank line of a program's output: the part of systemctl's or supervisorctl's answer worth one line. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  )
}

export interface RunOptions {
  timeoutMs: number
  cwd?: string
  /** Aborting kills the program (an interrupted cache clear must not leave its find running). */
  signal?: AbortSignal
}

/** Programs still running when atom-ops exits (an interrupt ends it at once) are killed with it. */
const running = new Set<ChildProcess>()
let exitHook = false
function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const c of running) c.kill('SIGTERM')
  })
}

export interface StreamOptions {
  /** Called with each complete line of stdout and stderr. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
  /** Aborting kills the program (Ctrl-C on `logs --follow`). */
  signal?: AbortSignal
}

/**
 * Runs programs on one host, as an argument array: locally with spawn (no shell), or over the system
 * ssh client with each argument quoted for the remote shell. Every service manager goes through this.
 */
export interface CommandRunner {
  /** "local" or the ssh destination as given. */
  readonly host: string
  readonly remote: boolean
  run(argv: string[], options: RunOptions): Promise<RunResult>
  /** Runs until the program ends or the signal aborts; resolves with its exit code. */
  stream(argv: string[], options: StreamOptions): Promise<RunResult>
}

/**
 * The only variables a program atom-ops runs inherits: what finding programs, the user's identity and
 * locale, ssh's agent and systemd's user bus need. Never ATOM_OPS_* (ATOM_OPS_DB and ATOM_OPS_DB_PASSWORD
 * carry the database password), never MYSQL_PWD, nothing else the operator's shell holds.
 */
export const CHILD_ENV_ALLOWED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'TERM',
  'TZ',
  'SSH_AUTH_SOCK',
  'SSH_AGENT_PID',
  'XDG_RUNTIME_DIR',
  'DBUS_SESSION_BUS_ADDRESS',
] as const

/** The environment of every program the runner starts: the allow-list, plus stable, parseable output whatever the operator's locale. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {}
  for (const name of CHILD_ENV_ALLOWED) if (env[name] !== undefined) out[name] = env[name]
  return {...out, LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', PAGER: 'cat'}
}

/** Kills a program that overruns: SIGTERM, then SIGKILL one second later. */
const KILL_GRACE_MS = 1000

function execute(
  command: string,
  args: string[],
  shownArgv: string[],
  options: {timeoutMs?: number; cwd?: string; stream?: StreamOptions; signal?: AbortSignal},
): Promise<RunResult> {
  const started = Date.now()
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let settled = false
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(),
    })
    const finish = (code: number | null, signal: NodeJS.Signals | null, extraErr = '') => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(hardTimer)
      abortSignal?.removeEventListener('abort', onAbort)
      flush()
      // A grandchild may still hold the pipes open: let go of them, or this process could not exit.
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve({
        argv: shownArgv,
        code,
        signal,
        stdout,
        stderr: stderr + extraErr,
        timedOut,
        durationMs: Date.now() - started,
      })
    }

    let hardTimer: NodeJS.Timeout | undefined
    let killed = false
    const kill = () => {
      killed = true
      child.kill('SIGTERM')
      hardTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
      hardTimer.unref()
    }

    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true
          kill()
        }, options.timeoutMs)
      : undefined
    track(child)
    const onAbort = () => kill()
    const abortSignal = options.stream?.signal ?? options.signal
    abortSignal?.addEventListener('abort', onAbort, {once: true})

    // Line splitting for streams; plain accumulation otherwise (bounded to keep memory in check).
    const pending = {stdout: '', stderr: ''}
    const flush = () => {
      if (!options.stream) return
      for (const name of ['stdout', 'stderr'] as const) {
        if (pending[name] !== '') options.stream.onLine(pending[name], name)
        pending[name] = ''
      }
    }

    const onData = (name: 'stdout' | 'stderr') => (chunk: string) => {
      if (options.stream) {
        const text = pending[name] + chunk
        const lines = text.split('\n')
        pending[name] = lines.pop() ?? ''
        for (const line of lines) options.stream.onLine(line, name)
        if (name === 'stderr' && stderr.length < 64 * 1024) stderr += chunk
        return
      }

      if (name === 'stdout') stdout = (stdout + chunk).slice(-8 * 1024 * 1024)
      else stderr = (stderr + chunk).slice(-1024 * 1024)
    }

    child.stdout.setEncoding('utf8').on('data', onData('stdout'))
    child.stderr.setEncoding('utf8').on('data', onData('stderr'))
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(
        error.code === 'ENOENT' ? 127 : null,
        null,
        `${command}: ${error.code === 'ENOENT' ? 'command not found' : error.message}\n`,
      )
    })
    child.on('close', (code, signal) => finish(code, signal))
    // Once we killed it, do not wait for grandchildren that may still hold its pipes open.
    child.on('exit', (code, signal) => {
      if (killed) finish(code, signal)
    })
    if (abortSignal?.aborted) kill()
  })
}

/** The local machine: spawn with an argument array, never a shell. */
export class LocalRunner implements CommandRunner {
  readonly host = 'local'
  readonly remote = false

  run(argv: string[], options: RunOptions): Promise<RunResult> {
    return execute(argv[0], argv.slice(1), argv, {
      timeoutMs: options.timeoutMs,
      cwd: options.cwd,
      signal: options.signal,
    })
  }

  stream(argv: string[], options: StreamOptions): Promise<RunResult> {
    return execute(argv[0], argv.slice(1), argv, {stream: options})
  }
}

/** POSIX-shell single quoting: the remote shell sees exactly this one argument. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

/**
 * Splits ATOM_OPS_SSH_OPTIONS (or another command line from the environment, such as $PAGER) into words
 * as a shell would, without expanding anything (quotes group, a backslash keeps the next character).
 */
const SSH_OPTIONS_SOURCE = {what: 'ssh options', example: 'ATOM_OPS_SSH_OPTIONS="-p 2222 -i ~/.ssh/atom"'}

export function splitWords(text: string, source: {what: string; example: string} = SSH_OPTIONS_SOURCE): string[] {
  const words = splitShellWords(text)
  if (!words)
    throw new UsageError(`${source.what}: unbalanced quote in ${JSON.stringify(text)}`, `Example: ${source.example}`)
  return words
}

/** `[user@]host`, an ssh_config alias, or `ssh://[user@]host[:port]`; nothing that ssh could read as an option. */
export function validateDestination(text: string): string {
  const ok = /^(ssh:\/\/)?([A-Za-z0-9._-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._:-]+)$/.test(text) && !text.startsWith('-')
  if (!ok)
    throw new UsageError(
      `--host "${text}" is not a valid ssh destination`,
      'Use user@host, a Host alias from ~/.ssh/config, or ssh://user@host:port',
    )
  return text
}

/** ssh's own failures (exit 255 with one of these) mean the host was not reached or refused us. */
const SSH_FAILURE =
  /^(ssh: |kex_exchange_identification|Connection (closed|reset|timed out)|Permission denied \(|Host key verification failed|no matching host key|Could not resolve|ssh_exchange_identification|Bad owner or permissions|Load key)/m

/**
 * A remote host through the system ssh client, so ~/.ssh/config, agents, ProxyJump and known_hosts
 * work as the operator set them up. BatchMode: never a password prompt; ConnectTimeout from --timeout.
 */
export class SshRunner implements CommandRunner {
  readonly remote = true

  constructor(
    readonly host: string,
    private readonly sshOptions: string[],
    private readonly connectTimeoutMs: number,
  ) {
    validateDestination(host)
  }

  /** The ssh argv for a remote command (exposed for tests and dry runs). */
  sshArgv(argv: string[], tty = false): string[] {
    const connect = Math.max(1, Math.ceil(this.connectTimeoutMs / 1000))
    return [
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      `ConnectTimeout=${connect}`,
      '-o',
      'ServerAliveInterval=15',
      ...(tty ? [] : ['-T']),
      ...this.sshOptions,
      '--',
      this.host,
      // The remote shell parses this: every argument is quoted on its own.
      ['env', 'LC_ALL=C', 'SYSTEMD_PAGER=', 'SYSTEMD_COLORS=0', ...argv].map(shellQuote).join(' '),
    ]
  }

  async run(argv: string[], options: RunOptions): Promise<RunResult> {
    const ssh = this.sshArgv(argv)
    // The whole call, connection included, is bounded: connect time plus the command's own budget.
    const result = await execute(ssh[0], ssh.slice(1), argv, {timeoutMs: options.timeoutMs + this.connectTimeoutMs})
    this.check(result)
    return result
  }

  async stream(argv: string[], options: StreamOptions): Promise<RunResult> {
    const ssh = this.sshArgv(argv)
    const result = await execute(ssh[0], ssh.slice(1), argv, {stream: options})
    if (!options.signal?.aborted) this.check(result)
    return result
  }

  private check(result: RunResult): void {
    if (result.code === 127 && /^ssh: command not found/m.test(result.stderr)) {
      throw new UnreachableError('ssh', `${this.host}: the ssh client is not installed here`, 'Install openssh-client.')
    }

    if (result.code === 255 && SSH_FAILURE.test(result.stderr)) {
      const line = result.stderr.split('\n').find((l) => SSH_FAILURE.test(l)) ?? result.stderr.trim()
      throw new UnreachableError(
        'ssh',
        `${this.host}: ssh failed: ${line.trim()}`,
        'Check that `ssh ' +
          this.host +
          ' true` works without a password (BatchMode), or pass options with ATOM_OPS_SSH_OPTIONS / --ssh-option.',
      )
    }

    if (result.timedOut) {
      throw new UnreachableError(
        'ssh',
        `${this.host}: no answer within ${Math.round(result.durationMs / 100) / 10}s over ssh`,
        'Raise --timeout, or check the host and its network.',
      )
    }
  }
}
