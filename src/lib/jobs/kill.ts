import type {AtomClock} from '../atom/clock.js'
import type {ResolvedConfig} from '../config/resolve.js'
import type {Database} from '../db/database.js'
import type {ServiceFlags} from '../service/targets.js'

import {describeError, OperationError, UsageError} from '../errors.js'
import {workerControl, type WorkerControlReport} from '../service/worker.js'
import {problemsOf} from '../util/answered.js'
import {operatorAtHost} from '../util/operator.js'
import {BackupWriter, databaseIdentity, defaultBackupPath, readJobRows} from './backup.js'
import {type FileResult, removeDownload} from './files.js'
import {
  cancelQueued,
  gearmanPicture,
  type GearmanPicture,
  type GearmanScope,
  type QueuedCancelReport,
} from './gearman.js'
import {type JobSummary, loadJob} from './query.js'
import {classify, type InProgressJob, inProgressRows} from './stalled.js'
import {TERM_IDS} from './terms.js'

export const WORKER_NOT_STOPPED =
  'The worker process hanging on this job (if any) is not stopped: Gearman cannot stop a running job. Add --restart-worker, or restart it with `atom-ops worker restart`.'

export interface KillPlan {
  job: JobSummary
  inProgress: boolean
  gearman?: InProgressJob
  picture?: GearmanPicture
  action: 'mark-failed' | 'delete'
}

/** What became of the row's queued Gearman job: cancelled, none to cancel, or left queued (and then how to cancel it by hand). */
export interface QueuedJobOutcome {
  state: 'none' | 'cancelled' | 'not-cancelled' | 'not-asked'
  message: string
  /** When not cancelled: the command that cancels it, once its handle is known (one of `candidates`). */
  command?: string
  candidates?: string[]
}

export interface KillResult {
  plan: KillPlan
  dryRun: boolean
  action: 'mark-failed' | 'delete'
  note?: string
  backup?: string | null
  file?: FileResult
  queue?: QueuedCancelReport
  queued: QueuedJobOutcome
  worker: string
}

/** Loads the job and what Gearman says about it; a job that is not in progress is refused unless `anyStatus`. */
export async function planKill(
  db: Database,
  clock: AtomClock,
  id: number,
  options: {scope?: GearmanScope; anyStatus?: boolean; delete?: boolean},
): Promise<KillPlan> {
  const job = await loadJob(db, clock, id)
  if (!job) throw new UsageError(`there is no job with id ${id}`, 'See the ids with `atom-ops jobs list`.')
  const inProgress = job.statusId === TERM_IDS.inProgress
  if (!inProgress && !options.anyStatus) {
    throw new UsageError(
      `job ${id} is not in progress (${job.status}): refusing to kill it`,
      'Add --any-status to mark it failed (or with --delete, to delete it) anyway.',
    )
  }

  let picture: GearmanPicture | undefined
  let gearman: InProgressJob | undefined
  if (options.scope && inProgress) {
    picture = await gearmanPicture(options.scope, {jobs: true})
    gearman = classify(await inProgressRows(db, clock, {name: job.name}), picture, options.scope.prefix).find(
      (j) => j.id === id,
    )
  }

  return {job, inProgress, gearman, picture, action: options.delete ? 'delete' : 'mark-failed'}
}

/** The error note of a killed job; the time is AtoM's, in its zone, as its own notes and dates are. */
export function killNote(reason: string | undefined, clock: AtomClock): string {
  return `Killed by atom-ops (${operatorAtHost()}) at ${clock.displayNow()}: ${reason?.trim() || 'marked failed by an operator; it was no longer running'}`
}

/**
 * Marks the job failed (status 185, completed_at now, an error note saying who and why), keeping its
 * history; or, with delete, backs it up and deletes it through `object`. Then deals with its queued
 * Gearman job, if it has one (see cancelRowJob).
 */
