import {createReadStream} from 'node:fs'
import {type FileHandle, mkdir, open, stat, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {PassThrough, type Readable} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'
import {promisify} from 'node:util'
import {createGunzip, gzip} from 'node:zlib'

import type {Database, Queryable, SqlValue} from '../db/database.js'

import {ConfigError, OperationError, UsageError} from '../errors.js'
import {stateDirectory} from '../settings/paths.js'
import {exactIdCondition} from './ids.js'

export const BACKUP_FORMAT = 'atom-ops-jobs-backup'
/** 1: one JSON object per job, uncompressed, written whole before any delete. 2: rows as arrays per table, a gzip member per batch, fsynced before that batch's delete. */
export const BACKUP_VERSION = 2

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
const TABLES = Object.keys(BACKUP_COLUMNS) as BackupTable[]

type Record_ = Record<string, SqlValue>

/** One job in a backup: its object and job rows, its notes and properties with their translations. */
export interface BackedUpJob {
  object: Record_
  job: Record_
  notes: Array<{note: Record_; i18n: Record_[]}>
  properties: Array<{property: Record_; i18n: Record_[]}>
}

/** Which database a backup came from: its name, and the server it lived on. */
export interface DatabaseIdentity {
  database: string
  server?: {host: string; port: number}
}

export interface BackupHeader extends DatabaseIdentity {
  format: typeof BACKUP_FORMAT
  version: number
  createdAt: string
  host: string
  selection: string
  columns?: typeof BACKUP_COLUMNS
}

export function defaultBackupPath(env: NodeJS.ProcessEnv = process.env, now = new Date()): string {
  const stamp = now.toISOString().replaceAll(/[:.]/g, '-')
  return join(backupDirectory(env), `jobs-${stamp}.ndjson.gz`)
}

export function backupDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'backups')
}

/** The database a connection is on, and the server's own name and port (a backup is restored where it came from). */
export async function databaseIdentity(db: Queryable): Promise<DatabaseIdentity> {
  const [row] = await db.rows<{db: string | null; host: string | null; port: number | null}>(
    'SELECT DATABASE() AS db, @@hostname AS host, @@port AS port',
  )
  return {database: row.db ?? '', server: row.host ? {host: row.host, port: Number(row.port)} : undefined}
}

// ---------------------------------------------------------------- reading rows

const cols = (t: BackupTable, alias: string) => BACKUP_COLUMNS[t].map((c) => `${alias}.${c}`).join(', ')

/**
 * The columns of a batch's first statement, `job j JOIN object o`: the object's backup columns, then the
 * job's. A clear's batch both locks and reads its job and object rows with them (one SELECT ... FOR UPDATE).
 */
export const OBJECT_JOB_COLUMNS = `${cols('object', 'o')}, ${cols('job', 'j')}`
const OBJECT_WIDTH = BACKUP_COLUMNS.object.length
const NOTE_WIDTH = BACKUP_COLUMNS.note.length
const PROPERTY_WIDTH = BACKUP_COLUMNS.property.length

/** A row of OBJECT_JOB_COLUMNS: the job's id, name, status and download path (what a clear needs after the delete). */
export function jobOfRow(row: SqlValue[]): {
  id: number
  name: string | null
  status_id: number | null
  download_path: string | null
} {
  const status = row[JOB_STATUS]
  return {
    id: Number(row[0]),
    name: row[JOB_NAME] as string | null,
    status_id: status === null ? null : Number(status),
    download_path: row[JOB_DOWNLOAD] as string | null,
  }
}

const JOB_NAME = OBJECT_WIDTH + BACKUP_COLUMNS.job.indexOf('name')
const JOB_STATUS = OBJECT_WIDTH + BACKUP_COLUMNS.job.indexOf('status_id')
const JOB_DOWNLOAD = OBJECT_WIDTH + BACKUP_COLUMNS.job.indexOf('download_path')

/** Where rows of one table go as soon as they are read (a backup compresses them while the next read runs). */
export type RowSink = (table: BackupTable, rows: SqlValue[][]) => void

