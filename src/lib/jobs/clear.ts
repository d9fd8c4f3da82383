import type {Database} from '../db/database.js'
import {AtomOpsError, describeError, OperationError} from '../errors.js'
import {BackupWriter, defaultBackupPath, readJobsForBackup} from './backup.js'
import {removeDownload, type FileResult} from './files.js'
import {describeFilter, type JobFilter, statusName, whereSql} from './filter.js'
import {cancelQueued, type CancelReport, gearmanPicture, type GearmanPicture, type GearmanScope} from './gearman.js'
import {classify, type InProgressJob} from './stalled.js'
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
  onProgress?: (phase: 'backup' | 'delete', done: number, total: number) => void
}

export interface ClearResult {
  plan: ClearPlan
  backup: string | null
  deleted: number
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
export async function planClear(db: Database, options: Pick<ClearOptions, 'filter' | 'scope'>): Promise<ClearPlan> {
  let gearman: GearmanPicture | undefined
  if (options.scope) gearman = await gearmanPicture(options.scope, {jobs: true})
  const [{maxId}] = await db.rows<{maxId: number | null}>('SELECT MAX(id) AS maxId FROM object')
  const snapshot = Number(maxId ?? 0)
  const where = whereSql(options.filter, ['j.id <= ?'], [snapshot])
  const groups = await db.rows<{name: string | null; status_id: number | null; n: number; downloads: number}>(
    `SELECT j.name, j.status_id, COUNT(*) AS n, SUM(j.download_path IS NOT NULL AND j.download_path <> '') AS downloads
       FROM job j JOIN object o ON o.id = j.id ${where.sql} GROUP BY j.name, j.status_id ORDER BY j.name, j.status_id`,
    where.values,
  )
  const running = await db.rows<{id: number; name: string | null; username: string | null; created_at: string; age: number}>(
    `SELECT j.id, j.name, u.username, o.created_at, TIMESTAMPDIFF(SECOND, o.created_at, NOW()) AS age
       FROM job j JOIN object o ON o.id = j.id LEFT JOIN user u ON u.id = j.user_id WHERE j.status_id = ? ORDER BY o.created_at, j.id`,
    [TERM_IDS.inProgress],
  )
  const selectedRunning = new Set(
    (await db.rows<{id: number}>(`SELECT j.id FROM job j JOIN object o ON o.id = j.id ${whereSql(options.filter, ['j.id <= ?', 'j.status_id = ?'], [snapshot, TERM_IDS.inProgress]).sql}`, [...where.values, TERM_IDS.inProgress])).map((r) => Number(r.id)),
  )
  const picture: GearmanPicture = gearman ?? {servers: [], functions: new Map(), perServer: [], answered: 0}
  const classified = classify(
    running.map((r) => ({id: Number(r.id), name: r.name, user: r.username, startedAt: r.created_at, ageSeconds: Number(r.age)})),
    picture,
    options.scope?.prefix ?? '',
  ).filter((j) => selectedRunning.has(j.id))
  return {
    selection: describeFilter(options.filter),
    filter: options.filter,
    maxId: snapshot,
    total: groups.reduce((a, g) => a + Number(g.n), 0),
    groups: groups.map((g) => ({name: g.name, status: statusName(g.status_id === null ? null : Number(g.status_id)), count: Number(g.n)})),
    inProgress: classified,
    gearman,
    withDownloads: groups.reduce((a, g) => a + Number(g.downloads ?? 0), 0),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Step two: back up the planned rows (fsynced before the first delete), then delete them through
 * `object` (the cascades take job, notes, properties and their translations) in batches, each a
 * transaction, then their download files (inside the root only). Only rows of the plan's snapshot
 * are touched. Interrupted, it leaves whole batches deleted and a complete backup; run it again to finish.
 */
export async function runClear(db: Database, plan: ClearPlan, options: ClearOptions): Promise<ClearResult> {
  const batchSize = options.batchSize ?? 5000
  const ids = new IdList()
  const downloads = new Map<number, string>()
  const inProgressIds: number[] = []
  const classes = new Map<string, number>()
  let writer: BackupWriter | undefined
  const backupPath = options.backupPath === null ? null : options.backupPath ?? defaultBackupPath()
  if (backupPath) writer = await BackupWriter.create(backupPath, {database: db.target.database ?? '', selection: plan.selection})

  // Pass 1: walk the snapshot in id order; record ids (and back each page up).
  const where = (after: number) => whereSql(plan.filter, ['j.id > ?', 'j.id <= ?'], [after, plan.maxId])
  let after = 0
  try {
    for (;;) {
      const w = where(after)
      const page = await db.rows<{id: number; name: string | null; status_id: number | null; download_path: string | null}>(
        `SELECT j.id, j.name, j.status_id, j.download_path FROM job j JOIN object o ON o.id = j.id ${w.sql} ORDER BY j.id LIMIT ?`,
        [...w.values, String(batchSize)],
      )
      if (page.length === 0) break
      const pageIds = page.map((r) => Number(r.id))
      if (writer) await writer.add(await readJobsForBackup(db, pageIds))
      for (const r of page) {
        const id = Number(r.id)
        ids.push(id)
        if (r.download_path) downloads.set(id, r.download_path)
        if (Number(r.status_id) === TERM_IDS.inProgress) {
          inProgressIds.push(id)
          if (r.name) classes.set(r.name, (classes.get(r.name) ?? 0) + 1)
        }
      }
      options.onProgress?.('backup', ids.length, plan.total)
      after = pageIds[pageIds.length - 1]
      if (page.length < batchSize) break
    }
    if (writer) await writer.finish()
  } catch (error) {
    await writer?.abandon()
    if (error instanceof AtomOpsError && error.kind !== 'failed') throw error
    throw new OperationError(`nothing was deleted: the backup could not be completed: ${describeError(error)}`, 'Fix the cause and run the command again.', {cause: error})
  }

  // Pass 2: delete through object, a batch per transaction, then the batch's download files.
  let deleted = 0
  let batches = 0
  const files = {removed: 0, missing: 0, refused: [] as FileResult[]}
  try {
    for (let i = 0; i < ids.length; i += batchSize) {
      const chunk = ids.slice(i, i + batchSize)
      const result = await db.transaction((tx) => tx.execute(`DELETE FROM object WHERE class_name = 'QubitJob' AND id IN (${chunk.map(() => '?').join(', ')})`, chunk))
      deleted += result.affectedRows
      batches++
      for (const id of chunk) {
        const path = downloads.get(id)
        if (!path) continue
        const r = await removeDownload(options.realRoot, path)
        if (r.outcome === 'removed') files.removed++
        else if (r.outcome === 'missing') files.missing++
        else files.refused.push(r)
      }
      options.onProgress?.('delete', Math.min(i + batchSize, ids.length), ids.length)
      if (options.batchPauseMs) await sleep(options.batchPauseMs)
    }
  } catch (error) {
    throw new OperationError(
      `clear stopped after deleting ${deleted} of ${ids.length} jobs: ${describeError(error)}`,
      `Each batch is a transaction, so the database is consistent.${backupPath ? ` The backup ${backupPath} is complete.` : ''} Run the same command again to finish.`,
      {cause: error},
    )
  }

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
  return {plan, backup: backupPath, deleted, batches, files, queue}
}
