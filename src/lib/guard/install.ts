import {access, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {GlobalOptions} from '../config/resolve.js'
import type {ServiceFlags} from '../service/targets.js'

import {urlCarriesPassword} from '../db/target.js'
import {ConfigError, UsageError} from '../errors.js'
import {firstLine, LocalRunner} from '../remote/runner.js'
import {systemdTimeToIso} from '../service/systemd.js'
import {formatDurationMs, parseDuration} from '../util/duration.js'
import {guardDirectory, lockHolder, readState, restartsInLastHour, type RunRecord} from './state.js'

export const DEFAULT_UNIT_DIR = '/etc/systemd/system'
export const DEFAULT_CRON_DIR = '/etc/cron.d'
const MIN_EVERY_MS = 60_000
const MAX_EVERY_MS = 86_400_000

export type Scheduler = 'systemd' | 'cron'

/** What `guard install` would write and run, shown before anything happens. */
export interface GuardInstallPlan {
  name: string
  scheduler: Scheduler
  /** Why this scheduler: what `systemctl is-system-running` said, or the flag. */
  schedulerWhy: string
  everyMs: number
  /** The command the timer or cron runs. */
  runCommand: string[]
  files: Array<{path: string; text: string}>
  commands: string[][]
  /** systemd: the timer unit; cron: the file. */
  unit: string
  /** Settings deliberately not carried into the unit (the database password). */
  notCarried: string[]
}

export interface InstallStep {
  what: string
  ok: boolean
  message?: string
}

export interface GuardInstallReport {
  dryRun: boolean
  plan: GuardInstallPlan
  steps: InstallStep[]
  ok: boolean
}

/** What install left in the state directory, for status and uninstall. */
interface InstallRecord {
  scheduler: Scheduler
  everyMs: number
  files: string[]
  unit: string
  installedAt: string
}

export interface GuardInstallOptions {
  name: string
  every: string
  scheduler: 'auto' | Scheduler
  unitDir: string
  cronDir: string
  /** Arguments after `guard run`: the profile and the global and service flags the install was given. */
  runArgs: string[]
  timeoutMs: number
  env?: NodeJS.ProcessEnv
}

/** The variables a scheduled run needs to find the same files as the install did (never the password). */
const CARRIED_ENV = [
  'PATH',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_STATE_HOME',
  'ATOM_OPS_CONFIG',
  'ATOM_OPS_STATE_DIR',
  'ATOM_OPS_AUDIT_LOG',
  'ATOM_OPS_ATOM_ROOT',
  'ATOM_OPS_GEARMAN',
  'ATOM_OPS_WORKERS_KEY',
  'ATOM_OPS_TIMEOUT',
  'ATOM_OPS_TIMEZONE',
  'ATOM_OPS_DB',
  'ATOM_OPS_DB_PASSWORD_FILE',
  'ATOM_OPS_SSH_OPTIONS',
] as const

/** The unit or file name of an install's guard: `atom-ops-guard`, `atom-ops-guard-PROFILE`. */
export function guardUnitBase(name: string): string {
  return name === 'default' ? 'atom-ops-guard' : `atom-ops-guard-${name}`
}

/** `guard run` with the flags the install was given, so the scheduled run sees the same install. */
export function guardRunArgs(globals: GlobalOptions, service: ServiceFlags, profile: string | undefined): string[] {
  const args: string[] = []
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value))
  }

  // The profile in use, named even when it was the file's default: the file may change its default later.
  add('--profile', profile ?? globals.profile)
  add('--atom-root', globals.atomRoot && resolve(globals.atomRoot))
  // A --db carrying a password is left out: it would be written into a world-readable unit.
  if (globals.db && !urlCarriesPassword(globals.db)) add('--db', globals.db)
  add('--db-password-file', globals.dbPasswordFile && resolve(globals.dbPasswordFile))
  for (const g of globals.gearman ?? []) add('--gearman', g)
  add('--workers-key', globals.workersKey)
  add('--timeout', globals.timeout)
  add('--timezone', globals.timezone)
  for (const h of service.host ?? []) add('--host', h)
  add('--unit', service.unit)
  add('--manager', service.manager)
  add('--supervisor-config', service.supervisorConfig && resolve(service.supervisorConfig))
  for (const o of service.sshOption ?? []) add('--ssh-option', o)
  return args
}

export function parseEvery(text: string): number {
  const ms = parseDuration(text, '--every')
  if (ms < MIN_EVERY_MS || ms > MAX_EVERY_MS)
    throw new UsageError(`--every "${text}" must be between 1m and 1d`, 'Example: --every 5m')
  return ms
}

