import {OperationError, UnreachableError, UsageError} from '../errors.js'
import {type CommandRunner, firstLine, type RunResult} from '../remote/runner.js'
import {
  COMMAND_TIMEOUT_FACTOR,
  exitNote,
  globToRegExp,
  isPattern,
  type LogOptions,
  type ServiceManager,
  type StepResult,
  type UnitCondition,
  type UnitStatus,
} from './types.js'

export interface SupervisorLine {
  name: string
  state: string
  description: string
}

const STATES = new Set(['BACKOFF', 'EXITED', 'FATAL', 'RUNNING', 'STARTING', 'STOPPED', 'STOPPING', 'UNKNOWN'])

/** `supervisorctl status`: `name   STATE   description` per process (group members as `group:name`). */
export function parseSupervisorStatus(text: string): SupervisorLine[] {
  const out: SupervisorLine[] = []
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+([A-Z]+)\s*(.*)$/.exec(line.trimEnd())
    if (m && STATES.has(m[2])) out.push({name: m[1], state: m[2], description: m[3]})
  }

  return out
}

/** `pid 123, uptime 1 day, 2:03:04` → pid and uptime in seconds. */
export function parseRunningDescription(description: string): {pid?: number; uptimeSeconds?: number} {
  const pid = /pid (\d+)/.exec(description)
  const up = /uptime (?:(\d+) days?, )?(\d+):(\d\d):(\d\d)/.exec(description)
  return {
    pid: pid ? Number(pid[1]) : undefined,
    uptimeSeconds: up
      ? Number(up[1] ?? 0) * 86_400 + Number(up[2]) * 3600 + Number(up[3]) * 60 + Number(up[4])
      : undefined,
  }
}

/**
 * supervisord's own log (`maintail`) is where exit statuses are: `exited: NAME (exit status 111; not expected)`.
 * Group members are logged by their program name without the group. Returns the last status per name.
 */
