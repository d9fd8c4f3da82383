import {OperationError, UnreachableError} from '../errors.js'
import {type CommandRunner, firstLine, type RunResult} from '../remote/runner.js'
import {
  COMMAND_TIMEOUT_FACTOR,
  exitNote,
  isPattern,
  type LogOptions,
  type ServiceManager,
  type StepResult,
  type UnitCondition,
  type UnitStatus,
} from './types.js'

/** The properties `worker status` reads, in this order on the command line. */
export const SHOW_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'Result',
  'MainPID',
  'NRestarts',
  'MemoryCurrent',
  'ExecMainStatus',
  'ExecMainExitTimestamp',
  'ActiveEnterTimestamp',
  'StateChangeTimestamp',
] as const

/** `atom-worker` → `atom-worker.service`; names with a type suffix are kept. */
export function unitName(name: string): string {
  return /\.(service|socket|target|timer|path|mount|scope|slice)$/.test(name) ? name : `${name}.service`
}

/** `systemctl show` prints blocks of Key=Value, one block per unit, separated by blank lines. */
export function parseShow(text: string): Array<Record<string, string>> {
  const blocks: Array<Record<string, string>> = []
  let current: Record<string, string> | undefined
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      current = undefined
      continue
    }

    const eq = line.indexOf('=')
    if (eq === -1) continue
    if (!current) {
      current = {}
      blocks.push(current)
    }

    current[line.slice(0, eq)] = line.slice(eq + 1)
  }

  return blocks
}

/** systemd's `Sun 2026-11-29 02:00:00 UTC` to ISO when the zone is UTC or numeric; undefined otherwise. */
export function systemdTimeToIso(text: string | undefined): string | undefined {
  if (!text) return undefined
  const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.\d+)? ?(UTC|GMT|[+-]\d\d:?\d\d)?$/.exec(text.trim())
  if (!m) return undefined
  const zone = !m[3] || m[3] === 'UTC' || m[3] === 'GMT' ? 'Z' : m[3].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')
  const d = new Date(`${m[1]}T${m[2]}${zone}`)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

function num(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined
  const n = Number(text)
  // systemd prints UINT64_MAX ("[not set]" in newer versions) for "unknown".
  return Number.isSafeInteger(n) ? n : undefined
}

export function unitStatusFromShow(block: Record<string, string>, unit: string): UnitStatus {
  const active = block.ActiveState ?? 'unknown'
  const sub = block.SubState ?? ''
  const result = block.Result ?? ''
  const startLimitHit = result === 'start-limit-hit'
  const condition: UnitCondition =
    block.LoadState === 'not-found'
      ? 'unknown'
      : active === 'active'
        ? sub === 'exited'
          ? 'exited'
          : 'running'
        : active === 'activating'
          ? sub === 'auto-restart'
            ? 'backoff'
            : 'starting'
          : active === 'deactivating'
            ? 'stopping'
            : active === 'failed'
              ? 'failed'
              : active === 'inactive'
                ? 'stopped'
                : 'unknown'
  const mainPid = num(block.MainPID)
  const lastExitAt = block.ExecMainExitTimestamp || undefined
  const lastExitStatus = lastExitAt ? num(block.ExecMainStatus) : undefined
  const since =
    (condition === 'running' ? block.ActiveEnterTimestamp : block.StateChangeTimestamp) ||
    block.StateChangeTimestamp ||
    undefined
  const notes: string[] = []
  if (block.LoadState === 'not-found') notes.push('unit not found')
  if (startLimitHit) notes.push('at its start limit: systemd refuses to start it until `reset-failed`')
  const exit = exitNote(lastExitStatus)
  if (exit) notes.push(exit)
  return {
    unit: block.Id || unit,
    condition,
    rawState: sub ? `${active}/${sub}` : active,
    since,
    sinceIso: systemdTimeToIso(since),
    mainPid: mainPid && mainPid > 0 ? mainPid : undefined,
    restarts: num(block.NRestarts),
    memoryBytes: num(block.MemoryCurrent),
    lastExitStatus,
    lastExitAt,
    startLimitHit,
    detail: result || undefined,
    note: notes.length > 0 ? notes.join('; ') : undefined,
  }
}

/** systemd through `systemctl` and `journalctl` (on this host or over ssh). */
export class SystemdManager implements ServiceManager {
  readonly kind = 'systemd' as const

  constructor(
    readonly runner: CommandRunner,
    private readonly timeoutMs: number,
  ) {}