/** Where systemd runs (is-system-running answers anything but offline), it schedules; elsewhere cron. */
async function detectScheduler(timeoutMs: number): Promise<{scheduler: Scheduler; why: string}> {
  const r = await new LocalRunner().run(['systemctl', 'is-system-running'], {timeoutMs})
  const state = firstLine(r.stdout)
  if (r.code === 127) return {scheduler: 'cron', why: 'systemctl is not installed'}
  if (/^(running|degraded|starting|initializing|maintenance|stopping)$/.test(state))
    return {scheduler: 'systemd', why: `systemctl is-system-running: ${state}`}
  return {
    scheduler: 'cron',
    why: `systemd does not run here (systemctl is-system-running: ${state || firstLine(r.stderr) || `exit ${r.code}`})`,
  }
}

/** A word in a unit file's Exec or Environment line: quoted when needed, % and $ kept literal. */
function unitWord(text: string): string {
  const escaped = text.replaceAll('%', '%%').replaceAll('$', '$$$$')
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replaceAll(/(["\\])/g, String.raw`\$1`)}"`
}

/** A word for the shell cron hands the line to. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

/** `*\/5 * * * *` for 5m: cron can only run at minutes dividing the hour, or hours dividing the day. */
export function cronSchedule(everyMs: number): string {
  const minutes = everyMs / 60_000
  if (Number.isInteger(minutes) && minutes < 60 && 60 % minutes === 0)
    return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`
  const hours = everyMs / 3_600_000
  if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0) return hours === 1 ? '0 * * * *' : `0 */${hours} * * *`
  if (everyMs === 86_400_000) return '0 0 * * *'
  throw new UsageError(
    `--every ${formatDurationMs(everyMs)} cannot be written as a cron schedule`,
    'With cron use minutes that divide an hour (1m, 5m, 10m, 15m, 30m) or hours that divide a day (1h, 2h, 6h, 1d).',
  )
}

/** Computes what install would write: nothing is written or run. */
export async function planInstall(options: GuardInstallOptions): Promise<GuardInstallPlan> {
  const env = options.env ?? process.env
  const everyMs = parseEvery(options.every)
  const {scheduler, why} =
    options.scheduler === 'auto'
      ? await detectScheduler(options.timeoutMs)
      : {scheduler: options.scheduler, why: `--scheduler ${options.scheduler}`}
  const cli = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))
  const runCommand = [process.execPath, cli, 'guard', 'run', ...options.runArgs]
  const carried = CARRIED_ENV.filter(
    (k) => env[k] !== undefined && env[k] !== '' && !(k === 'ATOM_OPS_DB' && urlCarriesPassword(env[k]!)),
  )
  const notCarried = [
    'ATOM_OPS_DB_PASSWORD',
    ...(env.ATOM_OPS_DB && urlCarriesPassword(env.ATOM_OPS_DB) ? ['ATOM_OPS_DB'] : []),
  ].filter((k) => env[k])
  const base = guardUnitBase(options.name)
  const stamp = `# Written by atom-ops guard install at ${new Date().toISOString()}; remove it with atom-ops guard uninstall${options.name === 'default' ? '' : ` --profile ${options.name}`}.`
  if (scheduler === 'systemd') {
    const service = `${base}.service`
    const timer = `${base}.timer`
    const seconds = `${everyMs / 1000}s`
    const serviceText = [
      stamp,
      '[Unit]',
      `Description=atom-ops guard: keep AtoM's jobs flowing (${options.name})`,
      'After=network-online.target mariadb.service mysql.service gearman-job-server.service',
      'Wants=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      ...carried.map((k) => `Environment=${unitWord(`${k}=${env[k]}`)}`),
      `ExecStart=${runCommand.map(unitWord).join(' ')}`,
      '# Exit 1 is "problems remain" (the guard said so and notified): an answer, not a failure of the unit.',
      'SuccessExitStatus=1',
      'TimeoutStartSec=15min',
      '',
    ].join('\n')
    const timerText = [
      stamp,
      '[Unit]',
      `Description=Run atom-ops guard (${options.name}) every ${formatDurationMs(everyMs)}`,
      '',
      '[Timer]',
      // OnActiveSec starts the cycle when the timer is enabled, OnBootSec after a reboot; OnUnitActiveSec repeats it.
      `OnActiveSec=${seconds}`,
      `OnBootSec=${seconds}`,
      `OnUnitActiveSec=${seconds}`,
      'AccuracySec=10s',
      `Unit=${service}`,
      '',
      '[Install]',
      'WantedBy=timers.target',
      '',
    ].join('\n')
    return {
      name: options.name,
      scheduler,
      schedulerWhy: why,
      everyMs,
      runCommand,
      files: [
        {path: join(options.unitDir, service), text: serviceText},
        {path: join(options.unitDir, timer), text: timerText},
      ],
      commands: [
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', '--now', timer],
      ],
      unit: timer,
      notCarried,
    }
  }

  const schedule = cronSchedule(everyMs)
  // run-parts skips files in /etc/cron.d whose names hold a dot.
  const file = join(options.cronDir, base.replaceAll('.', '_'))
  const user = userInfo().username
  const text = [
    stamp,
    'SHELL=/bin/sh',
    ...carried.map((k) => `${k}=${env[k]}`),
    '# stdout goes nowhere (guard status and the audit log keep every run); stderr, a one-line error, is mailed by cron.',
    `${schedule} ${user} ${runCommand.map(shellWord).join(' ')} >/dev/null`,
    '',
  ].join('\n')
  return {
    name: options.name,
    scheduler,
    schedulerWhy: why,
    everyMs,
    runCommand,
    files: [{path: file, text}],
    commands: [],
    unit: file,
    notCarried,
  }
}

