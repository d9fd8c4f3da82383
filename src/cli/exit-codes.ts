import type {CacheClearReport} from '../lib/cache/clear.js'
import type {DoctorFixReport} from '../lib/doctor/fixes.js'
import type {DoctorReport, MultiDoctorReport} from '../lib/doctor/run.js'
import type {GuardStatusReport} from '../lib/guard/install.js'
import type {GuardOutcome} from '../lib/guard/run.js'
import type {KillRestartReport} from '../lib/jobs/kill.js'
import type {
  WorkerControlReport,
  WorkerLogsReport,
  WorkerResetReport,
  WorkerStatusReport,
} from '../lib/service/worker.js'

import {ExitCode} from '../lib/errors.js'
import {type Problem, problemsOf} from '../lib/util/answered.js'

/**
 * Every command's exit codes, in one table: each command's help text and the README's table are
 * generated from it, and a test checks both against it. The meanings follow the global table
 * (README "Exit codes"): 0 success, 1 problems found, 2 usage, 3 configuration, 4 unreachable, 5 not
 * confirmed, 6 failed part way; doctor follows Nagios instead.
 */
export type ExitCodeTable = ReadonlyArray<readonly [code: number, meaning: string]>

/** What each code means across commands: README's "Exit codes" table and atom-ops(1) are generated from it. */
export const GLOBAL_EXIT_CODES: ExitCodeTable = [
  [0, 'success'],
  [1, 'the command ran and found problems that need attention (e.g. zombie jobs)'],
  [2, 'usage error: a bad flag, argument or value'],
  [
    3,
    "configuration error: AtoM's or atom-ops' files missing, unreadable or not parsable; unknown profile; database login refused",
  ],
  [4, 'a service (MySQL, gearmand, memcached, ssh, the service manager) could not be reached in time'],
  [5, 'a destructive command was not confirmed (declined, or no `--force` without a terminal)'],
  [6, 'an operation failed part way; the message says what was done'],
  [
    127,
    'unknown command (the hint names the nearest one: `Did you mean: atom-ops jobs list?`); a known command given words it does not take is 2',
  ],
]

const READ_QUEUE: ExitCodeTable = [
  [0, 'every server answered'],
  [2, 'bad input'],
  [3, 'configuration missing'],
  [4, 'at least one server did not answer (the others are still shown)'],
]

const WORKER_CONTROL: ExitCodeTable = [
  [0, 'done and verified through Gearman on the server the web app asks (or --wait 0)'],
  [1, 'done but not verified in --wait seconds (what is missing is listed)'],
  [2, 'bad input'],
  [3, 'configuration'],
  [4, 'a host or its service manager could not be reached (the other hosts are still handled)'],
  [5, 'not confirmed, or interrupted (SIGINT/SIGTERM) before anything was sent'],
  [6, 'the service manager refused a step, or interrupted after it was sent (audited; check with worker status)'],
]

