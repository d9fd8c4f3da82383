import {lstat} from 'node:fs/promises'
import {join} from 'node:path'

import {removeFiles} from '../remote/remove.js'

export type FileOutcome = 'removed' | 'missing' | 'refused'

export interface FileResult {
  path: string
  outcome: FileOutcome
  reason?: string
}

/** Where AtoM writes a job's download (arZipFileDownload): `downloads/jobs/<file>`, relative to the root. */
export const DOWNLOADS_DIR = join('downloads', 'jobs')

/**
 * The file name of a job's download when download_path is exactly what AtoM writes, a file directly in
 * downloads/jobs/; anything else (another folder, `..`, an absolute path, a NUL) is not atom-ops' to
 * remove, and the reason says so.
 */
export function downloadName(downloadPath: string): {name: string} | {refused: string} {
  const m = /^downloads\/jobs\/([^/\0]+)$/.exec(downloadPath)
  if (!m || m[1] === '.' || m[1] === '..')
    return {refused: 'is not a file directly in downloads/jobs/, where AtoM writes job downloads'}
  return {name: m[1]}
}

/** Whether a job's download file exists (a refused path counts as not there). */
export async function downloadExists(
  realRoot: string,
  downloadPath: string | null,
): Promise<{exists: boolean; refused?: string; path?: string}> {
  if (!downloadPath) return {exists: false}
  const d = downloadName(downloadPath)
  if ('refused' in d) return {exists: false, refused: d.refused}
  const path = join(realRoot, DOWNLOADS_DIR, d.name)
  try {
    return {exists: (await lstat(path)).isFile(), path}
  } catch {
    return {exists: false, path}
  }
}

/**
 * Removes the download files of deleted jobs: only regular files directly in `<root>/downloads/jobs/`,
 * by GNU find (never following a symlink) with the folder owner's privileges when run as root (see
 * util/remove.ts); a symlink, a directory, or any other path is refused and listed, never touched.
 */
export async function removeDownloads(
  realRoot: string,
  downloadPaths: string[],
  timeoutMs = 60_000,
): Promise<FileResult[]> {
  const dir = join(realRoot, DOWNLOADS_DIR)
  const results: FileResult[] = []
  const wanted = new Map<string, string>()
  for (const path of downloadPaths) {
    const d = downloadName(path)
    if ('refused' in d) results.push({path, outcome: 'refused', reason: d.refused})
    else wanted.set(d.name, path)
  }

  if (wanted.size === 0) return results
  let folder
  try {
    folder = await lstat(dir)
  } catch {
    for (const path of wanted.values()) results.push({path, outcome: 'missing'})
    return results
  }

  if (!folder.isDirectory()) {
    for (const path of wanted.values())
      results.push({
        path,
        outcome: 'refused',
        reason: `${DOWNLOADS_DIR} is not a directory (a symbolic link?): nothing in it is removed`,
      })
    return results
  }

  const run = await removeFiles(dir, [...wanted.keys()], {top: realRoot, timeoutMs})
  const removed = new Set(run.removed.map((p) => p.slice(dir.length + 1)))
  for (const [name, path] of wanted) {
    if (removed.has(name)) {
      results.push({path, outcome: 'removed'})
      continue
    }

    try {
      const st = await lstat(join(dir, name))
      results.push({
        path,
        outcome: 'refused',
        reason: st.isSymbolicLink()
          ? 'is a symbolic link; atom-ops does not follow links'
          : st.isFile()
            ? 'could not be removed'
            : 'is not a regular file',
      })
    } catch {
      results.push({path, outcome: 'missing'})
    }
  }

  return results
}

/** One job's download file (jobs kill --delete). */
export async function removeDownload(realRoot: string, downloadPath: string): Promise<FileResult> {
  return (await removeDownloads(realRoot, [downloadPath]))[0]
}
