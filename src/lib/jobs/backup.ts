import {createReadStream} from 'node:fs'
import {access, mkdir, open, rename, unlink, type FileHandle} from 'node:fs/promises'
import {hostname} from 'node:os'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'

import type {Database, Queryable, SqlValue} from '../db/database.js'
import {ConfigError, OperationError, UsageError} from '../errors.js'
import {stateDirectory} from '../settings/paths.js'
import {groupBy} from '../util/group.js'
import {idRange} from './query.js'

export const BACKUP_FORMAT = 'atom-ops-jobs-backup'
export const BACKUP_VERSION = 1

/** The tables a job lives in and the columns atom-ops backs up (AtoM's names; fixed lists, never read from a file). */
export const BACKUP_COLUMNS = {
  object: ['id', 'class_name', 'created_at', 'updated_at', 'serial_number'],
  job: ['id', 'name', 'download_path', 'completed_at', 'user_id', 'object_id', 'status_id', 'output'],
  note: ['id', 'object_id', 'type_id', 'scope', 'user_id', 'source_culture', 'serial_number'],
  note_i18n: ['id', 'culture', 'content'],
  property: ['id', 'object_id', 'scope', 'name', 'source_culture', 'serial_number'],
  property_i18n: ['id', 'culture', 'value'],
} as const
export type BackupTable = keyof typeof BACKUP_COLUMNS

type Record_ = Record<string, SqlValue>

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/** One job in a backup: its object and job rows, its notes and properties with their translations. */
export interface BackedUpJob {
  object: Record_
  job: Record_
  notes: Array<{note: Record_; i18n: Record_[]}>
  properties: Array<{property: Record_; i18n: Record_[]}>
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT
  version: number
  createdAt: string
  host: string
  database: string
  selection: string
}

export function defaultBackupPath(env: NodeJS.ProcessEnv = process.env, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  return join(stateDirectory(env), 'backups', `jobs-${stamp}.ndjson`)
}

/** `CAST(JSON_OBJECT('id', a.id, ...) AS CHAR)`: one row as a JSON text, built by the server (column names are fixed lists). */
function jsonRow(table: BackupTable, alias: string): string {
  return `CAST(JSON_OBJECT(${BACKUP_COLUMNS[table].map((c) => `'${c}', ${alias}.${c}`).join(', ')}) AS CHAR)`
}

/** One backed-up job as its NDJSON line (the JSON text of a BackedUpJob), with its id. */
export interface BackupLine {
  id: number
  line: string
}

/**
 * Reads every row of these jobs (ids of one page) in six statements, each row as a JSON text built by
 * the server, and puts each job's line together from them: the client never parses the rows' values,
 * which makes a large backup several times cheaper than reading columns into objects. Ranges when the
 * ids are dense (one index range read each), IN lists when sparse; rows outside the ids are dropped.
 * A job whose object or job row is missing (deleted meanwhile) is left out.
 */