export function parseExits(mainLog: string): Map<string, {status: number; at?: string}> {
  const out = new Map<string, {status: number; at?: string}>()
  for (const line of mainLog.split('\n')) {
    const m = /^(\S+ \S+?)(?:,\d+)? \w+ exited: (\S+) \(exit status (\d+);/.exec(line)
    if (m) out.set(m[2], {status: Number(m[3]), at: m[1]})
  }

  return out
}

const CONDITION: Record<string, UnitCondition> = {
  RUNNING: 'running',
  STARTING: 'starting',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  EXITED: 'exited',
  FATAL: 'failed',
  BACKOFF: 'backoff',
}

/** supervisord through `supervisorctl` (`-c FILE` when given), on this host or over ssh. */
export class SupervisorManager implements ServiceManager {
  readonly kind = 'supervisor' as const

  constructor(
    readonly runner: CommandRunner,
    private readonly timeoutMs: number,
    private readonly configFile?: string,
    private readonly now: () => number = Date.now,
  ) {}

  private base(): string[] {
    return ['supervisorctl', ...(this.configFile ? ['-c', this.configFile] : [])]
  }

  private where(): string {
    return this.runner.remote ? `${this.runner.host}: ` : ''
  }

  private async ctl(args: string[], timeoutMs = this.timeoutMs): Promise<RunResult> {
    const r = await this.runner.run([...this.base(), ...args], {timeoutMs})
    if (r.code === 127)
      throw new UnreachableError(
        'supervisord',
        `${this.where()}supervisorctl not found`,
        'Install supervisor, or use --manager systemd.',
      )
    if (r.timedOut)
      throw new UnreachableError(
        'supervisord',
        `${this.where()}supervisorctl ${args[0]} did not finish within ${timeoutMs / 1000}s (commands get ${COMMAND_TIMEOUT_FACTOR}x --timeout)`,
        'Is supervisord running and answering? On a loaded machine raise --timeout.',
      )
    const out = r.stdout + r.stderr
    if (/could not find config file|Error: .*config/i.test(out)) {
      throw new UnreachableError(
        'supervisord',
        `${this.where()}${firstLine(out)}`,
        'Point --supervisor-config at the supervisord.conf that defines the worker programs.',
      )
    }

    if (/^(unix|http):\/\/\S+ (no such file|refused connection)|SHUTDOWN_STATE|Connection refused/m.test(out)) {
      throw new UnreachableError(
        'supervisord',
        `${this.where()}supervisord is not answering: ${firstLine(out)}`,
        'Is supervisord running (and is this its config, --supervisor-config)?',
      )
    }

    return r
  }

  /** One `status` answer, reused until this manager changes something (saves a round trip over ssh). */
  private cached?: Promise<SupervisorLine[]>

  private all(): Promise<SupervisorLine[]> {
    this.cached ??= this.fetchAll()
    this.cached.catch(() => (this.cached = undefined))
    return this.cached
  }

  private async fetchAll(): Promise<SupervisorLine[]> {
    const r = await this.ctl(['status'])
    // Exit 3 means "some process is not running": still a full answer.
    if (r.code !== 0 && r.code !== 3) {
      const lines = parseSupervisorStatus(r.stdout)
      if (lines.length === 0)
        throw new OperationError(
          `${this.where()}supervisorctl status: ${firstLine(r.stdout + r.stderr) || `exit ${r.code}`}`,
        )
      return lines
    }

    return parseSupervisorStatus(r.stdout)
  }

  async expand(pattern: string): Promise<string[]> {
    const names = (await this.all()).map((l) => l.name)
    let matches: string[]
    if (isPattern(pattern)) {
      const re = globToRegExp(pattern)
      matches = names.filter((n) => re.test(n))
    } else {
      // A program name, or a group: every `group:member`.
      matches = names.filter((n) => n === pattern || n.startsWith(`${pattern}:`))
    }

    if (matches.length === 0) {
      throw new UsageError(
        `${this.where()}no supervisord program matches "${pattern}"`,
        names.length > 0
          ? `Programs: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''} (--unit NAME, or --unit 'group:*')`
          : 'supervisord runs no programs: check --supervisor-config.',
      )
    }

    return matches
  }

  async status(units: string[]): Promise<UnitStatus[]> {
    const [lines, mainLog] = await Promise.all([this.all(), this.ctl(['maintail', '-262144'])])
    const exits = parseExits(mainLog.stdout)
    const found = units.map((unit) => ({unit, line: lines.find((l) => l.name === unit)}))
    const pids = found
      .map((f) => (f.line?.state === 'RUNNING' ? parseRunningDescription(f.line.description).pid : undefined))
      .filter((p): p is number => p !== undefined)
    const rss = await this.memory(pids)
    return found.map(({unit, line}) => {
      if (!line)
        return {unit, condition: 'unknown', rawState: 'not found', startLimitHit: false, note: 'no such program'}
      const {pid, uptimeSeconds} = parseRunningDescription(line.description)
      const exit = exits.get(unit) ?? exits.get(unit.split(':').pop()!)
      const notes: string[] = []
      if (line.state === 'FATAL')
        notes.push(
          'FATAL: supervisord gave up after startretries; `worker start` (or `worker restart`) starts it again',
        )
      if (line.state === 'BACKOFF') notes.push('BACKOFF: exits too quickly, supervisord is retrying')
      const exitText = exitNote(exit?.status)
      if (exitText) notes.push(exitText)
      const sinceMs =
        line.state === 'RUNNING' && uptimeSeconds !== undefined ? this.now() - uptimeSeconds * 1000 : undefined
      return {
        unit,
        condition: CONDITION[line.state] ?? 'unknown',
        rawState: line.state,
        since:
          sinceMs === undefined
            ? line.state === 'STOPPED' || line.state === 'EXITED'
              ? line.description
              : undefined
            : new Date(sinceMs).toISOString(),
        sinceIso: sinceMs === undefined ? undefined : new Date(sinceMs).toISOString(),
        mainPid: line.state === 'RUNNING' ? pid : undefined,
        memoryBytes: pid === undefined ? undefined : rss.get(pid),
        lastExitStatus: exit?.status,
        lastExitAt: exit?.at,
        startLimitHit: false,
        detail: line.description || undefined,
        note: notes.length > 0 ? notes.join('; ') : undefined,
      }
    })
  }

  /** Resident memory of the programs' main processes (ps, on the same host), best effort. */
  private async memory(pids: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>()
    if (pids.length === 0) return out
    try {
      const r = await this.runner.run(['ps', '-o', 'pid=,rss=', '-p', pids.join(',')], {timeoutMs: this.timeoutMs})
      for (const line of r.stdout.split('\n')) {
        const m = /^\s*(\d+)\s+(\d+)/.exec(line)
        if (m) out.set(Number(m[1]), Number(m[2]) * 1024)
      }
    } catch {
      // memory is a nicety; the status stands without it
    }

    return out
  }

  describe(action: 'start' | 'stop' | 'restart' | 'reset-failed', units: string[]): string[] {
    if (action === 'reset-failed') return []
    return [...this.base(), action, ...units]
  }

  private async act(action: 'start' | 'stop' | 'restart', units: string[]): Promise<StepResult[]> {
    this.cached = undefined
    // supervisorctl waits for each program's startsecs/stopwaitsecs: allow for them.
    const r = await this.ctl(this.describe(action, units).slice(this.base().length), Math.max(this.timeoutMs, 60_000))
    this.cached = undefined
    const lines = (r.stdout + r.stderr)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    return units.map((unit) => {
      const mine = lines.filter((l) => l.startsWith(`${unit}: `)).map((l) => l.slice(unit.length + 2))
      const last =
        mine[mine.length - 1] ?? (r.code === 0 ? `${action}ed` : firstLine(r.stdout + r.stderr) || `exit ${r.code}`)
      const ok =
        action === 'stop'
          ? mine.some((m) => m === 'stopped' || m === 'ERROR (not running)')
          : action === 'start'
            ? mine.some((m) => m === 'started' || m === 'ERROR (already started)')
            : mine[mine.length - 1] === 'started'
      return {unit, action, ok, message: mine.length > 0 ? mine.join(', ') : last}
    })
  }

  start(units: string[]): Promise<StepResult[]> {
    return this.act('start', units)
  }

  stop(units: string[]): Promise<StepResult[]> {
    return this.act('stop', units)
  }

  restart(units: string[]): Promise<StepResult[]> {
    return this.act('restart', units)
  }

  async resetFailed(units: string[]): Promise<StepResult[]> {
    return units.map((unit) => ({
      unit,
      action: 'reset-failed',
      ok: true,
      message:
        'supervisord keeps no start-limit counter: a FATAL program is started again with `atom-ops worker start`',
    }))
  }

  async logs(units: string[], options: LogOptions): Promise<string[]> {
    if (options.since)
      throw new UsageError(
        '--since needs the systemd journal; supervisord keeps plain log files',
        'Use -n to choose how many lines.',
      )
    // `tail -N` counts bytes, not lines: ask for enough bytes, then keep the last N lines.
    const bytes = Math.min(options.lines * 512 + 1024, 4 * 1024 * 1024)
    const out: string[] = []
    for (const unit of units) {
      const r = await this.ctl(['tail', `-${bytes}`, unit])
      if (/ERROR \(no such process\)|ERROR \(no log file\)/.test(r.stdout))
        throw new OperationError(`${this.where()}supervisorctl tail ${unit}: ${firstLine(r.stdout)}`)
      if (/^error: .*ExpatError/m.test(r.stdout + r.stderr)) {
        // Measured with supervisor 4.2.5: a log holding control characters (colour codes, ESC, BEL) breaks
        // supervisord's XML-RPC answer, so supervisorctl cannot show it at all.
        throw new OperationError(
          `${this.where()}supervisorctl cannot show the log of ${unit}: it contains control characters that supervisord's XML-RPC cannot carry`,
          `Read the program's stdout_logfile directly (see its [program:] section), e.g. tail -n ${options.lines} /var/log/supervisor/${unit.split(':').pop()}*.log`,
        )
      }

      // supervisorctl adds a newline of its own after the log's bytes.
      let lines = r.stdout.replace(/\n+$/, '').split('\n')
      if (lines.length === 1 && lines[0] === '') lines = []
      // The first line is usually cut in the middle by the byte offset.
      if (r.stdout.length >= bytes && lines.length > 1) lines = lines.slice(1)
      lines = lines.slice(-options.lines)
      out.push(...(units.length > 1 ? lines.map((l) => `[${unit}] ${l}`) : lines))
    }

    return out
  }

  async followLogs(
    units: string[],
    options: LogOptions,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<RunResult> {
    if (options.since)
      throw new UsageError('--since needs the systemd journal; supervisord keeps plain log files', 'Drop --since.')
    const results = await Promise.all(
      units.map((unit) =>
        this.runner.stream([...this.base(), 'tail', '-f', unit], {
          signal,
          onLine(line) {
            if (/^==> Press Ctrl-C to exit <==$/.test(line)) return
            onLine(units.length > 1 ? `[${unit}] ${line}` : line)
          },
        }),
      ),
    )
    return results[0]
  }
}