function recordPath(name: string): string {
  return join(guardDirectory(), `${name}.install.json`)
}

async function readRecord(name: string): Promise<InstallRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(name), 'utf8')) as InstallRecord
  } catch {
    return undefined
  }
}

/** Writes the files, then enables the timer (systemd) and checks it is active; records the install. */
export async function applyInstall(plan: GuardInstallPlan, timeoutMs: number): Promise<GuardInstallReport> {
  const steps: InstallStep[] = []
  if (plan.scheduler === 'cron') {
    try {
      await access(plan.files[0].path.replace(/\/[^/]+$/, ''))
    } catch {
      throw new ConfigError(
        `no cron here: ${plan.files[0].path.replace(/\/[^/]+$/, '')} does not exist and systemd does not run`,
        'Install cron (apt-get install cron), or run `atom-ops guard run` from the scheduler you use.',
      )
    }
  }

  for (const f of plan.files) {
    try {
      await writeFile(f.path, f.text, {mode: 0o644})
      steps.push({what: `write ${f.path}`, ok: true})
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      steps.push({
        what: `write ${f.path}`,
        ok: false,
        message:
          code === 'EACCES' || code === 'EPERM'
            ? 'permission denied: run guard install as root'
            : (code ?? String(error)),
      })
      return {dryRun: false, plan, steps, ok: false}
    }
  }

  const runner = new LocalRunner()
  for (const argv of plan.commands) {
    const r = await runner.run(argv, {timeoutMs: timeoutMs * 3})
    const ok = r.code === 0
    steps.push({
      what: argv.join(' '),
      ok,
      message: ok ? undefined : firstLine(r.stderr + r.stdout) || (r.timedOut ? 'timed out' : `exit ${r.code}`),
    })
    if (!ok) return {dryRun: false, plan, steps, ok: false}
  }

  if (plan.scheduler === 'systemd') {
    const r = await runner.run(['systemctl', 'is-active', plan.unit], {timeoutMs: timeoutMs * 3})
    const state = firstLine(r.stdout)
    steps.push({what: `systemctl is-active ${plan.unit}`, ok: state === 'active', message: state})
    if (state !== 'active') return {dryRun: false, plan, steps, ok: false}
  }

  await mkdir(guardDirectory(), {recursive: true, mode: 0o700})
  const record: InstallRecord = {
    scheduler: plan.scheduler,
    everyMs: plan.everyMs,
    files: plan.files.map((f) => f.path),
    unit: plan.unit,
    installedAt: new Date().toISOString(),
  }
  await writeFile(recordPath(plan.name), JSON.stringify(record, null, 2) + '\n', {mode: 0o600})
  return {dryRun: false, plan, steps, ok: true}
}

export interface GuardUninstallReport {
  dryRun: boolean
  name: string
  found: boolean
  scheduler?: Scheduler
  files: string[]
  commands: string[][]
  steps: InstallStep[]
  ok: boolean
}

/** What uninstall would remove: from the install's record. */
export async function planUninstall(name: string): Promise<GuardUninstallReport> {
  const record = await readRecord(name)
  if (!record) return {dryRun: true, name, found: false, files: [], commands: [], steps: [], ok: true}
  const commands = record.scheduler === 'systemd' ? [['systemctl', 'disable', '--now', record.unit]] : []
  return {
    dryRun: true,
    name,
    found: true,
    scheduler: record.scheduler,
    files: record.files,
    commands: record.scheduler === 'systemd' ? [...commands, ['systemctl', 'daemon-reload']] : [],
    steps: [],
    ok: true,
  }
}