/**
 * The notes and properties of these jobs (exact ids), each with its translations in the same statement
 * (a join on object_id, not a list of note or property ids), handed to `sink` table by table as each
 * statement returns; locked FOR UPDATE when asked.
 */
export async function readChildRows(
  tx: Queryable,
  ids: number[],
  options: {lock: boolean},
  sink: RowSink,
): Promise<void> {
  if (ids.length === 0) return
  const lock = options.lock ? ' FOR UPDATE' : ''
  const nc = exactIdCondition('n.object_id', ids)
  const notes = await tx.arrays(
    `SELECT ${cols('note', 'n')}, ${cols('note_i18n', 'x')} FROM note n LEFT JOIN note_i18n x ON x.id = n.id WHERE ${nc.sql} ORDER BY n.id, x.culture${lock}`,
    nc.values,
  )
  split(notes, NOTE_WIDTH, 'note', 'note_i18n', sink)
  const pc = exactIdCondition('p.object_id', ids)
  const props = await tx.arrays(
    `SELECT ${cols('property', 'p')}, ${cols('property_i18n', 'x')} FROM property p LEFT JOIN property_i18n x ON x.id = p.id WHERE ${pc.sql} ORDER BY p.id, x.culture${lock}`,
    pc.values,
  )
  split(props, PROPERTY_WIDTH, 'property', 'property_i18n', sink)
}

/** Rows of `parent LEFT JOIN parent_i18n` (ordered by the parent's id) as the parent rows, once each, and the translations. */
function split(joined: SqlValue[][], width: number, parent: BackupTable, i18n: BackupTable, sink: RowSink): void {
  const parents: SqlValue[][] = []
  const translations: SqlValue[][] = []
  let last: SqlValue | undefined
  for (const row of joined) {
    if (row[0] !== last) {
      parents.push(row.slice(0, width))
      last = row[0]
    }

    if (row[width] !== null) translations.push(row.slice(width))
  }

  sink(parent, parents)
  sink(i18n, translations)
}

/** Every row of these jobs (exact ids) in the six tables, as arrays in BACKUP_COLUMNS order; locked FOR UPDATE when asked. */
export async function readJobRows(
  tx: Queryable,
  ids: number[],
  options: {lock: boolean},
): Promise<Record<BackupTable, SqlValue[][]>> {
  const rows = Object.fromEntries(TABLES.map((t) => [t, []])) as unknown as Record<BackupTable, SqlValue[][]>
  if (ids.length === 0) return rows
  const oc = exactIdCondition('o.id', ids)
  // The object and job rows first, so their locks come first.
  const head = await tx.arrays(
    `SELECT ${OBJECT_JOB_COLUMNS} FROM object o JOIN job j ON j.id = o.id WHERE ${oc.sql} AND o.class_name = 'QubitJob' ORDER BY o.id${options.lock ? ' FOR UPDATE' : ''}`,
    oc.values,
  )
  rows.object = head.map((r) => r.slice(0, OBJECT_WIDTH))
  rows.job = head.map((r) => r.slice(OBJECT_WIDTH))
  await readChildRows(tx, ids, options, (table, r) => {
    rows[table] = r
  })
  return rows
}

// ---------------------------------------------------------------- writing

const gzipAsync = promisify(gzip)

/**
 * A backup being written (format 2): a header, then per batch the rows of its jobs as JSON arrays, one
 * line each (`["o", ...]` object, `["j", ...]` job, `["n", ...]`, `["ni", ...]`, `["p", ...]`,
 * `["pi", ...]`) and a marker `{"batch":N,"jobs":K}`; a gzip member per table of a batch (level 1,
 * compressed off the main thread while the next table is read) and one for its marker, all written and
 * fsynced before the batch's rows are deleted; a trailer when the run ends. A run that was killed leaves
 * every batch it deleted in the file, only the trailer missing; also the batch it was deleting when it was
 * killed: whole if the kill came after its fsync (its rows are still in the database, and restore skips
 * ids that exist), else part of it without its marker, which is never read. Readers see the same lines
 * whatever the member boundaries, so this is still format 2.
 */