export async function runKill(
  db: Database,
  clock: AtomClock,
  plan: KillPlan,
  options: {scope?: GearmanScope; reason?: string; realRoot: string; backupPath?: string | null; queue?: boolean},
): Promise<KillResult> {
  const {id} = plan.job
  const result: KillResult = {
    plan,
    dryRun: false,
    action: plan.action,
    worker: WORKER_NOT_STOPPED,
    queued: {state: 'none', message: 'no queued Gearman job'},
  }
  if (plan.action === 'mark-failed') {
    const note = killNote(options.reason, clock)
    // AtoM's clock, as the worker would have written it: the database's NOW() may be another zone.
    const now = clock.now()
    await db.transaction(
      async (tx) => {
        const changed = await tx.execute(
          'UPDATE job SET status_id = ?, completed_at = ? WHERE id = ? AND status_id <=> ?',
          [TERM_IDS.error, now, id, plan.job.statusId],
        )
        if (changed.affectedRows !== 1)
          throw new OperationError(
            `job ${id} changed while atom-ops looked at it; nothing was done`,
            'Look at it again with `atom-ops jobs show`.',
          )
        await tx.execute('UPDATE object SET updated_at = ? WHERE id = ?', [now, id])
        const n = await tx.execute(
          "INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) VALUES (?, ?, NULL, 'en', 0)",
          [id, TERM_IDS.errorNote],
        )
        await tx.execute("INSERT INTO note_i18n (id, culture, content) VALUES (?, 'en', ?)", [n.insertId, note])
        // A kill racing a clear on the same row may be the deadlock victim: the transaction is safe to run again.
      },
      {retryDeadlocks: 3},
    )
    result.note = note
  } else {
    const backupPath = options.backupPath === null ? null : (options.backupPath ?? defaultBackupPath())
    if (backupPath) await BackupWriter.checkPath(backupPath)
    const writer = backupPath
      ? await BackupWriter.create(backupPath, {...(await databaseIdentity(db)), selection: `job ${id}`})
      : undefined
    result.backup = backupPath
    // As jobs clear does: locked, backed up (fsynced) and deleted in one transaction, so the backup holds
    // the job exactly as it was deleted.
    let deleted = 0
    try {
      deleted = await db.transaction(async (tx) => {
        const rows = await readJobRows(tx, [id], {lock: true})
        if (rows.object.length === 0) return 0
        await writer?.writeBatch(rows)
        return (await tx.execute("DELETE FROM object WHERE id = ? AND class_name = 'QubitJob'", [id])).affectedRows
      })
    } catch (error) {
      if (writer && writer.batches > 0) await writer.rolledBack().catch(() => undefined)
      await writer?.stop('failed')
      throw new OperationError(
        `nothing was deleted: ${describeError(error)}`,
        'Fix the cause and run the command again.',
        {cause: error},
      )
    }

    if (deleted !== 1) {
      await writer?.stop('failed')
      throw new OperationError(
        `job ${id} was already gone when atom-ops deleted it`,
        'Look for it with `atom-ops jobs list`.',
      )
    }

    await writer?.finish()
    if (plan.job.downloadPath) result.file = await removeDownload(options.realRoot, plan.job.downloadPath)
  }

  // Only a row Gearman counts as waiting has a queued job (a running one cannot be cancelled; a zombie has none).
  if (plan.gearman?.gearman === 'waiting' && plan.job.name && options.scope && plan.picture) {
    if (options.queue === false)
      result.queued = {
        state: 'not-asked',
        message: 'its queued Gearman job was left alone (--no-queue): a worker will still run it',
      }
    else {
      const {report, outcome} = await cancelRowJob(options.scope, plan.picture, plan.job.name)
      result.queue = report
      result.queued = outcome
    }
  }

  return result
}

/**
 * Cancels the queued Gearman job of one row of a class. It can be told apart only when it is the only
 * queued job of its function; then it is cancelled where the server's queued jobs are all of that
 * function. Otherwise it stays queued and will still run: the outcome says so, with the handles it is
 * among and the command that cancels one.
 */
async function cancelRowJob(
  scope: GearmanScope,
  picture: GearmanPicture,
  jobClass: string,
): Promise<{report: QueuedCancelReport; outcome: QueuedJobOutcome}> {
  const fn = scope.prefix + jobClass
  const waiting = picture.functions.get(fn)?.waiting ?? 0
  const report = await cancelQueued(scope, picture, [jobClass], waiting > 1 ? [jobClass] : [])
  if (report.outcomes.some((o) => o.cancelled > 0))
    return {
      report,
      outcome: {
        state: 'cancelled',
        message: `its queued Gearman job (${fn}) was cancelled: a worker that pulls it discards it`,
      },
    }
  const where = report.outcomes.filter((o) => o.candidates?.length)
  const candidates = where.flatMap((o) => o.candidates!)
  const why =
    waiting > 1
      ? `${waiting} jobs of ${jobClass} are queued and gearmand does not say which is this row's`
      : (report.outcomes.find((o) => o.skipped)?.skipped ?? 'it could not be told apart')
  const server = where.length === 1 ? where[0].server : '<server>'
  return {
    report,
    outcome: {
      state: 'not-cancelled',
      message: `1 queued job of ${jobClass} was NOT cancelled (${why}): it will still run, and its worker will record a result for the killed row`,
      command:
        candidates.length > 0
          ? `atom-ops queue cancel <handle> --server ${server}   # its handle is one of: ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', ...' : ''}`
          : undefined,
      candidates,
    },
  }
}