export const EXIT_CODES: Record<string, ExitCodeTable> = {
  'config:show': [
    [0, 'everything resolved'],
    [2, 'bad flags'],
    [3, 'a part could not be resolved (marked NOT RESOLVED in the output)'],
  ],
  'config:init': [
    [0, 'the profile file written, already up to date, or --dry-run'],
    [
      2,
      'bad flags, --root not an AtoM install, --name naming none of several installs, or a profile of that name exists and differs (--force replaces it)',
    ],
    [3, "no AtoM install found, or atom-ops' config file does not parse"],
    [5, 'not confirmed (or no --force without a terminal)'],
    [6, 'the profile file could not be written (the old one is unchanged)'],
  ],
  'jobs:list': [
    [0, 'listed (also when nothing matches)'],
    [2, 'a bad flag value'],
    [3, 'configuration'],
    [4, 'MySQL unreachable'],
  ],
  'jobs:show': [
    [0, 'shown (a Gearman server that does not answer is shown as such)'],
    [2, 'a bad id, or no job with that id'],
    [3, 'configuration'],
    [4, 'MySQL unreachable'],
  ],
  'jobs:export': [
    [0, 'exported'],
    [
      2,
      'a bad flag value, or FILE.partial cannot be created (no such directory, not writable, or an old one is there: never overwritten)',
    ],
    [3, 'configuration'],
    [4, 'MySQL unreachable before anything was written'],
    [6, 'stopped part way (a failure or SIGINT/SIGTERM; the message says how many jobs were written)'],
  ],
  'jobs:stalled': [
    [0, 'no zombie or blocked job'],
    [1, 'zombie or blocked jobs found'],
    [2, 'a bad flag value'],
    [3, 'configuration'],
    [4, 'MySQL unreachable, or no Gearman server answered while jobs are stalled'],
  ],
  'jobs:kill': [
    [0, 'done'],
    [1, '--restart-worker could not verify the restart through Gearman'],
    [2, 'a bad id, no such job, or a job not in progress without --any-status'],
    [3, 'configuration'],
    [4, 'MySQL (or the service manager) unreachable'],
    [5, 'not confirmed, or interrupted (SIGINT/SIGTERM) before anything changed'],
    [
      6,
      'the job changed or vanished meanwhile, the backup could not be written, the service manager refused, or interrupted after the change began (audited; check with jobs show)',
    ],
  ],
  'jobs:clear': [
    [0, 'done (or nothing to delete)'],
    [2, 'bad flags, or the backup file exists'],
    [3, 'configuration'],
    [4, 'MySQL or gearmand unreachable (or the connection lost) before anything was deleted'],
    [5, 'not confirmed, or interrupted (SIGINT/SIGTERM) before anything was deleted'],
    [6, 'stopped part way (a failure or an interrupt; the message says what was deleted, all of it in the backup)'],
  ],
  'jobs:restore': [
    [0, 'restored (skipped ids are listed)'],
    [2, 'not a backup file, or a damaged or cut-short one (nothing restored)'],
    [3, 'configuration'],
    [4, 'MySQL unreachable before anything was restored'],
    [6, 'stopped part way (the message says how many; run it again to finish)'],
  ],
  'jobs:backups': [
    [0, 'listed, or pruned'],
    [2, 'bad flags'],
    [3, 'configuration'],
    [5, '--prune not confirmed'],
    [6, 'a backup could not be removed (the others were)'],
  ],
  'jobs:stats': [
    [0, 'shown (also when the window holds no job)'],
    [2, 'a bad flag value'],
    [3, 'configuration'],
    [4, 'MySQL unreachable'],
  ],
  'queue:status': READ_QUEUE,
  'queue:workers': READ_QUEUE,
  'queue:jobs': READ_QUEUE,
  'queue:ping': READ_QUEUE,
  'queue:watch': [
    [0, 'every server answered in the last snapshot'],
    [2, 'bad input'],
    [3, 'configuration missing'],
    [4, 'a server did not answer in the last snapshot'],
  ],
  'queue:cancel': [
    [0, 'cancelled (or already cancelled, or gone)'],
    [1, 'the job is running and was not stopped'],
    [
      2,
      'a bad handle or --server, a handle no server knows, or one several servers hold (they are named: choose with --server)',
    ],
    [3, 'configuration'],
    [4, 'a server unreachable, and the handle not found on those that answered'],
    [5, 'not confirmed (or no --force without a terminal), or interrupted (SIGINT/SIGTERM) before anything was sent'],
    [6, 'gearmand did not mark it, or interrupted after the cancel was sent (audited; check with queue jobs)'],
  ],
  'queue:drop': [
    [0, 'dropped wherever it was registered'],
    [2, 'a bad name or --server, a job class this install does not have, or a function no server has registered'],
    [3, "configuration (also a job class given when the install's prefix cannot be known)"],
    [4, 'a server did not answer'],
    [5, 'refused because jobs are queued (no --force), or not confirmed, or interrupted before the drop was sent'],
    [
      6,
      'not dropped somewhere (workers connected, gearmand refused, still listed), or interrupted after the drop was sent (audited)',
    ],
  ],
  'worker:status': [
    [0, 'every unit runs and the install has workers'],
    [1, 'a unit is not running, at its start limit, or no worker serves the install on the server the web app asks'],
    [2, 'bad input'],
    [3, 'configuration missing'],
    [4, 'a host, its service manager or a job server could not be reached'],
  ],
  'worker:start': WORKER_CONTROL,
  'worker:stop': WORKER_CONTROL,
  'worker:restart': WORKER_CONTROL,
  'worker:reset': [
    [0, 'done (or nothing to reset)'],
    [2, 'bad input'],
    [3, 'configuration'],
    [4, 'a host or its service manager could not be reached'],
    [6, 'systemctl refused'],
  ],
  'worker:logs': [
    [0, 'shown'],
    [2, 'bad input'],
    [3, 'configuration'],
    [4, 'a host or its service manager could not be reached'],
    [6, 'the log could not be read'],
  ],
  'cache:clear': [
    [0, 'cleared'],
    [2, 'bad input'],
    [3, 'configuration'],
    [4, 'memcached or the service manager unreachable'],
    [5, 'not confirmed, or interrupted (SIGINT/SIGTERM) before anything was cleared'],
    [6, 'a part failed (the others are still done and reported), or interrupted part way (audited; run it again)'],
  ],
  'guard:run': [
    [0, 'everything OK after the run'],
    [
      1,
      'problems remain (the checks are not OK, a fix failed or the rate limit refused a restart), or another guard run holds the lock (this one did nothing)',
    ],
    [2, 'bad flags'],
    [3, "configuration: the guard policy or atom-ops' config file is invalid (nothing was done)"],
    [6, 'a notification could not be delivered (the run itself is done and audited)'],
  ],
  'guard:install': [
    [0, 'installed and the timer active (or --dry-run)'],
    [2, 'bad flags (--every out of range or not a cron schedule)'],
    [3, 'configuration: an invalid guard policy, or neither systemd nor cron here (nothing written)'],
    [5, 'not confirmed'],
    [6, 'a file could not be written or systemctl refused a step (what was done is listed)'],
  ],
  'guard:uninstall': [
    [0, 'removed (or nothing was installed, or --dry-run)'],
    [2, 'bad flags'],
    [3, 'configuration'],
    [5, 'not confirmed'],
    [6, 'a step failed (what was done is listed)'],
  ],
  'guard:status': [
    [0, 'installed, scheduled, and the last run found everything OK'],
    [1, 'not installed, its files or timer are gone, no run yet, or the last run found problems'],
    [2, 'bad flags'],
    [3, 'configuration'],
  ],
  doctor: [
    [0, 'OK'],
    [1, 'WARNING'],
    [2, 'CRITICAL'],
    [3, 'UNKNOWN, also for a usage or configuration error (Nagios/Icinga codes)'],
    [5, '--fix declined (nothing was changed)'],
  ],
  metrics: [
    [0, 'written or served (a service that does not answer is reported as up 0, not as an error)'],
    [2, 'bad input, or --listen cannot bind'],
    [3, 'configuration missing'],
  ],
}