export class BackupWriter {
  jobs = 0
  batches = 0

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Refuses an existing file before anything else happens (atom-ops never overwrites a backup). */
  static async checkPath(path: string): Promise<void> {
    try {
      await stat(path)
    } catch {
      return
    }

    throw new UsageError(
      `the backup file ${path} already exists`,
      'Choose another --backup FILE; atom-ops never overwrites a backup.',
    )
  }

  static async create(path: string, header: DatabaseIdentity & {selection: string}): Promise<BackupWriter> {
    await mkdir(dirname(path), {recursive: true, mode: 0o700}).catch((error) => {
      throw new ConfigError(
        `cannot create the backup directory ${dirname(path)}: ${(error as Error).message}`,
        'Give a writable place with --backup FILE.',
      )
    })
    let handle: FileHandle
    try {
      handle = await open(path, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        return BackupWriter.checkPath(path).then(() => BackupWriter.create(path, header))
      throw new ConfigError(
        `cannot write the backup file ${path}: ${(error as Error).message}`,
        'Give a writable place with --backup FILE.',
      )
    }

    const w = new BackupWriter(path, handle)
    const full: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      host: hostname(),
      ...header,
      columns: BACKUP_COLUMNS,
    }
    await w.member(JSON.stringify(full) + '\n')
    // The directory entry must survive a crash too.
    await syncDirectory(dirname(path))
    return w
  }

  private async member(text: string): Promise<void> {
    await writeAll(this.handle, await gzipAsync(text, {level: 1}))
    await this.handle.sync()
  }

  /**
   * Starts a batch: each table's rows are compressed (gzip level 1, a member per table, off the main
   * thread) as soon as they are added, while the next table is read; `write()` writes them in table order
   * with the batch's marker and fsyncs: only then may the batch's rows be deleted.
   */
  batch(): BackupBatch {
    return new BackupBatch(this)
  }

  /** One batch of rows (readJobRows), fsynced on return: only then may its rows be deleted. */
  async writeBatch(rows: Record<BackupTable, SqlValue[][]>): Promise<void> {
    const batch = this.batch()
    for (const table of TABLES) batch.add(table, rows[table])
    await batch.write()
  }

  /** BackupBatch.write's step (internal): the batch's members (compressed), its marker, one write, one fsync. */
  async commitBatch(members: Array<Promise<Buffer>>, jobs: number): Promise<void> {
    this.batches++
    const marker = gzipAsync(JSON.stringify({batch: this.batches, jobs}) + '\n', {level: 1})
    await writeAll(this.handle, Buffer.concat(await Promise.all([...members, marker])))
    await this.handle.sync()
    this.jobs += jobs
    this.lastBatchJobs = jobs
  }

  /** The last batch's delete did not commit: its rows are still in the database. */
  async rolledBack(): Promise<void> {
    await this.member(JSON.stringify({rolledBack: this.batches}) + '\n')
    this.jobs -= this.lastBatchJobs ?? 0
  }

  private lastBatchJobs?: number

  /** The trailer (how many jobs, and why it stopped early if it did), then the file is closed. */
  async finish(stopped?: 'interrupted' | 'failed'): Promise<void> {
    await this.member(
      JSON.stringify({end: true, jobs: this.jobs, batches: this.batches, ...(stopped ? {stopped} : {})}) + '\n',
    )
    await this.handle.close()
  }

  /** Gives up: a file that holds no deleted job is removed (nothing was deleted on its strength); else it is kept, closed. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    if (this.jobs === 0) await unlink(this.path).catch(() => undefined)
  }

  /** Ends a run that stopped early: the trailer says why; a file that holds no deleted job is removed instead. */
  async stop(why: 'interrupted' | 'failed'): Promise<void> {
    if (this.jobs === 0) return this.abandon()
    await this.finish(why).catch(() => this.abandon())
  }
}

/** One batch being written: see BackupWriter.batch(). */
export class BackupBatch {
  private readonly members: Array<Promise<Buffer>> = []
  private jobs = 0
  private written = false

  constructor(private readonly writer: BackupWriter) {}