  private async systemctl(args: string[]): Promise<RunResult> {
    const r = await this.runner.run(['systemctl', ...args], {timeoutMs: this.timeoutMs})
    if (r.code === 127)
      throw new UnreachableError(
        'systemd',
        `${this.where()}systemctl not found`,
        'Is this host run by systemd? Use --manager supervisor for supervisord.',
      )
    if (r.timedOut)
      throw new UnreachableError(
        'systemd',
        `${this.where()}systemctl ${args[0]} did not finish within ${this.timeoutMs / 1000}s (commands get ${COMMAND_TIMEOUT_FACTOR}x --timeout)`,
        'On a loaded machine raise --timeout.',
      )
    if (/System has not been booted with systemd|Failed to connect to bus/.test(r.stderr)) {
      throw new UnreachableError(
        'systemd',
        `${this.where()}${firstLine(r.stderr)}`,
        'systemd is not running on this host: use --manager supervisor.',
      )
    }

    return r
  }

  private where(): string {
    return this.runner.remote ? `${this.runner.host}: ` : ''
  }

  async expand(pattern: string): Promise<string[]> {
    const glob = pattern.endsWith('@') ? `${pattern}*` : pattern
    if (!isPattern(glob)) return [unitName(glob)]
    const r = await this.systemctl([
      'list-units',
      '--all',
      '--plain',
      '--no-legend',
      '--no-pager',
      '--type=service',
      glob,
    ])
    if (r.code !== 0)
      throw new OperationError(
        `${this.where()}systemctl list-units ${glob}: ${firstLine(r.stderr) || `exit ${r.code}`}`,
      )
    return r.stdout
      .split('\n')
      .map((l) => l.replace(/^\s*[●*]?\s*/, '').split(/\s+/)[0])
      .filter((u) => u && u.includes('.'))
  }

  async status(units: string[]): Promise<UnitStatus[]> {
    if (units.length === 0) return []
    const r = await this.systemctl(['show', '--no-pager', '-p', SHOW_PROPERTIES.join(','), ...units])
    if (r.code !== 0)
      throw new OperationError(`${this.where()}systemctl show: ${firstLine(r.stderr) || `exit ${r.code}`}`)
    const blocks = parseShow(r.stdout)
    return units.map((unit, i) => {
      const block = blocks.find((b) => b.Id === unit) ?? blocks[i] ?? {}
      return unitStatusFromShow(block, unit)
    })
  }

  describe(action: 'start' | 'stop' | 'restart' | 'reset-failed', units: string[]): string[] {
    return ['systemctl', action, '--no-ask-password', ...units]
  }

  private async each(action: 'start' | 'stop' | 'restart' | 'reset-failed', units: string[]): Promise<StepResult[]> {
    const out: StepResult[] = []
    // One unit at a time: a per-unit answer, and a fleet is not restarted all at once.
    for (const unit of units) {
      const r = await this.systemctl(this.describe(action, [unit]).slice(1))
      out.push({
        unit,
        action,
        ok: r.code === 0,
        message: r.code === 0 ? `${action}: ok` : firstLine(r.stderr) || `exit ${r.code}`,
      })
    }

    return out
  }

  start(units: string[]): Promise<StepResult[]> {
    return this.each('start', units)
  }

  stop(units: string[]): Promise<StepResult[]> {
    return this.each('stop', units)
  }

  restart(units: string[]): Promise<StepResult[]> {
    return this.each('restart', units)
  }

  resetFailed(units: string[]): Promise<StepResult[]> {
    return this.each('reset-failed', units)
  }

  private journalArgs(units: string[], options: LogOptions): string[] {
    const args = ['journalctl', '--no-pager', '-o', 'short-iso', '-n', String(options.lines)]
    if (options.since) args.push('--since', options.since)
    if (options.follow) args.push('-f')
    for (const u of units) args.push('-u', u)
    return args
  }

  async logs(units: string[], options: LogOptions): Promise<string[]> {
    const r = await this.runner.run(this.journalArgs(units, {...options, follow: false}), {timeoutMs: this.timeoutMs})
    if (r.code === 127)
      throw new UnreachableError(
        'systemd',
        `${this.where()}journalctl not found`,
        'Is this host run by systemd? Use --manager supervisor for supervisord.',
      )
    if (r.timedOut)
      throw new UnreachableError(
        'systemd',
        `${this.where()}journalctl did not finish within ${this.timeoutMs / 1000}s (commands get ${COMMAND_TIMEOUT_FACTOR}x --timeout)`,
        'Raise --timeout or ask for fewer lines.',
      )
    if (r.code !== 0)
      throw new OperationError(
        `${this.where()}journalctl: ${firstLine(r.stderr) || `exit ${r.code}`}`,
        'Reading the journal needs root or the systemd-journal group.',
      )
    return r.stdout.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1))
  }

  followLogs(
    units: string[],
    options: LogOptions,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<RunResult> {
    return this.runner.stream(this.journalArgs(units, {...options, follow: true}), {
      onLine: (line) => onLine(line),
      signal,
    })
  }
}
