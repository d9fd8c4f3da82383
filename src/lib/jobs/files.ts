import {lstat, realpath, unlink} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, sep} from 'node:path'

export type FileOutcome = 'removed' | 'missing' | 'refused'

export interface FileResult {
  path: string
  outcome: FileOutcome
  reason?: string
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate)
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel)
}

/**
 * Where a job's download_path points, when it is safely inside the install root: relative, no way out
 * by `..`, its directory resolving (symlinks followed) inside the real root. Never the file itself when
 * it is a symlink: a link is not followed anywhere.
 */
export async function resolveDownload(realRoot: string, downloadPath: string): Promise<{path?: string; refused?: string}> {
  if (downloadPath.includes('\0')) return {refused: 'contains a NUL byte'}
  if (isAbsolute(downloadPath)) return {refused: 'is absolute; AtoM stores paths relative to the install root'}
  const lexical = join(realRoot, downloadPath)
  if (!inside(realRoot, lexical)) return {refused: 'leads out of the install root'}
  let realDir: string
  try {
    realDir = await realpath(dirname(lexical))
  } catch {
    return {path: lexical}
  }
  const candidate = join(realDir, lexical.slice(dirname(lexical).length + 1))
  if (!inside(realRoot, candidate)) return {refused: 'its directory resolves outside the install root'}
  return {path: candidate}
}

/** Whether a job's download file exists (inside the root; a refused path counts as not there). */
export async function downloadExists(realRoot: string, downloadPath: string | null): Promise<{exists: boolean; refused?: string; path?: string}> {
  if (!downloadPath) return {exists: false}
  const r = await resolveDownload(realRoot, downloadPath)
  if (!r.path) return {exists: false, refused: r.refused}
  try {
    const st = await lstat(r.path)
    return {exists: st.isFile() || st.isSymbolicLink(), path: r.path}
  } catch {
    return {exists: false, path: r.path}
  }
}

/** Removes a deleted job's download file: only a regular file inside the root; a symlink is refused, never followed. */
export async function removeDownload(realRoot: string, downloadPath: string): Promise<FileResult> {
  const r = await resolveDownload(realRoot, downloadPath)
  if (!r.path) return {path: downloadPath, outcome: 'refused', reason: r.refused}
  try {
    const st = await lstat(r.path)
    if (st.isSymbolicLink()) return {path: downloadPath, outcome: 'refused', reason: 'is a symbolic link; atom-ops does not follow links'}
    if (!st.isFile()) return {path: downloadPath, outcome: 'refused', reason: 'is not a regular file'}
    await unlink(r.path)
    return {path: downloadPath, outcome: 'removed'}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {path: downloadPath, outcome: 'missing'}
    return {path: downloadPath, outcome: 'refused', reason: code ?? String(error)}
  }
}
