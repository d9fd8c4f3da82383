import type {Writable} from 'node:stream'

import type {Database} from '../db/database.js'
import {phpCsvLine} from './csv.js'
import {type JobFilter, statusLabel, whereSql} from './filter.js'
import {idRange, jobPages, type JobNote, type JobProperty, type JobSummary, notesFor, propertiesFor} from './query.js'

export type ExportFormat = 'csv' | 'json' | 'ndjson'
export const EXPORT_FORMATS: ExportFormat[] = ['csv', 'json', 'ndjson']

/** AtoM's "Export history" columns, in its order. */
export const ATOM_CSV_HEADER = ['startDate', 'endDate', 'jobName', 'jobStatus', 'jobInfo', 'jobUser']

/** One job as AtoM's export writes it: notes joined by ` | `, `None` for no user, `N/A` for no end date. */
export function atomCsvFields(job: JobSummary, notes: JobNote[]): string[] {
  return [
    job.startedAt,
    job.completedAt ?? 'N/A',
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

/**
 * Streams every job matching the filter, in id order, a page at a time (keyset pagination; memory
 * stays flat at any row count): AtoM's CSV, a JSON array, or one JSON object per line.
 */
export async function exportJobs(db: Database, out: Writable, options: {filter: JobFilter; format: ExportFormat; pageSize?: number; onProgress?: (done: number, total: number) => void; total?: number}): Promise<ExportResult> {
  let jobs = 0
  let bytes = 0
  const emit = async (text: string) => {
    bytes += Buffer.byteLength(text)
    await write(out, text)
  }
  if (options.format === 'csv') await emit(phpCsvLine(ATOM_CSV_HEADER))
  if (options.format === 'json') await emit('[')
  for await (const page of jobPages(db, options.filter, {pageSize: options.pageSize ?? (options.format === 'csv' ? 1000 : 500)})) {
    const ids = page.map((j) => j.id)
    const notes = await notesFor(db, ids)
    const parts: string[] = []
    if (options.format === 'csv') {
      for (const j of page) parts.push(phpCsvLine(atomCsvFields(j, notes.get(j.id) ?? [])))
    } else {
      const props = await propertiesFor(db, ids)
      const range = idRange('id', ids)
      const outputs = await db.rows<{id: number; output: string | null}>(`SELECT id, output FROM job WHERE ${range.sql} AND output IS NOT NULL`, range.values)
      const outputById = new Map(outputs.map((o) => [Number(o.id), o.output]))
      for (const j of page) {
        const full: ExportedJob = {...j, output: outputById.get(j.id) ?? null, notes: notes.get(j.id) ?? [], properties: props.get(j.id) ?? []}
        const json = JSON.stringify(full)
        parts.push(options.format === 'ndjson' ? json + '\n' : (jobs === 0 && parts.length === 0 ? '\n' : ',\n') + json)
      }
    }
    jobs += page.length
    await emit(parts.join(''))
    options.onProgress?.(jobs, options.total ?? 0)
  }
  if (options.format === 'json') await emit(jobs === 0 ? ']\n' : '\n]\n')
  return {format: options.format, jobs, bytes}
}

/** How many jobs match (for the progress bar's total). */
export async function countJobs(db: Database, filter: JobFilter): Promise<number> {
  const w = whereSql(filter)
  const [{n}] = await db.rows<{n: number}>(`SELECT COUNT(*) AS n FROM job j JOIN object o ON o.id = j.id ${w.sql}`, w.values)
  return Number(n)
}
