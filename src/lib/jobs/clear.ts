import type {AtomClock} from '../atom/clock.js'

import {type Database, isLockConflict, type SqlValue} from '../db/database.js'
import {AtomOpsError, describeError} from '../errors.js'
import {
  BackupWriter,
  databaseIdentity,
  defaultBackupPath,
  jobOfRow,
  OBJECT_JOB_COLUMNS,
  readChildRows,
} from './backup.js'
import {type FileResult, removeDownloads} from './files.js'
import {describeFilter, fixTimes, type JobFilter, statusName, whereSql} from './filter.js'
import {
  cancelQueued,
  gearmanPicture,
  type GearmanPicture,
  type GearmanScope,
  type QueuedCancelReport,
} from './gearman.js'
import {exactIdCondition} from './ids.js'
import {classify, type InProgressJob, inProgressRows} from './stalled.js'
import {TERM_IDS} from './terms.js'

export interface ClearPlanGroup {
  name: string | null
  status: string
  count: number
}

/** What a clear will delete, computed from one snapshot (the highest object id when it started). */
export interface ClearPlan {
  selection: string
  filter: JobFilter
  /** Rows with an id above this were created after the snapshot and are never touched. */
  maxId: number
  total: number
  groups: ClearPlanGroup[]
  /** In-progress rows in the selection, with what Gearman says about each. */
  inProgress: InProgressJob[]
  /** Gearman's answer per server (for the in-progress check and for --queue). */
  gearman?: GearmanPicture
  withDownloads: number
}