  /** A table's rows (BACKUP_COLUMNS order), in table order (object, job, note, note_i18n, property, property_i18n): compression starts now. */
  readonly add = (table: BackupTable, rows: SqlValue[][]): void => {
    if (this.written) throw new Error('a backup batch was added to after it was written')
    if (table === 'object') this.jobs += rows.length
    if (rows.length === 0) return
    const member = gzipAsync(linesOf(TAG[table], rows), {level: 1})
    // Awaited in write(); a batch given up before that must not leave an unhandled rejection.
    member.catch(() => undefined)
    this.members.push(member)
  }

  /** Rows of OBJECT_JOB_COLUMNS (a clear's first statement): the object rows, then the job rows. */
  addObjectJobRows(rows: SqlValue[][]): void {
    this.add(
      'object',
      rows.map((r) => r.slice(0, OBJECT_WIDTH)),
    )
    this.add(
      'job',
      rows.map((r) => r.slice(OBJECT_WIDTH)),
    )
  }

  /** Writes the batch and its marker and fsyncs: only then may its rows be deleted. */
  async write(): Promise<void> {
    this.written = true
    await this.writer.commitBatch(this.members, this.jobs)
  }
}

/** Rows as lines `["tag",v1,v2,...]`: one JSON.stringify per row array, no object per row. */
function linesOf(tag: string, rows: SqlValue[][]): string {
  const prefix = `["${tag}",`
  let out = ''
  for (const row of rows)
    out += prefix + JSON.stringify(row.some((v) => Buffer.isBuffer(v)) ? row.map(plain) : row).slice(1) + '\n'
  return out
}

/** The whole buffer, however many writes it takes. */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let done = 0
  while (done < data.length) done += (await handle.write(data, done, data.length - done)).bytesWritten
}

const TAG: Record<BackupTable, string> = {
  object: 'o',
  job: 'j',
  note: 'n',
  note_i18n: 'ni',
  property: 'p',
  property_i18n: 'pi',
}
const TABLE_OF_TAG = new Map(Object.entries(TAG).map(([t, tag]) => [tag, t as BackupTable]))

