import type {AtomClock} from '../atom/clock.js'
import type {Database} from '../db/database.js'
import {AtomOpsError, describeError, OperationError} from '../errors.js'
import {type BackupLine, BackupWriter, defaultBackupPath, readBackupLines} from './backup.js'
import {removeDownload, type FileResult} from './files.js'
import {describeFilter, fixTimes, type JobFilter, statusName, whereSql} from './filter.js'
import {cancelQueued, type CancelReport, gearmanPicture, type GearmanPicture, type GearmanScope} from './gearman.js'
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
  /** Rows read per backup page (default the batch size). */
  pageSize?: number
  /** Milliseconds to wait between backup pages (hidden; lets tests interrupt the backup). */
  backupPauseMs?: number
  /** Aborted (SIGINT, SIGTERM): stop after the current page or batch and throw ClearStopped. */
  signal?: AbortSignal
  onProgress?: (phase: 'backup' | 'delete', done: number, total: number) => void
}

export interface ClearResult {
  plan: ClearPlan
  backup: string | null
  deleted: number
  /** Rows of the plan already gone when the clear reached them (another clear or kill deleted them). */
  alreadyGone: number
  batches: number
  files: {removed: number; missing: number; refused: FileResult[]}
  queue?: CancelReport
}

/** A growable array of 32-bit ids: a million ids in 4 MB rather than a JS array's 8+. */
class IdList {
  private data = new Uint32Array(1024)
  length = 0
  push(id: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = id
  }
  slice(from: number, to: number): number[] {
    return Array.from(this.data.subarray(from, Math.min(to, this.length)))
  }
}

/**
 * Step one of a clear: the snapshot (highest object id), counts by class and status, and, for the
 * in-progress rows in the selection, what Gearman says (really running or waiting, or a zombie).
 * The Gearman picture is taken before the row snapshot, so every queued handle it lists has its row
 * inside the snapshot.
 */