export interface ClearOptions {
  filter: JobFilter
  scope?: GearmanScope
  realRoot: string
  /** undefined: the default path in the state directory; null: no backup (--no-backup). */
  backupPath?: string | null
  queue?: boolean
  batchSize?: number
  /** Milliseconds to wait between batches (hidden; lets tests interrupt a clear half way). */
  batchPauseMs?: number
  /** Aborted (SIGINT, SIGTERM): stop after the current batch and throw ClearStopped. */
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

export interface ClearResult {
  plan: ClearPlan
  backup: string | null
  deleted: number
  /**
   * Rows of the plan not deleted: gone when their batch came (another clear or kill deleted them), or
   * changed meanwhile so that they no longer match the selection (AtoM completed them): left alone.
   */
  alreadyGone: number
  batches: number
  files: {removed: number; missing: number; refused: FileResult[]}
  queue?: QueuedCancelReport
}

/**
 * Step one of a clear: the snapshot (highest object id), counts by class and status, and, for the
 * in-progress rows in the selection, what Gearman says (really running or waiting, or a zombie).
 * The Gearman picture is taken before the row snapshot, so every queued handle it lists has its row
 * inside the snapshot.
 */
export async function planClear(
  db: Database,
  clock: AtomClock,
  options: Pick<ClearOptions, 'filter' | 'scope'>,
): Promise<ClearPlan> {
  // The time bounds are fixed now: the plan and every batch after it mean the same rows.
  const filter = fixTimes(options.filter, clock)
  let gearman: GearmanPicture | undefined
  if (options.scope) gearman = await gearmanPicture(options.scope, {jobs: true})
  const [{maxId}] = await db.rows<{maxId: number | null}>('SELECT MAX(id) AS maxId FROM object')
  const snapshot = Number(maxId ?? 0)
  const where = whereSql(filter, ['j.id <= ?'], [snapshot])
  const groups = await db.rows<{name: string | null; status_id: number | null; n: number; downloads: number}>(
    `SELECT j.name, j.status_id, COUNT(*) AS n, SUM(j.download_path IS NOT NULL AND j.download_path <> '') AS downloads
       FROM job j JOIN object o ON o.id = j.id ${where.sql} GROUP BY j.name, j.status_id ORDER BY j.name, j.status_id`,
    where.values,
  )
  const running = await inProgressRows(db, clock)
  const selected = whereSql(filter, ['j.id <= ?', 'j.status_id = ?'], [snapshot, TERM_IDS.inProgress])
  const selectedRunning = new Set(
    (
      await db.rows<{id: number}>(
        `SELECT j.id FROM job j JOIN object o ON o.id = j.id ${selected.sql}`,
        selected.values,
      )
    ).map((r) => Number(r.id)),
  )
  const picture: GearmanPicture = gearman ?? {servers: [], functions: new Map(), perServer: [], answered: 0}
  const classified = classify(running, picture, options.scope?.prefix ?? '').filter((j) => selectedRunning.has(j.id))
  return {
    selection: describeFilter(filter),
    filter,
    maxId: snapshot,
    total: groups.reduce((a, g) => a + Number(g.n), 0),
    groups: groups.map((g) => ({
      name: g.name,
      status: statusName(g.status_id === null ? null : Number(g.status_id)),
      count: Number(g.n),
    })),
    inProgress: classified,
    gearman,
    withDownloads: groups.reduce((a, g) => a + Number(g.downloads ?? 0), 0),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** How far a clear that stopped part way got (a failure, or an interrupt), for the message and the audit record. */
export interface ClearProgress {
  planned: number
  deleted: number
  /** Rows of the plan that were gone or changed when their batch ran. */
  alreadyGone: number
  batches: number
  backup: string | null
  interrupted: boolean
}

/** A clear that stopped part way: exit 6 ("an operation failed part way"), the message says what was done. */
/** A clear that stopped early: exit 6; when nothing was deleted, 5 for an interrupt and 4 when MySQL was lost. */
export class ClearStopped extends AtomOpsError {
  constructor(
    message: string,
    hint: string,
    readonly progress: ClearProgress,
    options?: {cause?: unknown},
  ) {
    const cause = options?.cause
    super(
      progress.deleted > 0
        ? 'failed'
        : progress.interrupted
          ? 'aborted'
          : cause instanceof AtomOpsError && cause.kind === 'unreachable'
            ? 'unreachable'
            : 'failed',
      message,
      hint,
      options,
    )
  }
}

type BatchRow = {id: number; name: string | null; status_id: number | null; download_path: string | null}

/**
 * One batch in one transaction: select and lock its rows, back them up (fsynced), delete them. Two
 * clears (or a clear and a kill) may meet on the same rows: a deadlock victim is rolled back, its batch
 * marked in the backup as not deleted, and run again.
 */
async function deleteBatch(
  db: Database,
  where: {sql: string; values: SqlValue[]},
  batchSize: number,
  writer: BackupWriter | undefined,
  signal?: AbortSignal,
): Promise<{rows: BatchRow[]; deleted: number}> {
  for (let attempt = 0; ; attempt++) {
    const written = writer?.batches ?? 0
    try {
      return await db.transaction(
        async (tx) => {
          let rows: BatchRow[]
          if (writer) {
            // One statement locks and reads the batch's job and object rows, every column the backup keeps.
            const head = await tx.arrays(
              `SELECT ${OBJECT_JOB_COLUMNS} FROM job j JOIN object o ON o.id = j.id ${where.sql} ORDER BY j.id LIMIT ? FOR UPDATE`,
              [...where.values, String(batchSize)],
            )
            if (head.length === 0) return {rows: [], deleted: 0}
            rows = head.map(jobOfRow)
            const backup = writer.batch()
            // Each table is compressed (off the main thread) while the next is read; all of it is
            // written and fsynced before the DELETE below.
            backup.addObjectJobRows(head)
            await readChildRows(
              tx,
              rows.map((r) => r.id),
              {lock: true},
              backup.add,
            )
            await backup.write()
          } else {
            rows = await tx.rows<BatchRow>(
              `SELECT j.id, j.name, j.status_id, j.download_path FROM job j JOIN object o ON o.id = j.id ${where.sql} ORDER BY j.id LIMIT ? FOR UPDATE`,
              [...where.values, String(batchSize)],
            )
            if (rows.length === 0) return {rows, deleted: 0}
          }

          const ids = rows.map((r) => Number(r.id))
          const cond = exactIdCondition('id', ids)
          const result = await tx.execute(
            `DELETE FROM object WHERE class_name = 'QubitJob' AND ${cond.sql}`,
            cond.values,
          )
          return {rows, deleted: result.affectedRows}
        },
        {readCommitted: true, signal},
      )
    } catch (error) {
      // The batch may be in the backup already: say there that it was not deleted.
      if (writer && writer.batches > written) await writer.rolledBack().catch(() => undefined)
      if (attempt >= 5 || !isLockConflict(error) || signal?.aborted) throw error
      await sleep(20 + Math.random() * 80 * (attempt + 1))
    }
  }
}

/**
 * Step two: the plan's rows, a batch at a time, each batch one transaction: its rows are selected and
 * locked (FOR UPDATE: AtoM cannot change them meanwhile, in any of the six tables), written to the backup
 * and fsynced, deleted through `object` (the cascades take job, notes, properties and their
 * translations), committed; then their download files are removed. So the backup holds exactly what was
 * deleted, as it was when it was deleted. Only rows of the plan's snapshot that still match the selection
 * are touched. Interrupted (the signal), the batch in flight is rolled back and it throws ClearStopped;
 * killed, it leaves whole batches deleted, each one in the backup; run it again to finish.
 */
export async function runClear(db: Database, plan: ClearPlan, options: ClearOptions): Promise<ClearResult> {
  const batchSize = options.batchSize ?? 5000
  const backupPath = options.backupPath === null ? null : (options.backupPath ?? defaultBackupPath())
  const progress: ClearProgress = {
    planned: plan.total,
    deleted: 0,
    alreadyGone: 0,
    batches: 0,
    backup: backupPath,
    interrupted: false,
  }
  const files = {removed: 0, missing: 0, refused: [] as FileResult[]}
  const classes = new Map<string, number>()
  const writer = backupPath
    ? await BackupWriter.create(backupPath, {...(await databaseIdentity(db)), selection: plan.selection})
    : undefined
  const stopped = (why: string, cause?: unknown): ClearStopped => {
    const how =
      progress.deleted === 0 ? 'before deleting anything' : `after deleting ${progress.deleted} of ${plan.total} jobs`
    const kept = writer && progress.deleted > 0 ? ` Every deleted job is in the backup ${backupPath}.` : ''
    // The cause's own advice (check the server…) when it has some; never the generic --debug line.
    const advice =
      cause instanceof AtomOpsError && cause.hint && !cause.hint.includes('--debug') ? ` ${cause.hint}` : ''
    // atom-ops never writes into an existing backup: a rerun naming the same file would be refused.
    const again =
      writer && writer.jobs > 0 && options.backupPath
        ? 'Run it again with another --backup FILE to finish.'
        : 'Run the same command again to finish.'
    return new ClearStopped(
      progress.interrupted ? `interrupted: stopped ${how}` : `clear stopped ${how}: ${why}`,
      progress.deleted === 0
        ? `Nothing was deleted.${advice} ${again}`
        : `Each batch is a transaction, so the database is consistent.${kept}${advice} ${again}`,
      progress,
      cause === undefined ? undefined : {cause},
    )
  }

  let after = 0
  try {
    for (;;) {
      if (options.signal?.aborted) {
        progress.interrupted = true
        throw stopped('interrupted')
      }

      // Only QubitJob objects: what the DELETE takes is exactly what the batch read (and backed up).
      const w = whereSql(plan.filter, ['j.id > ?', 'j.id <= ?', "o.class_name = 'QubitJob'"], [after, plan.maxId])
      const batch = await deleteBatch(db, w, batchSize, writer, options.signal)
      if (batch.rows.length === 0) break
      after = Number(batch.rows[batch.rows.length - 1].id)
      progress.deleted += batch.deleted
      progress.batches++
      for (const r of batch.rows)
        if (Number(r.status_id) === TERM_IDS.inProgress && r.name) classes.set(r.name, (classes.get(r.name) ?? 0) + 1)
      const paths = batch.rows.map((r) => r.download_path).filter((p): p is string => Boolean(p))
      if (paths.length > 0) {
        for (const r of await removeDownloads(options.realRoot, paths)) {
          if (r.outcome === 'removed') files.removed++
          else if (r.outcome === 'missing') files.missing++
          else files.refused.push(r)
        }
      }

      options.onProgress?.(progress.deleted, plan.total)
      if (batch.rows.length < batchSize) break
      if (options.batchPauseMs) await sleep(options.batchPauseMs)
    }
  } catch (error) {
    // The signal interrupts the batch in flight: it is rolled back, whole, and marked so in the backup.
    if (options.signal?.aborted) progress.interrupted = true
    await writer?.stop(progress.interrupted ? 'interrupted' : 'failed')
    if (error instanceof ClearStopped) throw error
    if (progress.interrupted) throw stopped('interrupted')
    throw stopped(describeError(error), error)
  }

  await writer?.finish()
  progress.alreadyGone = Math.max(0, plan.total - progress.deleted)

  let queue: QueuedCancelReport | undefined
  if (options.queue && options.scope && plan.gearman) {
    // A class is cancelled for only when no in-progress row of it is kept.
    const kept = await db.rows<{name: string | null}>(
      `SELECT DISTINCT j.name FROM job j WHERE j.status_id = ? AND j.id <= ?`,
      [TERM_IDS.inProgress, plan.maxId],
    )
    const keptClasses = kept.map((k) => k.name ?? '').filter((n) => classes.has(n))
    queue = await cancelQueued(options.scope, plan.gearman, [...classes.keys()], keptClasses)
  }

  return {
    plan,
    backup: backupPath,
    deleted: progress.deleted,
    alreadyGone: progress.alreadyGone,
    batches: progress.batches,
    files,
    queue,
  }
}