/** Buffers (binary columns) as text; everything else as the driver gave it. */
function plain(v: SqlValue): SqlValue {
  return Buffer.isBuffer(v) ? v.toString('utf8') : v
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

// ---------------------------------------------------------------- reading a backup

/** What reading a backup meets, in file order. */
export type BackupEntry =
  | {kind: 'header'; header: BackupHeader}
  | {kind: 'job'; job: BackedUpJob; batch: number; line: number}
  | {kind: 'rolled-back'; batch: number}
  /** A row of this job's was in the file twice, word for word: read once. */
  | {kind: 'repeated-line'; job: number}
  | {kind: 'end'; jobs: number; stopped?: string}

/** The lines of a backup, gzip or plain (format 1 files are plain), ending quietly where a killed writer left it cut. */
async function* backupLines(path: string): AsyncGenerator<string> {
  let raw: Readable
  let gzipped = false
  try {
    const handle = await open(path, 'r')
    const head = Buffer.alloc(2)
    await handle.read(head, 0, 2, 0)
    await handle.close()
    raw = createReadStream(path)
    gzipped = head[0] === 0x1f && head[1] === 0x8b
  } catch (error) {
    throw new UsageError(
      `cannot read the backup ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'Give the path `jobs clear` printed (see `atom-ops jobs backups`).',
    )
  }

  if (!gzipped) {
    yield* createInterface({input: raw, crlfDelay: Infinity})
    return
  }

  // A batch cut short by a crash is a gzip member cut short: the lines before it still count, and the
  // line it leaves unfinished (no newline) is dropped, not read as a damaged one.
  const gunzip = createGunzip()
  const out = new PassThrough()
  let cut = false
  gunzip.on('error', () => {
    cut = true
    out.end()
  })
  raw.pipe(gunzip).pipe(out)
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of out) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n')
    rest = lines.pop()!
    yield* lines
  }

  rest += decoder.end()
  if (rest !== '' && !cut) yield rest
}

function damaged(path: string, lineNo: number, why: string): UsageError {
  return new UsageError(
    `${path} line ${lineNo}: ${why}: not an atom-ops backup, or one that was changed`,
    'Nothing was restored from it.',
  )
}

/** A row array of a table as a record of its columns. */
function record(table: BackupTable, values: unknown[], path: string, lineNo: number): Record_ {
  const columns = BACKUP_COLUMNS[table]
  if (values.length !== columns.length)
    throw damaged(path, lineNo, `a ${table} row with ${values.length} values, not ${columns.length}`)
  return Object.fromEntries(columns.map((c, i) => [c, values[i] as SqlValue]))
}

/** Format 2: the rows of one batch put together into jobs, each checked to be a job and its own children. */
function assembleBatch(
  rows: Array<{table: BackupTable; row: Record_; line: number; text: string}>,
  path: string,
): {jobs: Array<{job: BackedUpJob; line: number}>; repeated: number[]} {
  const jobs = new Map<number, {job: BackedUpJob; line: number}>()
  const objects = new Map<number, {row: Record_; line: number}>()
  const notes = new Map<number, {note: Record_; i18n: Record_[]}>()
  const props = new Map<number, {property: Record_; i18n: Record_[]}>()
  const lines = new Set<string>()
  const repeated = new Set<number>()
  for (const {table, row, line, text} of rows) {
    const id = Number(row.id)
    // A line repeated word for word (a file edited by hand, a copy pasted twice) counts once, reported.
    if (lines.has(text)) {
      const owner =
        table === 'object' || table === 'job'
          ? id
          : table === 'note_i18n'
            ? notes.get(id)?.note.object_id
            : table === 'property_i18n'
              ? props.get(id)?.property.object_id
              : row.object_id
      repeated.add(Number(owner))
      continue
    }

    lines.add(text)
    switch (table) {
      case 'object': {
        objects.set(id, {row, line})
        break
      }

      case 'job': {
        const object = objects.get(id)
        if (!object) throw damaged(path, line, `job ${id} without its object row`)
        jobs.set(id, {job: {object: object.row, job: row, notes: [], properties: []}, line: object.line})

        break
      }

      case 'note':
      case 'property': {
        const owner = jobs.get(Number(row.object_id))
        if (!owner)
          throw damaged(path, line, `a ${table} of object ${row.object_id}, which is not one of this file's jobs`)
        if (table === 'note') {
          const n = {note: row, i18n: []}
          notes.set(id, n)
          owner.job.notes.push(n)
        } else {
          const p = {property: row, i18n: []}
          props.set(id, p)
          owner.job.properties.push(p)
        }

        break
      }

      default: {
        const parent = table === 'note_i18n' ? notes.get(id) : props.get(id)
        if (!parent)
          throw damaged(
            path,
            line,
            `a ${table} row of ${table === 'note_i18n' ? 'note' : 'property'} ${id}, which is not one of this file's`,
          )
        parent.i18n.push(row)
      }
    }
  }

  return {jobs: [...jobs.values()], repeated: [...repeated]}
}

/**
 * Reads a backup of either format a job at a time, checking as it goes that every entry is a QubitJob
 * with its own notes and properties (a changed file is refused, never half trusted). Format 1 must end
 * with its trailer; format 2 may end early (the clear that wrote it was killed), and then holds every
 * batch that was deleted.
 */
