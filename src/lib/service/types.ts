import type {CommandRunner, RunResult} from '../remote/runner.js'

export type ManagerKind = 'systemd' | 'supervisor'

/**
 * Programs run on a service manager (systemctl, supervisorctl, journalctl, ssh) get this many times
 * --timeout each: a Python supervisorctl on a loaded two-core machine takes seconds just to start,
 * where a network answer takes milliseconds.
 */
export const COMMAND_TIMEOUT_FACTOR = 3

/** A manager as written in a flag or a profile (`supervisord` is an alias); undefined when it names none. */
export function managerName(text: string): ManagerKind | 'auto' | undefined {
  const name = text === 'supervisord' ? 'supervisor' : text
  return name === 'auto' || name === 'systemd' || name === 'supervisor' ? name : undefined
}

/** The normalised state of one unit (systemd) or program (supervisord). */
export type UnitCondition =
  'running' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'backoff' | 'exited' | 'unknown'

export interface UnitStatus {
  unit: string
  condition: UnitCondition
  /** The manager's own words: `active/running`, `failed/failed`, `FATAL`, ... */
  rawState: string
  /** When it entered that state, as the manager prints it, and as ISO when it could be parsed. */
  since?: string
  sinceIso?: string
  mainPid?: number
  /** systemd's NRestarts (automatic restarts since the last manual start); supervisord has no counter. */
  restarts?: number
  memoryBytes?: number
  lastExitStatus?: number
  lastExitAt?: string
  /** systemd Result=start-limit-hit: `systemctl start` is refused until `reset-failed`. */
  startLimitHit: boolean
  /** systemd's Result, or supervisord's description column. */
  detail?: string
  /** A one-line explanation worth showing (exit 111, FATAL, start limit). */
  note?: string
}

export interface StepResult {
  unit: string
  action: string
  ok: boolean
  /** The manager's answer, one line. */
  message: string
}

export interface LogOptions {
  lines: number
  since?: string
  follow?: boolean
}

/**
 * One service manager on one host. Every method runs the manager's own client through the host's
 * CommandRunner (argument arrays, a timeout each).
 */
export interface ServiceManager {
  readonly kind: ManagerKind
  readonly runner: CommandRunner
  /** Units matching a name, a glob (`atom-worker@*`), a template (`atom-worker@`) or a group (`group:*`). */
  expand(pattern: string): Promise<string[]>
  status(units: string[]): Promise<UnitStatus[]>
  start(units: string[]): Promise<StepResult[]>
  stop(units: string[]): Promise<StepResult[]>
  restart(units: string[]): Promise<StepResult[]>
  /** systemd `reset-failed`; supervisord has nothing to reset (the caller explains). */
  resetFailed(units: string[]): Promise<StepResult[]>
  /** The argv a step would run, for dry runs. */
  describe(action: 'start' | 'stop' | 'restart' | 'reset-failed', units: string[]): string[]
  logs(units: string[], options: LogOptions): Promise<string[]>
  followLogs(
    units: string[],
    options: LogOptions,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<RunResult>
}

/** AtoM's jobs:worker exits 111 when --max-job-count or --max-mem-usage is reached. */
export const ATOM_LIMIT_EXIT = 111

export function exitNote(status: number | undefined): string | undefined {
  if (status === ATOM_LIMIT_EXIT)
    return "last exit 111: AtoM's worker reached --max-job-count/--max-mem-usage (a planned exit)"
  return undefined
}

/** Glob (`*`, `?`, `[...]`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    switch (c) {
      case '*': {
        re += '.*'
        break
      }

      case '?': {
        re += '.'
        break
      }

      case '[': {
        const end = glob.indexOf(']', i + 1)
        if (end === -1) re += String.raw`\[`
        else {
          re +=
            '[' +
            glob
              .slice(i + 1, end)
              .replace(/^!/, '^')
              .replaceAll('\\', '\\\\') +
            ']'
          i = end
        }

        break
      }

      default: {
        re += c.replaceAll(/[.+^${}()|\\/]/g, String.raw`\$&`)
      }
    }
  }

  return new RegExp(`^${re}$`)
}

export function isPattern(text: string): boolean {
  return /[*?[]/.test(text)
}