export async function readBackupLines(db: Queryable, ids: number[]): Promise<BackupLine[]> {
  if (ids.length === 0) return []
  const or = idRange('o.id', ids)
  const jr = idRange('j.id', ids)
  const nr = idRange('n.object_id', ids)
  const pr = idRange('p.object_id', ids)
  type J = {k: number; g?: number; v: string | null}
  // Independent reads, in parallel on the pool's connections.
  const [objects, jobs, notes, props, noteI18n, propI18n] = await Promise.all([
    db.rows<J>(`SELECT o.id AS k, ${jsonRow('object', 'o')} AS v FROM object o WHERE ${or.sql}`, or.values),
    db.rows<J>(`SELECT j.id AS k, ${jsonRow('job', 'j')} AS v FROM job j WHERE ${jr.sql}`, jr.values),
    db.rows<J>(`SELECT n.object_id AS k, n.id AS g, ${jsonRow('note', 'n')} AS v FROM note n WHERE ${nr.sql} ORDER BY n.id`, nr.values),
    db.rows<J>(`SELECT p.object_id AS k, p.id AS g, ${jsonRow('property', 'p')} AS v FROM property p WHERE ${pr.sql} ORDER BY p.id`, pr.values),
    db.rows<J>(`SELECT x.id AS k, ${jsonRow('note_i18n', 'x')} AS v FROM note_i18n x JOIN note n ON n.id = x.id WHERE ${nr.sql}`, nr.values),
    db.rows<J>(`SELECT x.id AS k, ${jsonRow('property_i18n', 'x')} AS v FROM property_i18n x JOIN property p ON p.id = x.id WHERE ${pr.sql}`, pr.values),
  ])
  const text = (r: J): string => {
    // JSON_OBJECT gives NULL only when the row does not fit max_allowed_packet: never write a hole.
    if (r.v === null) throw new OperationError(`MySQL could not return a row of job ${r.k} as JSON (larger than max_allowed_packet?)`, 'Raise max_allowed_packet, or back the job up another way.')
    return r.v
  }
  const wanted = new Set(ids)
  const objectById = new Map(objects.map((o) => [Number(o.k), o]))
  const byKey = (r: J) => Number(r.k)
  const notesByJob = groupBy(notes, byKey)
  const propsByJob = groupBy(props, byKey)
  const noteI18nById = groupBy(noteI18n, byKey, text)
  const propI18nById = groupBy(propI18n, byKey, text)
  const out: BackupLine[] = []
  for (const job of jobs.sort((a, b) => Number(a.k) - Number(b.k))) {
    const id = Number(job.k)
    if (!wanted.has(id)) continue
    const object = objectById.get(id)
    if (!object) continue
    const n = (notesByJob.get(id) ?? []).map((x) => `{"note":${text(x)},"i18n":[${(noteI18nById.get(Number(x.g)) ?? []).join(',')}]}`)
    const p = (propsByJob.get(id) ?? []).map((x) => `{"property":${text(x)},"i18n":[${(propI18nById.get(Number(x.g)) ?? []).join(',')}]}`)
    out.push({id, line: `{"object":${text(object)},"job":${text(job)},"notes":[${n.join(',')}],"properties":[${p.join(',')}]}`})
  }
  return out
}

/** The same jobs as objects (a backup line parsed), for callers that look inside them. */
export async function readJobsForBackup(db: Queryable, ids: number[]): Promise<BackedUpJob[]> {
  return (await readBackupLines(db, ids)).map((l) => JSON.parse(l.line) as BackedUpJob)
}

/**
 * A backup file being written: NDJSON, a header line, one line per job, a trailer with the count.
 * Written to `<file>.partial`, fsynced and renamed on finish, so a file under the final name is
 * always complete; the trailer lets `restore` prove it.
 */
export class BackupWriter {
  private buffer: string[] = []
  private bufferedBytes = 0
  count = 0

  private constructor(
    readonly path: string,
    private readonly partial: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string, header: Omit<BackupHeader, 'format' | 'version' | 'createdAt' | 'host'>): Promise<BackupWriter> {
    await mkdir(dirname(path), {recursive: true, mode: 0o700}).catch((error) => {
      throw new ConfigError(`cannot create the backup directory ${dirname(path)}: ${(error as Error).message}`, 'Give a writable place with --backup FILE.')
    })
    const partial = `${path}.partial`
    let handle: FileHandle
    try {
      if (await exists(path)) throw Object.assign(new Error('exists'), {code: 'EEXIST'})
      handle = await open(partial, 'wx', 0o600)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw new UsageError(`the backup file ${path} (or ${partial}) already exists`, 'Choose another --backup FILE; atom-ops never overwrites a backup.')
      throw new ConfigError(`cannot write the backup file ${path}: ${(error as Error).message}`, 'Give a writable place with --backup FILE.')
    }
    const w = new BackupWriter(path, partial, handle)
    const full: BackupHeader = {format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), host: hostname(), ...header}
    w.push(JSON.stringify(full))
    return w
  }

  private push(line: string): void {
    this.buffer.push(line)
    this.bufferedBytes += line.length + 1
  }

  async add(jobs: BackedUpJob[]): Promise<void> {
    await this.addLines(jobs.map((j) => JSON.stringify(j)))
  }

  /** Jobs already as their JSON lines (readBackupLines). */
  async addLines(lines: string[]): Promise<void> {
    for (const line of lines) {
      this.push(line)
      this.count++
    }
    if (this.bufferedBytes > 1 << 20) await this.flush()
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return
    const text = this.buffer.join('\n') + '\n'
    this.buffer = []
    this.bufferedBytes = 0
    await this.handle.write(text)
  }

  /** Writes the trailer, fsyncs the file, renames it into place and fsyncs the directory. */
  async finish(): Promise<void> {
    this.push(JSON.stringify({end: true, jobs: this.count}))
    await this.flush()
    await this.handle.sync()
    await this.handle.close()
    await rename(this.partial, this.path)
    const dir = await open(dirname(this.path), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  }

  /** Gives up before finish: closes and removes `<file>.partial` (nothing was deleted on its strength). */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    await unlink(this.partial).catch(() => undefined)
  }
}