/** Stops and disables the timer, removes the files, reloads systemd; the state and history stay. */
export async function applyUninstall(plan: GuardUninstallReport, timeoutMs: number): Promise<GuardUninstallReport> {
  const steps: InstallStep[] = []
  const runner = new LocalRunner()
  const run = async (argv: string[]) => {
    const r = await runner.run(argv, {timeoutMs: timeoutMs * 3})
    // A timer already gone is what uninstall wants.
    const ok = r.code === 0 || /not loaded|does not exist|No such file/i.test(r.stderr)
    steps.push({what: argv.join(' '), ok, message: ok ? undefined : firstLine(r.stderr + r.stdout) || `exit ${r.code}`})
  }

  if (plan.commands.length > 0) await run(plan.commands[0])
  for (const f of plan.files) {
    try {
      await rm(f, {force: true})
      steps.push({what: `remove ${f}`, ok: true})
    } catch (error) {
      steps.push({what: `remove ${f}`, ok: false, message: (error as NodeJS.ErrnoException).code ?? String(error)})
    }
  }

  for (const argv of plan.commands.slice(1)) await run(argv)
  const ok = steps.every((s) => s.ok)
  if (ok) await rm(recordPath(plan.name), {force: true})
  return {...plan, dryRun: false, steps, ok}
}

export interface GuardStatusReport {
  name: string
  installed: {
    scheduler: Scheduler
    everyMs: number
    files: string[]
    unit: string
    installedAt: string
    active: boolean | null
    problem?: string
  } | null
  /** The next run as the scheduler says (systemd) or as the cron schedule gives it. */
  nextRun: string | null
  nextRunIso: string | null
  nextRunNote?: string
  running: {pid: number; since: string} | null
  restartsInLastHour: number
  rateLimited: boolean
  verdict: string | null
  /** Newest first. */
  runs: RunRecord[]
}

/** `guard status`: the install, the next run, who runs now, and the last runs with their outcomes. */
export async function guardStatus(
  name: string,
  options: {limit: number; timeoutMs: number},
): Promise<GuardStatusReport> {
  const [record, state, running] = await Promise.all([readRecord(name), readState(name), lockHolder(name)])
  let installed: GuardStatusReport['installed'] = null
  let nextRun: string | null = null
  let nextRunIso: string | null = null
  let nextRunNote: string | undefined
  if (record) {
    installed = {...record, active: null}
    const missing: string[] = []
    for (const f of record.files) {
      try {
        await access(f)
      } catch {
        missing.push(f)
      }
    }

    if (missing.length > 0)
      installed.problem = `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} gone: run guard install again`
    if (record.scheduler === 'systemd') {
      const r = await new LocalRunner().run(
        ['systemctl', 'list-timers', '--all', '--no-legend', '--no-pager', record.unit],
        {timeoutMs: options.timeoutMs * 3},
      )
      const line = r.stdout.split('\n').find((l) => l.includes(record.unit))
      const m = line && /^\w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+)/.exec(line.trim())
      installed.active = Boolean(line)
      if (m) {
        nextRun = m[1]
        nextRunIso = systemdTimeToIso(m[1]) ?? null
      } else {
        nextRunNote = line
          ? 'the timer has no next run'
          : `systemctl list-timers does not list ${record.unit}${r.code === 0 ? '' : `: ${firstLine(r.stderr) || `exit ${r.code}`}`}`
        if (!line && !installed.problem) installed.problem = `${record.unit} is not loaded: run guard install again`
      }
    } else {
      nextRunIso = nextCronRun(record.everyMs, Date.now())
      nextRun = nextRunIso
      nextRunNote = 'from the cron schedule'
    }
  }

  const runs = [...state.runs].reverse().slice(0, options.limit)
  return {
    name,
    installed,
    nextRun,
    nextRunIso,
    nextRunNote,
    running: running ?? null,
    restartsInLastHour: restartsInLastHour(state, Date.now()).length,
    rateLimited: state.rateLimited,
    verdict: state.verdict ?? null,
    runs,
  }
}

/** The next minute cron's schedule for this interval fires (cron runs on the local clock's boundaries). */
export function nextCronRun(everyMs: number, now: number): string {
  const step = Math.min(everyMs, 86_400_000)
  const d = new Date(now)
  d.setSeconds(0, 0)
  const local = d.getTime() - d.getTimezoneOffset() * 60_000
  const next = Math.floor(local / step) * step + step - d.getTimezoneOffset() * 60_000
  return new Date(next).toISOString()
}