/** The "Exit codes: ..." paragraph of a command's help. */
export function exitCodesHelp(id: string): string {
  const table = EXIT_CODES[id]
  if (!table) throw new Error(`no exit code table for ${id}`)
  return `Exit codes: ${table.map(([code, meaning]) => `${code} ${meaning}`).join('; ')}.`
}

/** The README's global table (markdown). */
export function globalExitCodesMarkdown(): string {
  return [
    '| code | meaning |',
    '|---|---|',
    ...GLOBAL_EXIT_CODES.map(([code, meaning]) => `| ${code} | ${meaning} |`),
  ].join('\n')
}

/** The README's per-command table (markdown), generated from the same source. */
export function exitCodesMarkdown(): string {
  const rows = Object.entries(EXIT_CODES).map(
    ([id, table]) =>
      `| \`${id.replaceAll(':', ' ')}\` | ${table.map(([code, meaning]) => `${code} ${meaning}`).join('; ')} |`,
  )
  return ['| command | exit codes |', '|---|---|', ...rows].join('\n')
}

/*
 * Outcomes to exit codes: lib says what happened (an outcome, a verdict, the Problems met); the command
 * turns that into the process's exit code here, following the tables above.
 */

/** Exit 4 when any place was unreachable, else the worst other Problem's code; undefined without Problems. */
export function problemsExitCode(problems: Array<Pick<Problem, 'kind'>>): number | undefined {
  if (problems.length === 0) return undefined
  if (problems.some((p) => p.kind === 'unreachable')) return ExitCode.unreachable
  return Math.max(...problems.map((p) => ExitCode[p.kind]))
}

/** cache clear: 0 done (or a dry run); 4 a part unreachable; 6 a part failed. */
export function cacheClearExitCode(report: CacheClearReport): number {
  if (report.outcome === 'done' || report.outcome === 'dry-run') return ExitCode.ok
  const memcached = Array.isArray(report.memcached) ? report.memcached : []
  const problems = [report.symfony?.error, report.phpFpm?.error, ...memcached.map((m) => m.error)].filter(
    (p): p is Problem => p !== undefined,
  )
  return problems.some((p) => p.kind === 'unreachable') ? ExitCode.unreachable : ExitCode.failed
}

