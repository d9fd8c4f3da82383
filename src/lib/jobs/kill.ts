import {hostname, userInfo} from 'node:os'

import type {AtomClock} from '../atom/clock.js'
import type {ResolvedConfig} from '../context/resolve.js'
import type {Database} from '../db/database.js'
import type {ServiceFlags} from '../service/targets.js'
import {type WorkerControlReport, workerControl} from '../service/worker.js'
import {AbortedError, describeError, OperationError, UsageError} from '../errors.js'
import {BackupWriter, defaultBackupPath, readJobsForBackup} from './backup.js'
import {type FileResult, removeDownload} from './files.js'
import {cancelQueued, type CancelReport, gearmanPicture, type GearmanPicture, type GearmanScope} from './gearman.js'
import {loadJob, type JobSummary} from './query.js'
import {classify, type InProgressJob, inProgressRows} from './stalled.js'
import {TERM_IDS} from './terms.js'

export const WORKER_NOT_STOPPED =
  'The worker process hanging on this job (if any) is not stopped: Gearman cannot stop a running job. Restart it with `atom-ops worker restart` (or `systemctl restart atom-worker`).'

export interface KillPlan {
  job: JobSummary
  inProgress: boolean
  gearman?: InProgressJob
  picture?: GearmanPicture
  action: 'mark-failed' | 'delete'
}

export interface KillResult {
  plan: KillPlan
  dryRun: boolean
  action: 'mark-failed' | 'delete'
  note?: string
  backup?: string | null
  file?: FileResult
  queue?: CancelReport
  worker: string
}

/** Loads the job and what Gearman says about it; refuses a job that is not in progress unless forced. */
export async function planKill(db: Database, clock: AtomClock, id: number, options: {scope?: GearmanScope; force?: boolean; delete?: boolean}): Promise<KillPlan> {
  const job = await loadJob(db, clock, id)
  if (!job) throw new UsageError(`there is no job with id ${id}`, 'See the ids with `atom-ops jobs list`.')
  const inProgress = job.statusId === TERM_IDS.inProgress
  if (!inProgress && !options.force) {
    throw new AbortedError(`job ${id} is not in progress (${job.status}): refusing to kill it`, 'Add --force to mark it failed (or with --delete, to delete it) anyway.')
  }
  let picture: GearmanPicture | undefined
  let gearman: InProgressJob | undefined
  if (options.scope && inProgress) {
    picture = await gearmanPicture(options.scope, {jobs: true})
    gearman = classify(await inProgressRows(db, clock, {name: job.name}), picture, options.scope.prefix).find((j) => j.id === id)
  }
  return {job, inProgress, gearman, picture, action: options.delete ? 'delete' : 'mark-failed'}
}

function operator(): string {
  try {
    return `${process.env.SUDO_USER ?? userInfo().username}@${hostname()}`
  } catch {
    return `unknown@${hostname()}`
  }
}

/** The error note of a killed job; the time is AtoM's, in its zone, as its own notes and dates are. */
export function killNote(reason: string | undefined, clock: AtomClock): string {
  return `Killed by atom-ops (${operator()}) at ${clock.displayNow()}: ${reason?.trim() || 'marked failed by an operator; it was no longer running'}`
}

/**
 * Marks the job failed (status 185, completed_at now, an error note saying who and why), keeping its
 * history; or, with delete, backs it up and deletes it through `object`. Then cancels its queued
 * Gearman job when it can be identified: the row is its class's only in-progress row and the server
 * holds nothing else.
 */
export async function runKill(db: Database, clock: AtomClock, plan: KillPlan, options: {scope?: GearmanScope; reason?: string; realRoot: string; backupPath?: string | null; queue?: boolean}): Promise<KillResult> {
  const id = plan.job.id
  const result: KillResult = {plan, dryRun: false, action: plan.action, worker: WORKER_NOT_STOPPED}
  if (plan.action === 'mark-failed') {
    const note = killNote(options.reason, clock)
    // AtoM's clock, as the worker would have written it: the database's NOW() may be another zone.
    const now = clock.now()
    await db.transaction(async (tx) => {
      const changed = await tx.execute('UPDATE job SET status_id = ?, completed_at = ? WHERE id = ? AND status_id <=> ?', [TERM_IDS.error, now, id, plan.job.statusId])
      if (changed.affectedRows !== 1) throw new OperationError(`job ${id} changed while atom-ops looked at it; nothing was done`, 'Look at it again with `atom-ops jobs show`.')
      await tx.execute('UPDATE object SET updated_at = ? WHERE id = ?', [now, id])
      const n = await tx.execute("INSERT INTO note (object_id, type_id, user_id, source_culture, serial_number) VALUES (?, ?, NULL, 'en', 0)", [id, TERM_IDS.errorNote])
      await tx.execute("INSERT INTO note_i18n (id, culture, content) VALUES (?, 'en', ?)", [n.insertId, note])
      // A kill racing a clear on the same row may be the deadlock victim: the transaction is safe to run again.
    }, {retryDeadlocks: 3})
    result.note = note
  } else {
    const backupPath = options.backupPath === null ? null : options.backupPath ?? defaultBackupPath()
    if (backupPath) {
      const writer = await BackupWriter.create(backupPath, {database: db.target.database ?? '', selection: `job ${id}`})
      try {
        await writer.add(await readJobsForBackup(db, [id]))
        await writer.finish()
      } catch (error) {
        await writer.abandon()
        throw new OperationError(`nothing was deleted: the backup could not be written: ${describeError(error)}`, 'Fix the cause, or give another --backup FILE.')
      }
    }
    result.backup = backupPath
    const r = await db.transaction((tx) => tx.execute("DELETE FROM object WHERE id = ? AND class_name = 'QubitJob'", [id]), {retryDeadlocks: 3})
    if (r.affectedRows !== 1) throw new OperationError(`job ${id} was already gone when atom-ops deleted it`, backupPath ? `The backup ${backupPath} holds it as it was.` : undefined)
    if (plan.job.downloadPath) result.file = await removeDownload(options.realRoot, plan.job.downloadPath)
  }
  // Only a row Gearman counts as waiting can have a queued job to cancel (a running one cannot be stopped; a zombie has none).
  if (options.queue !== false && options.scope && plan.picture && plan.inProgress && plan.job.name && plan.gearman?.gearman === 'waiting') {
    const others = await db.rows<{n: number}>('SELECT COUNT(*) AS n FROM job WHERE status_id = ? AND name = ? AND id <> ?', [TERM_IDS.inProgress, plan.job.name, id])
    const kept = Number(others[0].n) > 0 ? [plan.job.name] : []
    result.queue = await cancelQueued(options.scope, plan.picture, [plan.job.name], kept)
  }
  return result
}

/**
 * `jobs kill --restart-worker`: the worker hanging on a killed job only lets go when its process is
 * restarted; the restart resets systemd's start limit first and is verified through Gearman.
 */
export async function restartAfterKill(cfg: ResolvedConfig, service: ServiceFlags): Promise<WorkerControlReport> {
  return workerControl(cfg, service, {action: 'restart', dryRun: false, waitSeconds: 60, confirm: async () => undefined})
}