export async function* readBackup(path: string): AsyncGenerator<BackupEntry> {
  let lineNo = 0
  let header: BackupHeader | undefined
  let pending: Array<{table: BackupTable; row: Record_; line: number; text: string}> = []
  let batch = 0
  let count = 0
  let ended = false
  for await (const line of backupLines(path)) {
    lineNo++
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw damaged(path, lineNo, 'not JSON')
    }

    if (!header) {
      const h = value as Partial<BackupHeader>
      if (h.format !== BACKUP_FORMAT)
        throw new UsageError(
          `${path} is not an atom-ops jobs backup`,
          'Give a file written by `atom-ops jobs clear` or `jobs kill --delete`.',
        )
      if (h.version !== 1 && h.version !== 2)
        throw new UsageError(`${path} is a backup of format version ${h.version}; this atom-ops reads versions 1 and 2`)
      header = h as BackupHeader
      yield {kind: 'header', header}
      continue
    }

    if (ended) throw damaged(path, lineNo, 'data after the trailer')
    if (Array.isArray(value) && header.version === 2) {
      const table = TABLE_OF_TAG.get(String(value[0]))
      if (!table) throw damaged(path, lineNo, `an unknown row kind ${JSON.stringify(value[0])}`)
      pending.push({table, row: record(table, value.slice(1), path, lineNo), line: lineNo, text: line})
      continue
    }

    const v = value as Partial<BackedUpJob> & {
      end?: boolean
      jobs?: number
      stopped?: string
      batch?: number
      rolledBack?: number
    }
    if (v.end === true) {
      if (header.version === 1 && v.jobs !== count)
        throw new UsageError(
          `${path} says it holds ${v.jobs} jobs but has ${count}`,
          'The file was changed after atom-ops wrote it.',
        )
      ended = true
      yield {kind: 'end', jobs: Number(v.jobs), stopped: v.stopped}
      continue
    }

    if (header.version === 2 && typeof v.batch === 'number') {
      batch = v.batch
      const {jobs, repeated} = assembleBatch(pending, path)
      if (jobs.length !== v.jobs)
        throw damaged(path, lineNo, `batch ${v.batch} says ${v.jobs} jobs but holds ${jobs.length}`)
      for (const j of jobs) yield {kind: 'job', job: j.job, batch, line: j.line}
      for (const id of repeated) yield {kind: 'repeated-line', job: id}
      count += jobs.length
      pending = []
      continue
    }

    if (header.version === 2 && typeof v.rolledBack === 'number') {
      yield {kind: 'rolled-back', batch: v.rolledBack}
      continue
    }

    if (header.version === 1 && v.object && v.job && Array.isArray(v.notes) && Array.isArray(v.properties)) {
      checkFormat1Job(v as BackedUpJob, path, lineNo)
      count++
      yield {kind: 'job', job: v as BackedUpJob, batch: 0, line: lineNo}
      continue
    }

    throw damaged(path, lineNo, 'not a backed-up job')
  }

  if (!header) throw new UsageError(`${path} is empty`, 'Nothing was restored from it.')
  if (!ended && header.version === 1) {
    throw new UsageError(
      `${path} is incomplete (no trailer after ${count} jobs)`,
      'It was cut short while being written; its jobs were never deleted by atom-ops (format 1 deletes only after a complete backup).',
    )
  }
}

/** Format 1 nests notes and properties in their job: they must point at it, and their translations at them. */
function checkFormat1Job(j: BackedUpJob, path: string, lineNo: number): void {
  const id = Number(j.object.id)
  if (Number(j.job.id) !== id) throw damaged(path, lineNo, `job ${j.job.id} in object ${id}`)
  for (const n of j.notes) {
    if (Number(n.note.object_id) !== id)
      throw damaged(path, lineNo, `a note of object ${n.note.object_id} inside job ${id}`)
    if (n.i18n.some((x) => Number(x.id) !== Number(n.note.id)))
      throw damaged(path, lineNo, `a note translation of another note inside job ${id}`)
  }

  for (const p of j.properties) {
    if (Number(p.property.object_id) !== id)
      throw damaged(path, lineNo, `a property of object ${p.property.object_id} inside job ${id}`)
    if (p.i18n.some((x) => Number(x.id) !== Number(p.property.id)))
      throw damaged(path, lineNo, `a property translation of another property inside job ${id}`)
  }
}

// ---------------------------------------------------------------- restoring

export interface BackupSummary {
  header: BackupHeader
  /** Jobs to restore: in committed batches, first occurrence of each id. */
  jobs: number
  /** Job ids found more than once: the first is restored, the others reported. */
  duplicates: number[]
  /** Batches whose delete was rolled back: their jobs are still in the database and are not restored. */
  rolledBack: number[]
  /** False when the file has no trailer (the run that wrote it was killed): what it holds is still complete per batch. */
  complete: boolean
  stopped?: string
}