/** Waits (bounded) until Gearman counts fewer running jobs of the function than before the stop. */
async function letGo(scope: GearmanScope, fn: string, before: number, waitMs = 60_000): Promise<void> {
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline) {
    try {
      if (((await gearmanPicture(scope)).functions.get(fn)?.running ?? 0) < before) return
    } catch {
      // no answer this time: look again
    }

    await new Promise((r) => setTimeout(r, 250))
  }
}

/** `jobs kill --restart-worker`: what the worker service went through for the killed job. */
export interface KillRestartReport {
  stop: WorkerControlReport
  /** The killed job, put back in the queue by gearmand when its worker died, cancelled before the start. */
  requeued?: {report: QueuedCancelReport; outcome: QueuedJobOutcome}
  start?: WorkerControlReport
  /** Jobs of the killed job's function being run, before the stop and after the start (Gearman's counts). */
  running: {function: string; before: number; after: number | null}
  /** The sentence that replaces WORKER_NOT_STOPPED: what happened to the worker process, as Gearman showed it. */
  worker: string
}

/**
 * `jobs kill --restart-worker`: the worker hanging on a killed job only lets go when its process goes.
 * Stops the service (verified through Gearman), cancels the killed job that gearmand re-queues when
 * its worker dies (it would otherwise run again on the next start), starts the service (resetting the
 * start limit if hit, verified), then checks Gearman's running count for the job's function.
 */
export async function restartAfterKill(
  cfg: ResolvedConfig,
  service: ServiceFlags,
  plan: KillPlan,
  scope: GearmanScope | undefined,
  clock: AtomClock,
  db: Database,
): Promise<KillRestartReport> {
  const fn = scope && plan.job.name ? scope.prefix + plan.job.name : ''
  const runningBefore = fn ? (plan.picture?.functions.get(fn)?.running ?? 0) : 0
  const control = (action: 'stop' | 'start', waitSeconds: number) => workerControl(cfg, service, action, {waitSeconds})
  // What matters after the stop is that the job's worker let go (gearmand then re-queues the job), not
  // that every worker of the install is gone: a stray one elsewhere must not hold the restart up.
  const stop = await control('stop', 0)
  let requeued: KillRestartReport['requeued']
  if (scope && plan.job.name && plan.gearman?.gearman === 'running') {
    await letGo(scope, fn, runningBefore)
    const picture = await gearmanPicture(scope, {jobs: true})
    // Other rows of the class still waiting keep their queued jobs: only the killed row's may go.
    const others = classify(await inProgressRows(db, clock, {name: plan.job.name}), picture, scope.prefix).filter(
      (j) => j.id !== plan.job.id && j.gearman === 'waiting',
    ).length
    if ((picture.functions.get(fn)?.waiting ?? 0) > others) requeued = await cancelRowJob(scope, picture, plan.job.name)
  }

  const start = problemsOf(stop.hosts).some((p) => p.kind === 'unreachable') ? undefined : await control('start', 60)
  let runningAfter: number | null = null
  if (scope && fn) {
    try {
      runningAfter = (await gearmanPicture(scope)).functions.get(fn)?.running ?? 0
    } catch {
      runningAfter = null
    }
  }

  const worker =
    runningBefore === 0
      ? 'The worker service was restarted; no worker was running a job of this class.'
      : runningAfter === null
        ? 'The worker service was restarted, but Gearman did not answer afterwards: whether the worker let go of the job is not known (check with atom-ops queue status).'
        : runningAfter < runningBefore
          ? `The worker process hanging on the job went with the restart: Gearman shows ${runningBefore} → ${runningAfter} running job(s) of ${fn}.`
          : `A worker is still running ${runningAfter} job(s) of ${fn} after the restart (${runningBefore} before): the killed job may be running again, or another host's worker holds it. Check with: atom-ops queue workers`
  return {stop, requeued, start, running: {function: fn, before: runningBefore, after: runningAfter}, worker}
}
