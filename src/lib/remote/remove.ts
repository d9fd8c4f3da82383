import {lstat} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {LocalRunner, type RunResult} from './runner.js'

/**
 * File removal that a local user cannot turn against root. The folders atom-ops cleans (AtoM's cache/
 * and downloads/jobs/) are writable by the web server's user, who could swap a directory for a symlink
 * while a removal runs. So the work is done by GNU find, which never follows a symlink while it walks
 * (it opens each directory relative to its parent and checks it is still the same one), and, when
 * atom-ops runs as root, with the privileges of the folder's owner: whatever a swap points it at, it can
 * remove no more than that user could anyway.
 */

/**
 * The argv prefix that runs a program as the owner of `dir` when we are root: the first owner other than
 * root from `dir` up to `top` (whoever may swap a folder on the way owns its parent), none when all of
 * them are root's (then no one else can swap anything there).
 */
async function asOwnerOf(dir: string, top: string): Promise<string[]> {
  const me = process.getuid?.() ?? -1
  if (me !== 0) return []
  const stop = resolve(top)
  for (let d = resolve(dir); ; d = dirname(d)) {
    // A folder missing (mid-swap, or gone) tells nothing: its parent's owner is who could swap it.
    const st = await lstat(d).catch(() => undefined)
    if (st && st.uid !== 0) return ['setpriv', `--reuid=${st.uid}`, `--regid=${st.gid}`, '--clear-groups', '--']
    if (d === stop || d === dirname(d)) return []
  }
}

export interface RemovalRun {
  /** What find printed: the paths it removed, in order. */
  removed: string[]
  /** find's complaints, one per line (a file that vanished meanwhile, a permission it lacks). */
  errors: string[]
  result: RunResult
}

async function find(
  dir: string,
  top: string,
  expression: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RemovalRun> {
  const argv = [...(await asOwnerOf(dir, top)), 'find', dir, ...expression]
  const result = await new LocalRunner().run(argv, {timeoutMs, signal})
  const removed = result.stdout.split('\0').filter(Boolean)
  const errors = result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return {removed, errors, result}
}

/** Everything inside `dir` (not `dir` itself): symlinks are removed, never followed. `top`: the install root above it. */
export function removeContents(
  dir: string,
  options: {top: string; timeoutMs: number; signal?: AbortSignal},
): Promise<RemovalRun> {
  return find(dir, options.top, ['-mindepth', '1', '-print0', '-delete'], options.timeoutMs, options.signal)
}

/** `-name` takes a glob: a file name is matched literally. */
function literalGlob(name: string): string {
  return name.replaceAll(/[\\*?[\]]/g, (c) => `\\${c}`)
}

/** These regular files directly inside `dir` (names, not paths): a symlink or a directory by one of those names is left alone. */
export async function removeFiles(
  dir: string,
  names: string[],
  options: {top: string; timeoutMs: number},
): Promise<RemovalRun> {
  const all: RemovalRun = {removed: [], errors: [], result: undefined as unknown as RunResult}
  // Bounded argument lists: a batch of 5,000 downloads needs a few find runs, not 5,000.
  for (let i = 0; i < names.length; i += 1000) {
    const chunk = names.slice(i, i + 1000)
    const match = chunk.flatMap((n, k) => (k === 0 ? ['-name', literalGlob(n)] : ['-o', '-name', literalGlob(n)]))
    const run = await find(
      dir,
      options.top,
      ['-mindepth', '1', '-maxdepth', '1', '-type', 'f', '(', ...match, ')', '-print0', '-delete'],
      options.timeoutMs,
    )
    all.removed.push(...run.removed)
    all.errors.push(...run.errors)
    all.result = run.result
  }

  return all
}