/** Reads a whole backup once, checking every entry, before anything is written. */
export async function summariseBackup(path: string): Promise<BackupSummary> {
  let header: BackupHeader | undefined
  // Ids per batch, in file order: a batch rolled back (its marker comes after it) and retried holds the
  // same ids as the retry, which are not duplicates.
  const idsPerBatch = new Map<number, number[]>()
  const rolledBack: number[] = []
  const repeatedLines: number[] = []
  let complete = false
  let stopped: string | undefined
  for await (const e of readBackup(path)) {
    switch (e.kind) {
      case 'header': {
        header = e.header
        break
      }

      case 'job': {
        const id = Number(e.job.object.id)
        if (String(e.job.object.class_name) !== 'QubitJob')
          throw damaged(path, e.line, `object ${id} is a ${e.job.object.class_name}, not a job`)
        const ids = idsPerBatch.get(e.batch) ?? []
        ids.push(id)
        idsPerBatch.set(e.batch, ids)

        break
      }

      case 'rolled-back': {
        rolledBack.push(e.batch)
        break
      }

      case 'repeated-line': {
        repeatedLines.push(e.job)
        break
      }

      default: {
        complete = true
        stopped = e.stopped
      }
    }
  }

  const seen = new Set<number>()
  const duplicates: number[] = [...repeatedLines]
  for (const [batch, ids] of idsPerBatch) {
    if (rolledBack.includes(batch)) continue
    for (const id of ids) {
      if (seen.has(id)) duplicates.push(id)
      else seen.add(id)
    }
  }

  return {header: header!, jobs: seen.size, duplicates, rolledBack, complete, stopped}
}

export interface RestoreReport {
  file: string
  format: number
  dryRun: boolean
  jobs: number
  restored: number
  /** Jobs whose id (or a note's or property's id) is taken in the database: left out. */
  skipped: Array<{id: number; reason: string}>
  /** Job ids the file holds more than once: restored once. */
  duplicates: number[]
  /** The file ends without its trailer (the run that wrote it was killed); every batch it holds was restored. */
  incomplete: boolean
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

async function existing(
  db: Queryable,
  table: 'object' | 'note' | 'property' | 'user' | 'term',
  ids: number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const unique = [...new Set(ids)]
  const rows = await db.rows<{id: number}>(
    `SELECT id FROM ${table} WHERE id IN (${unique.map(() => '?').join(', ')})`,
    unique,
  )
  return new Set(rows.map((r) => Number(r.id)))
}

const num = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v))

/** Inserts a batch of backed-up jobs in one transaction, ids and all; conflicts are skipped and reported. */
async function restoreBatch(db: Database, batch: BackedUpJob[], report: RestoreReport): Promise<void> {
  await db.transaction(async (tx) => {
    const takenObjects = await existing(
      tx,
      'object',
      batch.map((j) => Number(j.object.id)),
    )
    const takenNotes = await existing(
      tx,
      'note',
      batch.flatMap((j) => j.notes.map((n) => Number(n.note.id))),
    )
    const takenProps = await existing(
      tx,
      'property',
      batch.flatMap((j) => j.properties.map((p) => Number(p.property.id))),
    )
    const ok: BackedUpJob[] = []
    for (const j of batch) {
      const id = Number(j.object.id)
      if (takenObjects.has(id)) report.skipped.push({id, reason: 'an object with this id exists'})
      else if (j.notes.some((n) => takenNotes.has(Number(n.note.id))))
        report.skipped.push({id, reason: 'a note id of this job is taken'})
      else if (j.properties.some((p) => takenProps.has(Number(p.property.id))))
        report.skipped.push({id, reason: 'a property id of this job is taken'})
      else ok.push(j)
    }

    if (ok.length === 0) return
    const userIds = ok
      .flatMap((j) => [num(j.job.user_id), ...j.notes.map((n) => num(n.note.user_id))])
      .filter((x): x is number => x !== null)
    const objectRefs = ok.map((j) => num(j.job.object_id)).filter((x): x is number => x !== null)
    const termIds = ok
      .flatMap((j) => [num(j.job.status_id), ...j.notes.map((n) => num(n.note.type_id))])
      .filter((x): x is number => x !== null)
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

    const insert = async (table: BackupTable, rows: Record_[]) => {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000)
        await tx.execute(
          insertSql(table, chunk.length),
          chunk.flatMap((r) => valuesOf(table, r)),
        )
      }
    }

    await insert(
      'object',
      ok.map((j) => j.object),
    )
    await insert(
      'job',
      ok.map((j) => fix(fix(fix(j.job, 'user_id', users), 'object_id', objects, restoredIds), 'status_id', terms)),
    )
    await insert(
      'note',
      ok.flatMap((j) => j.notes.map((n) => fix(fix(n.note, 'user_id', users), 'type_id', terms))),
    )
    await insert(
      'note_i18n',
      ok.flatMap((j) => j.notes.flatMap((n) => n.i18n)),
    )
    await insert(
      'property',
      ok.flatMap((j) => j.properties.map((p) => p.property)),
    )
    await insert(
      'property_i18n',
      ok.flatMap((j) => j.properties.flatMap((p) => p.i18n)),
    )
    report.restored += ok.length
  })
}