/** Reads a backup file a job at a time; throws unless its header is right and its trailer matches the count. */
export async function* readBackup(path: string): AsyncGenerator<BackedUpJob, void, void> {
  let stream
  try {
    stream = createReadStream(path, {encoding: 'utf8'})
    await new Promise<void>((resolve, reject) => {
      stream!.once('open', () => resolve())
      stream!.once('error', reject)
    })
  } catch (error) {
    throw new UsageError(`cannot read the backup ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Give the path `jobs clear` printed.')
  }
  const lines = createInterface({input: stream, crlfDelay: Infinity})
  let lineNo = 0
  let count = 0
  let ended = false
  for await (const line of lines) {
    lineNo++
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new UsageError(`${path} line ${lineNo} is not JSON: not an atom-ops backup, or a damaged one`, 'Nothing was restored from it.')
    }
    if (lineNo === 1) {
      const h = value as Partial<BackupHeader>
      if (h.format !== BACKUP_FORMAT) throw new UsageError(`${path} is not an atom-ops jobs backup`, 'Give a file written by `atom-ops jobs clear` or `jobs kill --delete`.')
      if (h.version !== BACKUP_VERSION) throw new UsageError(`${path} is a backup of format version ${h.version}; this atom-ops reads version ${BACKUP_VERSION}`)
      continue
    }
    if (ended) throw new UsageError(`${path} has data after its trailer (line ${lineNo})`, 'The file was changed after atom-ops wrote it.')
    const v = value as {end?: boolean; jobs?: number} & Partial<BackedUpJob>
    if (v.end === true) {
      if (v.jobs !== count) throw new UsageError(`${path} says it holds ${v.jobs} jobs but has ${count}`, 'The file was changed after atom-ops wrote it.')
      ended = true
      continue
    }
    if (!v.object || !v.job || !Array.isArray(v.notes) || !Array.isArray(v.properties)) throw new UsageError(`${path} line ${lineNo} is not a backed-up job`)
    count++
    yield v as BackedUpJob
  }
  if (lineNo === 0) throw new UsageError(`${path} is empty`, 'Nothing was restored from it.')
  if (!ended) throw new UsageError(`${path} is incomplete (no trailer after ${count} jobs)`, 'It was cut short while being written; its jobs were never deleted by atom-ops (it deletes only after a complete backup).')
}

/** Validates a whole backup before anything is written: the count of jobs in it. */
export async function verifyBackup(path: string): Promise<number> {
  let n = 0
  for await (const _ of readBackup(path)) n++
  return n
}

export interface RestoreReport {
  file: string
  dryRun: boolean
  jobs: number
  restored: number
  /** Jobs whose id (or a note's or property's id) is taken in the database: left out. */
  skipped: Array<{id: number; reason: string}>
  /** References to users or objects that no longer exist, set to NULL as MySQL's ON DELETE SET NULL would have. */
  nulledReferences: number
}

function insertSql(table: BackupTable, rows: number): string {
  const c = BACKUP_COLUMNS[table]
  const one = `(${c.map(() => '?').join(', ')})`
  return `INSERT INTO ${table} (${c.join(', ')}) VALUES ${Array.from({length: rows}, () => one).join(', ')}`
}

function valuesOf(table: BackupTable, row: Record_): SqlValue[] {
  return BACKUP_COLUMNS[table].map((c) => (row[c] === undefined ? null : row[c]))
}

async function existing(db: Queryable, table: 'object' | 'note' | 'property' | 'user' | 'term', ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const unique = [...new Set(ids)]
  const rows = await db.rows<{id: number}>(`SELECT id FROM ${table} WHERE id IN (${unique.map(() => '?').join(', ')})`, unique)
  return new Set(rows.map((r) => Number(r.id)))
}

const num = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v))

/** Inserts a batch of backed-up jobs in one transaction, ids and all; conflicts are skipped and reported. */
async function restoreBatch(db: Database, batch: BackedUpJob[], report: RestoreReport): Promise<void> {
  await db.transaction(async (tx) => {
    const takenObjects = await existing(tx, 'object', batch.map((j) => Number(j.object.id)))
    const takenNotes = await existing(tx, 'note', batch.flatMap((j) => j.notes.map((n) => Number(n.note.id))))
    const takenProps = await existing(tx, 'property', batch.flatMap((j) => j.properties.map((p) => Number(p.property.id))))
    const ok: BackedUpJob[] = []
    for (const j of batch) {
      const id = Number(j.object.id)
      if (takenObjects.has(id)) report.skipped.push({id, reason: 'an object with this id exists'})
      else if (j.notes.some((n) => takenNotes.has(Number(n.note.id)))) report.skipped.push({id, reason: "a note id of this job is taken"})
      else if (j.properties.some((p) => takenProps.has(Number(p.property.id)))) report.skipped.push({id, reason: 'a property id of this job is taken'})
      else ok.push(j)
    }
    if (ok.length === 0) return
    const userIds = ok.flatMap((j) => [num(j.job.user_id), ...j.notes.map((n) => num(n.note.user_id))]).filter((x): x is number => x !== null)
    const objectRefs = ok.map((j) => num(j.job.object_id)).filter((x): x is number => x !== null)
    const termIds = ok.flatMap((j) => [num(j.job.status_id), ...j.notes.map((n) => num(n.note.type_id))]).filter((x): x is number => x !== null)
    const users = await existing(tx, 'user', userIds)
    const objects = await existing(tx, 'object', objectRefs)
    const terms = await existing(tx, 'term', termIds)
    const restoredIds = new Set(ok.map((j) => Number(j.object.id)))
    const fix = (row: Record_, column: string, set: Set<number>, alsoOk?: Set<number>): Record_ => {
      const v = num(row[column])
      if (v === null || set.has(v) || alsoOk?.has(v)) return row
      report.nulledReferences++
      return {...row, [column]: null}
    }
    const chunks = <T>(items: T[], size = 200): T[][] => {
      const out: T[][] = []
      for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
      return out
    }
    const insert = async (table: BackupTable, rows: Record_[]) => {
      for (const chunk of chunks(rows)) await tx.execute(insertSql(table, chunk.length), chunk.flatMap((r) => valuesOf(table, r)))
    }
    await insert('object', ok.map((j) => j.object))
    await insert('job', ok.map((j) => fix(fix(fix(j.job, 'user_id', users), 'object_id', objects, restoredIds), 'status_id', terms)))
    await insert('note', ok.flatMap((j) => j.notes.map((n) => fix(fix(n.note, 'user_id', users), 'type_id', terms))))
    await insert('note_i18n', ok.flatMap((j) => j.notes.flatMap((n) => n.i18n)))
    await insert('property', ok.flatMap((j) => j.properties.map((p) => p.property)))
    await insert('property_i18n', ok.flatMap((j) => j.properties.flatMap((p) => p.i18n)))
    report.restored += ok.length
  })
}

/**
 * Puts a backup back, ids and all, in batches (each a transaction). The whole file is verified first
 * (header, trailer, count), so a damaged file restores nothing. Jobs whose ids are taken are skipped.
 */
export async function restoreBackup(db: Database, path: string, options: {dryRun?: boolean; batchSize?: number; onProgress?: (done: number, total: number) => void} = {}): Promise<RestoreReport> {
  const total = await verifyBackup(path)
  const report: RestoreReport = {file: path, dryRun: Boolean(options.dryRun), jobs: total, restored: 0, skipped: [], nulledReferences: 0}
  if (options.dryRun) {
    const ids: number[] = []
    for await (const j of readBackup(path)) ids.push(Number(j.object.id))
    for (let i = 0; i < ids.length; i += 1000) {
      const taken = await existing(db, 'object', ids.slice(i, i + 1000))
      for (const id of taken) report.skipped.push({id, reason: 'an object with this id exists'})
    }
    return report
  }
  const size = options.batchSize ?? 500
  let batch: BackedUpJob[] = []
  let done = 0
  try {
    for await (const j of readBackup(path)) {
      batch.push(j)
      if (batch.length >= size) {
        await restoreBatch(db, batch, report)
        done += batch.length
        options.onProgress?.(done, total)
        batch = []
      }
    }
    if (batch.length) {
      await restoreBatch(db, batch, report)
      done += batch.length
      options.onProgress?.(done, total)
    }
  } catch (error) {
    throw new OperationError(
      `restore stopped after ${report.restored} of ${total} jobs: ${(error as Error).message}`,
      'Each batch is a transaction: the restored jobs are complete. Run the same restore again; jobs already back are skipped.',
      {cause: error},
    )
  }
  return report
}