export async function planClear(db: Database, clock: AtomClock, options: Pick<ClearOptions, 'filter' | 'scope'>): Promise<ClearPlan> {
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
  const selectedRunning = new Set((await db.rows<{id: number}>(`SELECT j.id FROM job j JOIN object o ON o.id = j.id ${selected.sql}`, selected.values)).map((r) => Number(r.id)))
  const picture: GearmanPicture = gearman ?? {servers: [], functions: new Map(), perServer: [], answered: 0}
  const classified = classify(running, picture, options.scope?.prefix ?? '').filter((j) => selectedRunning.has(j.id))
  return {
    selection: describeFilter(filter),
    filter,
    maxId: snapshot,
    total: groups.reduce((a, g) => a + Number(g.n), 0),
    groups: groups.map((g) => ({name: g.name, status: statusName(g.status_id === null ? null : Number(g.status_id)), count: Number(g.n)})),
    inProgress: classified,
    gearman,
    withDownloads: groups.reduce((a, g) => a + Number(g.downloads ?? 0), 0),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** How far a clear that stopped part way got (a failure, or an interrupt), for the message and the audit record. */
export interface ClearProgress {
  phase: 'backup' | 'delete'
  planned: number
  deleted: number
  /** Rows of the plan that were gone when their batch ran (deleted meanwhile by someone else). */
  alreadyGone: number
  batches: number
  backup: string | null
  /** The backup was complete (fsynced, under its final name) before anything was deleted. */
  backupComplete: boolean
  interrupted: boolean
}

/** A clear that stopped part way: exit 6 ("an operation failed part way"), the message says what was done. */
export class ClearStopped extends OperationError {
  constructor(
    message: string,
    hint: string,
    readonly progress: ClearProgress,
    options?: {cause?: unknown},
  ) {
    super(message, hint, options)
  }
}

/**
 * The WHERE condition matching exactly these ids (ascending, distinct): one `BETWEEN` per run of
 * consecutive ids when there are few runs (an index range read each), else an IN list.
 */
export function exactIdCondition(column: string, ids: number[]): {sql: string; values: number[]} {
  const runs: Array<[number, number]> = []
  for (const id of ids) {
    const last = runs[runs.length - 1]
    if (last && id === last[1] + 1) last[1] = id
    else runs.push([id, id])
    if (runs.length > 16) return {sql: `${column} IN (${ids.map(() => '?').join(', ')})`, values: ids}
  }
  return {sql: runs.length === 1 ? `${column} BETWEEN ? AND ?` : `(${runs.map(() => `${column} BETWEEN ? AND ?`).join(' OR ')})`, values: runs.flat()}
}

type PageRow = {id: number; name: string | null; status_id: number | null; download_path: string | null}

/**
 * Step two: back up the planned rows (fsynced before the first delete), then delete them through
 * `object` (the cascades take job, notes, properties and their translations) in batches, each a
 * transaction, then their download files (inside the root only). Only rows of the plan's snapshot
 * are touched, and with a backup only rows the backup holds. Interrupted (the signal), it stops after
 * the current batch and throws ClearStopped; killed, it leaves whole batches deleted and a complete
 * backup; run it again to finish. A row deleted meanwhile by another clear or kill counts as already gone.
 */
export async function runClear(db: Database, plan: ClearPlan, options: ClearOptions): Promise<ClearResult> {
  const batchSize = options.batchSize ?? 5000
  const pageSize = options.pageSize ?? batchSize
  const ids = new IdList()
  const downloads = new Map<number, string>()
  const classes = new Map<string, number>()
  let writer: BackupWriter | undefined
  const backupPath = options.backupPath === null ? null : options.backupPath ?? defaultBackupPath()
  const progress: ClearProgress = {phase: 'backup', planned: plan.total, deleted: 0, alreadyGone: 0, batches: 0, backup: backupPath, backupComplete: false, interrupted: false}
  const interrupted = () => Boolean(options.signal?.aborted)
  if (backupPath) writer = await BackupWriter.create(backupPath, {database: db.target.database ?? '', selection: plan.selection})

  // Pass 1: walk the snapshot in id order; record ids and back each page up. The next page (its ids and
  // its rows) is read while the current one is serialised and written.
  const fetchPage = async (after: number): Promise<{rows: PageRow[]; backup?: Promise<BackupLine[]>}> => {
    const w = whereSql(plan.filter, ['j.id > ?', 'j.id <= ?'], [after, plan.maxId])
    const rows = await db.rows<PageRow>(
      `SELECT j.id, j.name, j.status_id, j.download_path FROM job j JOIN object o ON o.id = j.id ${w.sql} ORDER BY j.id LIMIT ?`,
      [...w.values, String(pageSize)],
    )
    const backup = writer && rows.length ? readBackupLines(db, rows.map((r) => Number(r.id))) : undefined
    backup?.catch(() => undefined)
    return {rows, backup}
  }
  let pending: Promise<{rows: PageRow[]; backup?: Promise<BackupLine[]>}> | undefined
  try {
    pending = fetchPage(0)
    for (;;) {
      const page = await pending
      pending = undefined
      if (page.rows.length === 0) break
      if (page.rows.length === pageSize && !interrupted()) {
        pending = fetchPage(Number(page.rows[page.rows.length - 1].id))
        pending.catch(() => undefined)
      }
      // With a backup, only the rows it holds are deleted (a row gone before it was read is not ours to delete).
      let held: Set<number> | undefined
      if (writer && page.backup) {
        const lines = await page.backup
        await writer.addLines(lines.map((l) => l.line))
        held = new Set(lines.map((l) => l.id))
      }
      for (const r of page.rows) {
        const id = Number(r.id)
        if (held && !held.has(id)) {
          progress.alreadyGone++
          continue
        }
        ids.push(id)
        if (r.download_path) downloads.set(id, r.download_path)
        if (Number(r.status_id) === TERM_IDS.inProgress && r.name) classes.set(r.name, (classes.get(r.name) ?? 0) + 1)
      }
      options.onProgress?.('backup', ids.length, plan.total)
      if (interrupted()) throw new Interrupt()
      if (!pending) break
      if (options.backupPauseMs) await sleep(options.backupPauseMs)
    }
    if (interrupted()) throw new Interrupt()
    if (writer) await writer.finish()
    progress.backupComplete = Boolean(writer)
  } catch (error) {
    if (pending) await pending.then((p) => p.backup).catch(() => undefined)
    await writer?.abandon()
    if (error instanceof Interrupt) {
      progress.interrupted = true
      throw new ClearStopped('interrupted before anything was deleted: nothing was deleted', writer ? 'The unfinished backup was removed. Run the same command again to clear.' : 'Run the same command again to clear.', progress)
    }
    if (error instanceof AtomOpsError && error.kind !== 'failed') throw error
    throw new OperationError(`nothing was deleted: the backup could not be completed: ${describeError(error)}`, 'Fix the cause and run the command again.', {cause: error})
  }

  // Pass 2: delete through object, a batch per transaction, then the batch's download files.
  progress.phase = 'delete'
  const files = {removed: 0, missing: 0, refused: [] as FileResult[]}
  const backupHint = backupPath ? ` The backup ${backupPath} is complete.` : ''
  try {
    for (let i = 0; i < ids.length; i += batchSize) {
      if (interrupted()) throw new Interrupt()
      const chunk = ids.slice(i, i + batchSize)
      const cond = exactIdCondition('id', chunk)
      // Two clears (or a clear and a kill) may meet on the same rows: a deadlock victim is run again,
      // and rows another one deleted first simply are not there any more.
      const result = await db.transaction((tx) => tx.execute(`DELETE FROM object WHERE class_name = 'QubitJob' AND ${cond.sql}`, cond.values), {retryDeadlocks: 5})
      progress.deleted += result.affectedRows
      progress.alreadyGone += chunk.length - result.affectedRows
      progress.batches++
      for (const id of chunk) {
        const path = downloads.get(id)
        if (!path) continue
        const r = await removeDownload(options.realRoot, path)
        if (r.outcome === 'removed') files.removed++
        else if (r.outcome === 'missing') files.missing++
        else files.refused.push(r)
      }
      options.onProgress?.('delete', Math.min(i + batchSize, ids.length), ids.length)
      if (options.batchPauseMs && i + batchSize < ids.length) await sleep(options.batchPauseMs)
    }
  } catch (error) {
    if (error instanceof Interrupt) {
      progress.interrupted = true
      throw new ClearStopped(
        `interrupted: stopped after deleting ${progress.deleted} of ${ids.length} jobs`,
        `Each batch is a transaction, so the database is consistent.${backupHint} Run the same command again to finish.`,
        progress,
      )
    }
    throw new ClearStopped(
      `clear stopped after deleting ${progress.deleted} of ${ids.length} jobs: ${describeError(error)}`,
      `Each batch is a transaction, so the database is consistent.${backupHint} Run the same command again to finish.`,
      progress,
      {cause: error},
    )
  }
  const deleted = progress.deleted
  const batches = progress.batches

  let queue: CancelReport | undefined
  if (options.queue && options.scope && plan.gearman) {
    // A class is cancelled for only when no in-progress row of it is kept.
    const kept = await db.rows<{name: string | null}>(
      `SELECT DISTINCT j.name FROM job j WHERE j.status_id = ? AND j.id <= ?`,
      [TERM_IDS.inProgress, plan.maxId],
    )
    const keptClasses = kept.map((k) => k.name ?? '').filter((n) => classes.has(n))
    queue = await cancelQueued(options.scope, plan.gearman, [...classes.keys()], keptClasses)
  }
  return {plan, backup: backupPath, deleted, alreadyGone: progress.alreadyGone, batches, files, queue}
}

class Interrupt extends Error {}