/** The same database: by name, and (format 2) by the server's own name and port. */
function sameDatabase(from: DatabaseIdentity, here: DatabaseIdentity): boolean {
  if (from.database !== here.database) return false
  return (
    !from.server || !here.server || (from.server.host === here.server.host && from.server.port === here.server.port)
  )
}

const describeIdentity = (d: DatabaseIdentity) =>
  `${d.database}${d.server ? ` on ${d.server.host}:${d.server.port}` : ''}`

/**
 * Puts a backup back, ids and all, in batches (each a transaction). The whole file is read and checked
 * first (format, every entry a job with its own children), so a changed file restores nothing; a
 * backup of another database is refused unless `intoOtherDatabase`. Jobs whose ids are taken are skipped;
 * a job found twice is restored once; batches whose delete was rolled back are left out.
 */
export async function restoreBackup(
  db: Database,
  path: string,
  options: {
    dryRun?: boolean
    intoOtherDatabase?: boolean
    batchSize?: number
    onProgress?: (done: number, total: number) => void
  } = {},
): Promise<RestoreReport> {
  const summary = await summariseBackup(path)
  const here = await databaseIdentity(db)
  if (!options.intoOtherDatabase && !sameDatabase(summary.header, here)) {
    throw new UsageError(
      `${path} is a backup of ${describeIdentity(summary.header)}, not of ${describeIdentity(here)}`,
      'Restore it where it came from, or add --into-other-database if putting these jobs into this database is really what you want.',
    )
  }

  const report: RestoreReport = {
    file: path,
    format: summary.header.version,
    dryRun: Boolean(options.dryRun),
    jobs: summary.jobs,
    restored: 0,
    skipped: [],
    duplicates: summary.duplicates,
    incomplete: !summary.complete,
    nulledReferences: 0,
  }
  const wanted = async function* (): AsyncGenerator<BackedUpJob> {
    const seen = new Set<number>()
    for await (const e of readBackup(path)) {
      if (e.kind !== 'job' || summary.rolledBack.includes(e.batch)) continue
      const id = Number(e.job.object.id)
      if (seen.has(id)) continue
      seen.add(id)
      yield e.job
    }
  }

  if (options.dryRun) {
    let ids: number[] = []
    const check = async () => {
      for (const id of await existing(db, 'object', ids))
        report.skipped.push({id, reason: 'an object with this id exists'})
      ids = []
    }

    for await (const j of wanted()) {
      ids.push(Number(j.object.id))
      if (ids.length >= 1000) await check()
    }

    await check()
    return report
  }

  const size = options.batchSize ?? 2000
  let batch: BackedUpJob[] = []
  let done = 0
  const flush = async () => {
    await restoreBatch(db, batch, report)
    done += batch.length
    options.onProgress?.(done, summary.jobs)
    batch = []
  }

  try {
    for await (const j of wanted()) {
      batch.push(j)
      if (batch.length >= size) await flush()
    }

    if (batch.length > 0) await flush()
  } catch (error) {
    throw new OperationError(
      `restore stopped after ${report.restored} of ${summary.jobs} jobs: ${(error as Error).message}`,
      'Each batch is a transaction: the restored jobs are complete. Run the same restore again; jobs already back are skipped.',
      {cause: error},
    )
  }

  return report
}
