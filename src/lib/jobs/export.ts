import type {Writable} from 'node:stream'

import type {AtomClock} from '../atom/clock.js'
import type {Database} from '../db/database.js'

import {describeError, OperationError} from '../errors.js'
import {phpCsvLine} from './csv.js'
import {fixTimes, type JobFilter, statusLabel, whereSql} from './filter.js'
import {idRange} from './ids.js'
import {type JobNote, jobPages, type JobProperty, type JobSummary, notesFor, propertiesFor} from './query.js'

export type ExportFormat = 'csv' | 'json' | 'ndjson'
export const EXPORT_FORMATS: ExportFormat[] = ['csv', 'json', 'ndjson']

/** AtoM's "Export history" columns, in its order. */
export const ATOM_CSV_HEADER = ['startDate', 'endDate', 'jobName', 'jobStatus', 'jobInfo', 'jobUser']

/**
 * A date as AtoM's export writes it (PHP's `Y-m-d h:i A` of the wall time it stored), `N/A` when
 * there is none: `2026-12-01 05:15 PM`.
 */
export function atomCsvDate(iso: string | null): string {
  const m = iso === null ? null : /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})/.exec(iso)
  if (!m) return 'N/A'
  const hour = Number(m[2])
  return `${m[1]} ${String(hour % 12 === 0 ? 12 : hour % 12).padStart(2, '0')}:${m[3]} ${hour < 12 ? 'AM' : 'PM'}`
}

/** One job as AtoM's export writes it: notes joined by ` | `, `None` for no user, `N/A` for no date. */
export function atomCsvFields(job: JobSummary, notes: JobNote[]): string[] {
  return [
    atomCsvDate(job.startedAt),
    atomCsvDate(job.completedAt),
    job.name ?? '',
    statusLabel(job.statusId),
    notes.map((n) => n.content ?? '').join(' | '),
    job.user ?? 'None',
  ]
}

export interface ExportedJob extends JobSummary {
  output: string | null
  notes: JobNote[]
  properties: JobProperty[]
}

export interface ExportResult {
  format: ExportFormat
  jobs: number
  bytes: number
}

/** Writes with backpressure: waits for 'drain' when the destination is full. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        out.off('error', onError)
        resolve()
      }

      const onError = (e: Error) => {
        out.off('drain', onDrain)
        reject(e)
      }

      out.once('drain', onDrain)
      out.once('error', onError)
    })
  }
}

/** An export stopped by its caller (SIGINT, SIGTERM) after `jobs` jobs were written. */
export class ExportInterrupted extends OperationError {
  constructor(readonly jobs: number) {
    super(
      `interrupted: the export stopped after ${jobs} jobs`,
      'What was written so far is incomplete. Run the export again.',
    )
  }
}

/**
 * Streams every job matching the filter, in id order, a page at a time (keyset pagination; memory
 * stays flat at any row count): AtoM's CSV (cells neutralised for spreadsheets and terminals unless
 * `raw`), a JSON array, or one JSON object per line (always exact). A failure
 * after the first row says how many jobs were written (the output is incomplete); `signal` stops it
 * after the current page.
 */
export async function exportJobs(
  db: Database,
  clock: AtomClock,
  out: Writable,
  options: {
    filter: JobFilter
    format: ExportFormat
    pageSize?: number
    onProgress?: (done: number, total: number) => void
    total?: number
    signal?: AbortSignal
    raw?: boolean
  },
): Promise<ExportResult> {
  const progress = {jobs: 0, bytes: 0}
  try {
    await writeExport(db, clock, out, {...options, filter: fixTimes(options.filter, clock)}, progress)
  } catch (error) {
    // Before the first row nothing is lost (an unreachable server stays exit 4); after it the reader must know.
    if (progress.jobs === 0 || error instanceof ExportInterrupted) throw error
    throw new OperationError(
      `the export stopped after ${progress.jobs} jobs: ${describeError(error)}`,
      'What was written so far is incomplete. Fix the cause and run the export again.',
      {cause: error},
    )
  }

  return {format: options.format, jobs: progress.jobs, bytes: progress.bytes}
}