/** worker status: 4 a host or job server did not answer; else a host's own error; 1 something needs attention; else 0. */
export function workerStatusExitCode(report: WorkerStatusReport): number {
  const hosts = problemsExitCode(problemsOf(report.hosts))
  if (hosts === ExitCode.unreachable || report.gearman.servers.some((s) => !s.ok)) return ExitCode.unreachable
  return hosts ?? (report.problems.length > 0 ? ExitCode.problems : ExitCode.ok)
}

/** worker start|stop|restart: a host's error first; then 6 a step refused, 1 not verified in time, else 0. */
export function workerControlExitCode(report: WorkerControlReport): number {
  const hosts = problemsExitCode(problemsOf(report.hosts))
  if (hosts !== undefined) return hosts
  const v = report.verification
  if (report.dryRun || !v) return ExitCode.ok
  if (report.hosts.some((h) => h.ok && h.value.steps.some((s) => !s.ok))) return ExitCode.failed
  return v.verified || v.skipped ? ExitCode.ok : ExitCode.problems
}

/** worker reset: a host's error first; 6 systemctl refused; else 0. */
export function workerResetExitCode(report: WorkerResetReport): number {
  return (
    problemsExitCode(problemsOf(report.hosts)) ??
    (report.hosts.some((h) => h.ok && h.value.steps.some((s) => !s.ok)) ? ExitCode.failed : ExitCode.ok)
  )
}

/** worker logs: a host's error, else 0. */
export function workerLogsExitCode(report: WorkerLogsReport): number {
  return problemsExitCode(problemsOf(report.hosts)) ?? ExitCode.ok
}

/** A worker start|stop|restart report as --json shows it: with the exit code it stands for. */
export function workerControlJson(report: WorkerControlReport): WorkerControlReport & {exitCode: number} {
  return {...report, exitCode: workerControlExitCode(report)}
}

/** jobs kill --restart-worker as --json shows it: the stop's and start's exit codes, and the one the kill ends with (the start's, else the stop's). */
export function killRestartJson(report: KillRestartReport) {
  const stop = workerControlJson(report.stop)
  const start = report.start && workerControlJson(report.start)
  return {...report, stop, start, exitCode: (start ?? stop).exitCode}
}

/** doctor's verdict as Nagios/Icinga codes. */
export const DOCTOR_EXIT_CODES: Readonly<Record<DoctorReport['status'], number>> = {
  ok: 0,
  warning: 1,
  critical: 2,
  unknown: 3,
}

/** A doctor report as --json shows it: its Nagios/Icinga code after its status. */
export function doctorJson(report: DoctorReport): DoctorReport & {exitCode: number} {
  const {install, status, ...rest} = report
  return {install, status, exitCode: DOCTOR_EXIT_CODES[status], ...rest}
}

/** doctor --all-profiles as --json shows it: the worst code, and each install's. */
export function multiDoctorJson(report: MultiDoctorReport) {
  return {
    status: report.status,
    exitCode: DOCTOR_EXIT_CODES[report.status],
    profiles: report.profiles.map((p) => ({profile: p.profile, report: doctorJson(p.report)})),
  }
}

/** doctor --fix as --json shows it: before and after with their codes, and the code the command ends with. */
export function doctorFixJson(report: DoctorFixReport) {
  return {
    dryRun: report.dryRun,
    before: doctorJson(report.before),
    fixes: report.fixes,
    after: report.after && doctorJson(report.after),
    status: report.status,
    exitCode: DOCTOR_EXIT_CODES[report.status],
  }
}

/** guard run: 0 OK after the run; 1 problems remain (or a fix failed or was refused); 6 a notification not delivered. */
export const GUARD_RUN_EXIT_CODES: Readonly<Record<GuardOutcome, number>> = {
  ok: ExitCode.ok,
  problems: ExitCode.problems,
  undelivered: ExitCode.failed,
}

/** guard status: 0 installed, scheduled, and the last run found everything OK; else 1. */
export function guardStatusExitCode(report: GuardStatusReport): number {
  return report.installed && !report.installed.problem && report.verdict === 'ok' ? ExitCode.ok : ExitCode.problems
}
