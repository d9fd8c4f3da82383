import type {ResolvedConfig} from '../config/resolve.js'

import {ConfigError, UsageError} from '../errors.js'
import {type CommandRunner, LocalRunner, splitWords, SshRunner, validateDestination} from '../remote/runner.js'
import {type Problem, problemOf} from '../util/answered.js'
import {SupervisorManager} from './supervisor.js'
import {SystemdManager} from './systemd.js'
import {COMMAND_TIMEOUT_FACTOR, type ManagerKind, managerName, type ServiceManager} from './types.js'

export const DEFAULT_UNIT = 'atom-worker'
export const SSH_OPTIONS_ENV = 'ATOM_OPS_SSH_OPTIONS'

/** The service flags as typed (every command that touches a service manager takes them). */
export interface ServiceFlags {
  host?: string[]
  unit?: string
  manager?: string
  supervisorConfig?: string
  sshOption?: string[]
}

export interface ServiceOptions {
  /** Empty: this machine. */
  hosts: string[]
  unit: string
  manager: ManagerKind | 'auto'
  supervisorConfig?: string
  sshOptions: string[]
  /** For network waits and ssh's ConnectTimeout. */
  timeoutMs: number
  /** For each program run on a service manager: COMMAND_TIMEOUT_FACTOR x timeoutMs. */
  commandTimeoutMs: number
}

/** Flag, then the profile's hosts/unit/manager/supervisor_config, then the defaults (this machine, atom-worker, auto-detect). */
export function resolveServiceOptions(
  cfg: ResolvedConfig,
  flags: ServiceFlags,
  env: NodeJS.ProcessEnv = process.env,
): ServiceOptions {
  const profile = cfg.profileSettings
  const hosts = (flags.host && flags.host.length > 0 ? flags.host : (profile?.hosts ?? [])).filter(
    (h) => h !== 'local' && h !== 'localhost-local',
  )
  for (const h of hosts) validateDestination(h)
  const unit = flags.unit ?? profile?.unit ?? DEFAULT_UNIT
  if (unit === '' || unit.startsWith('-') || /[\s\u0000-\u001F]/.test(unit))
    throw new UsageError(
      `--unit "${unit}" is not a unit or program name`,
      "Example: --unit atom-worker, --unit 'atom-worker@*', --unit 'atom-workers:*'",
    )
  const managerText = flags.manager ?? profile?.manager ?? 'auto'
  const manager = managerName(managerText)
  if (manager === undefined) {
    const where = flags.manager === undefined ? `profile ${profile?.name} setting "manager"` : '--manager'
    const text = `${where} "${managerText}" is not systemd or supervisor`
    throw flags.manager === undefined
      ? new ConfigError(text, 'Use manager: systemd or manager: supervisor.')
      : new UsageError(text, 'Use --manager systemd or --manager supervisor (default: detected).')
  }

  const sshOptions = [...splitWords(env[SSH_OPTIONS_ENV] ?? ''), ...(flags.sshOption ?? []).flatMap((o) => ['-o', o])]
  return {
    hosts,
    unit,
    manager,
    supervisorConfig: flags.supervisorConfig ?? profile?.supervisorConfig,
    sshOptions,
    timeoutMs: cfg.timeoutMs.value,
    commandTimeoutMs: cfg.timeoutMs.value * COMMAND_TIMEOUT_FACTOR,
  }
}

export function runnerFor(host: string | undefined, options: ServiceOptions): CommandRunner {
  return host === undefined ? new LocalRunner() : new SshRunner(host, options.sshOptions, options.timeoutMs)
}

/**
 * The manager of one host: as asked, else supervisord when a supervisor config is given, else systemd
 * when it runs (/run/systemd/system exists), else supervisord when supervisorctl is installed.
 */
export async function detectManager(runner: CommandRunner, options: ServiceOptions): Promise<ServiceManager> {
  const make = (kind: ManagerKind): ServiceManager =>
    kind === 'systemd'
      ? new SystemdManager(runner, options.commandTimeoutMs)
      : new SupervisorManager(runner, options.commandTimeoutMs, options.supervisorConfig)
  if (options.manager !== 'auto') return make(options.manager)
  if (options.supervisorConfig) return make('supervisor')
  const systemd = await runner.run(['test', '-d', '/run/systemd/system'], {timeoutMs: options.commandTimeoutMs})
  if (systemd.code === 0) return make('systemd')
  const supervisor = await runner.run(['supervisorctl', 'help'], {timeoutMs: options.commandTimeoutMs})
  if (supervisor.code !== 127 && !supervisor.timedOut) return make('supervisor')
  throw new ConfigError(
    `${runner.remote ? `${runner.host}: ` : ''}no service manager found: systemd is not running and supervisorctl is not installed`,
    'Say which one runs the worker with --manager systemd|supervisor (and --supervisor-config FILE).',
  )
}

/** A host's outcome: its value, or the one-line error that stopped it (other hosts go on). */
export type HostOutcome<T> =
  | {host: string; ok: true; manager: ManagerKind; value: T}
  | {host: string; ok: false; manager?: ManagerKind; error: Problem}

/** A thrown error as a host's Problem (one line, its kind and hint). */
export const errorSummary = problemOf

/** Runs fn on every host in parallel (this machine when none); one host's failure never stops the others. */
export async function eachHost<T>(
  options: ServiceOptions,
  fn: (manager: ServiceManager, host: string) => Promise<T>,
): Promise<Array<HostOutcome<T>>> {
  const hosts: Array<string | undefined> = options.hosts.length > 0 ? options.hosts : [undefined]
  return Promise.all(
    hosts.map(async (host): Promise<HostOutcome<T>> => {
      const label = host ?? 'local'
      let manager: ServiceManager | undefined
      try {
        manager = await detectManager(runnerFor(host, options), options)
        return {host: label, ok: true, manager: manager.kind, value: await fn(manager, label)}
      } catch (error) {
        // One local host: its error is the command's error (one line, its own exit code).
        if (hosts.length === 1 && host === undefined) throw error
        return {host: label, ok: false, manager: manager?.kind, error: errorSummary(error)}
      }
    }),
  )
}