/**
 * Text is written in pieces of about this many characters, never a whole page at once: V8 puts a string
 * over 128 KiB straight into its old generation (large-object space), where it stays until a full
 * collection; a page per string (ndjson, 500 jobs: 180 KB) grew the heap by tens of MB between
 * collections and peak RSS past 150 MB. Pieces this size die young.
 */
const PIECE_CHARS = 32 * 1024

async function writeExport(
  db: Database,
  clock: AtomClock,
  out: Writable,
  options: Parameters<typeof exportJobs>[3],
  progress: {jobs: number; bytes: number},
): Promise<void> {
  const emit = async (text: string) => {
    progress.bytes += Buffer.byteLength(text)
    await write(out, text)
  }

  let parts: string[] = []
  let length = 0
  /** Queues a row's text; a piece to write once there is enough (awaited only then: no promise per row). */
  const add = (text: string): string | undefined => {
    parts.push(text)
    length += text.length
    return length < PIECE_CHARS ? undefined : take()
  }

  const take = (): string => {
    const piece = parts.join('')
    parts = []
    length = 0
    return piece
  }

  if (options.format === 'csv') await emit(phpCsvLine(ATOM_CSV_HEADER))
  if (options.format === 'json') await emit('[')
  for await (const page of jobPages(db, clock, options.filter, {
    pageSize: options.pageSize ?? (options.format === 'csv' ? 1000 : 500),
  })) {
    if (options.signal?.aborted) throw new ExportInterrupted(progress.jobs)
    const ids = page.map((j) => j.id)
    const notes = await notesFor(db, ids)
    if (options.format === 'csv') {
      for (const j of page) {
        const piece = add(phpCsvLine(atomCsvFields(j, notes.get(j.id) ?? []), {raw: options.raw}))
        if (piece !== undefined) await emit(piece)
      }
    } else {
      const props = await propertiesFor(db, ids)
      const range = idRange('id', ids)
      const outputs = await db.rows<{id: number; output: string | null}>(
        `SELECT id, output FROM job WHERE ${range.sql} AND output IS NOT NULL`,
        range.values,
      )
      const outputById = new Map(outputs.map((o) => [Number(o.id), o.output]))
      for (const [i, element] of page.entries()) {
        const json = JSON.stringify(
          exported(
            element,
            outputById.get(element.id) ?? null,
            notes.get(element.id) ?? [],
            props.get(element.id) ?? [],
          ),
        )
        const piece = add(
          options.format === 'ndjson' ? json + '\n' : (progress.jobs === 0 && i === 0 ? '\n' : ',\n') + json,
        )
        if (piece !== undefined) await emit(piece)
      }
    }

    progress.jobs += page.length
    if (length > 0) await emit(take())
    options.onProgress?.(progress.jobs, options.total ?? 0)
  }

  if (options.format === 'json') await emit(progress.jobs === 0 ? ']\n' : '\n]\n')
}

/**
 * One job as ndjson and json write it: the summary's fields in their order, then output, notes and
 * properties. Spelt out rather than spread (`{...job, output}`): a million spreads were a seventh of the
 * export's CPU time. Every field of ExportedJob is required, so a new one cannot be left out.
 */
function exported(j: JobSummary, output: string | null, notes: JobNote[], properties: JobProperty[]): ExportedJob {
  return {
    id: j.id,
    name: j.name,
    status: j.status,
    statusId: j.statusId,
    userId: j.userId,
    user: j.user,
    startedAt: j.startedAt,
    completedAt: j.completedAt,
    seconds: j.seconds,
    objectId: j.objectId,
    related: j.related,
    downloadPath: j.downloadPath,
    output,
    notes,
    properties,
  }
}

/** How many jobs match (for the progress bar's total). */
export async function countJobs(db: Database, clock: AtomClock, filter: JobFilter): Promise<number> {
  const w = whereSql(fixTimes(filter, clock))
  const [{n}] = await db.rows<{n: number}>(
    `SELECT COUNT(*) AS n FROM job j JOIN object o ON o.id = j.id ${w.sql}`,
    w.values,
  )
  return Number(n)
}
