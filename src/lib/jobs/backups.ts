import {readdir, stat, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import {backupDirectory, summariseBackup} from './backup.js'

/** One backup in the state directory, as `jobs backups` lists it. */
export interface BackupFile {
  path: string
  bytes: number
  /** When it was written (the file's time). */
  modified: string
  format: number | null
  /** Jobs it holds (its trailer's count, or the jobs read when it has none); null when it cannot be read. */
  jobs: number | null
  /** Written whole (a trailer); false for a run that was killed (what it holds is still complete per batch). */
  complete: boolean | null
  selection: string | null
  database: string | null
  problem?: string
}

/** Backups atom-ops wrote here: `jobs-<time>.ndjson` (format 1) and `jobs-<time>.ndjson.gz` (format 2). */
const BACKUP_NAME = /^jobs-[0-9TZ-]+\.ndjson(\.gz)?$/
/** Unfinished format 1 backups: never the basis of a delete (format 1 deleted only after a complete file). */
const PARTIAL_NAME = /^jobs-[0-9TZ-]+\.ndjson\.partial$/

async function describe(path: string): Promise<BackupFile> {
  const st = await stat(path)
  const base: BackupFile = {
    path,
    bytes: st.size,
    modified: st.mtime.toISOString(),
    format: null,
    jobs: null,
    complete: null,
    selection: null,
    database: null,
  }
  try {
    const summary = await summariseBackup(path)
    return {
      ...base,
      format: summary.header.version,
      selection: summary.header.selection,
      database: summary.header.database,
      jobs: summary.jobs,
      complete: summary.complete,
    }
  } catch (error) {
    return {...base, problem: (error as Error).message}
  }
}

/** The backups in the state directory, oldest first. */
export async function listBackups(dir = backupDirectory()): Promise<BackupFile[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }

  const files = await Promise.all(names.filter((n) => BACKUP_NAME.test(n)).map((n) => describe(join(dir, n))))
  return files.sort((a, b) => a.modified.localeCompare(b.modified) || a.path.localeCompare(b.path))
}

/** `jobs backups`: the list, and what --prune removed. */
export interface BackupsReport {
  directory: string
  backups: BackupFile[]
  /** Unfinished format-1 backups removed (left by killed runs of an older atom-ops). */
  stalePartials: {files: number; bytes: number}
  prune?: {dryRun: boolean; remove: string[]; removed: string[]; failed: Array<{path: string; error: string}>}
}

export interface PrunePlan {
  keep: BackupFile[]
  remove: BackupFile[]
}

/** Which backups go: all but the newest `keep`, and/or those older than `olderThanMs`. */
export function planPrune(
  files: BackupFile[],
  rule: {keep?: number; olderThanMs?: number},
  now = Date.now(),
): PrunePlan {
  const newestFirst = [...files].reverse()
  const remove = newestFirst.filter(
    (f, i) =>
      (rule.keep !== undefined && i >= rule.keep) ||
      (rule.olderThanMs !== undefined && now - Date.parse(f.modified) > rule.olderThanMs),
  )
  const gone = new Set(remove.map((f) => f.path))
  return {keep: files.filter((f) => !gone.has(f.path)), remove: files.filter((f) => gone.has(f.path))}
}

export async function applyPrune(
  plan: PrunePlan,
): Promise<{removed: string[]; failed: Array<{path: string; error: string}>}> {
  const removed: string[] = []
  const failed: Array<{path: string; error: string}> = []
  for (const f of plan.remove) {
    try {
      await unlink(f.path)
      removed.push(f.path)
    } catch (error) {
      failed.push({path: f.path, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message})
    }
  }

  return {removed, failed}
}

/**
 * Unfinished backups of format 1 (`*.ndjson.partial`) left by a run that was killed: no job was deleted
 * on their strength, so they are only dead weight. Removed once they have not changed for an hour (a
 * run of an older atom-ops could still be writing one).
 */
export async function removeStalePartials(
  dir = backupDirectory(),
  now = Date.now(),
): Promise<{files: number; bytes: number}> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return {files: 0, bytes: 0}
  }

  let files = 0
  let bytes = 0
  for (const name of names.filter((n) => PARTIAL_NAME.test(n))) {
    try {
      const st = await stat(join(dir, name))
      if (now - st.mtimeMs < 3_600_000) continue
      await unlink(join(dir, name))
      files++
      bytes += st.size
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }

  return {files, bytes}
}
