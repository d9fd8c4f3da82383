import {constants} from 'node:fs'
import {access, lstat, readdir, stat} from 'node:fs/promises'
import {delimiter, join} from 'node:path'

import {ConfigError, OperationError} from '../errors.js'
import {removeContents} from '../remote/remove.js'
import {LocalRunner, type RunResult} from '../remote/runner.js'
import {userName} from '../util/files.js'

export interface CacheTally {
  files: number
  directories: number
  /** Symlinks removed themselves; their targets are never touched. */
  symlinks: number
  bytes: number
}

export interface SymfonyClearResult {
  cacheDir: string
  method: 'php symfony cc' | 'files'
  /** Why the files were removed directly rather than by `php symfony cc`. */
  why?: string
  argv?: string[]
  dryRun: boolean
  /** What was there (dry run: what would be removed). */
  before: CacheTally
  /** What is left afterwards (undefined on a dry run). */
  after?: CacheTally
  removed?: CacheTally
  output?: string
  errors: string[]
}

const empty = (): CacheTally => ({files: 0, directories: 0, symlinks: 0, bytes: 0})

/** Counts what is inside dir without following any symlink (lstat only); removal is util/remove.ts's. */
export async function walkCache(dir: string, errors: string[] = []): Promise<CacheTally> {
  const tally = empty()
  const visit = async (path: string): Promise<void> => {
    let entries: string[]
    try {
      entries = await readdir(path)
    } catch (error) {
      errors.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
      return
    }

    for (const name of entries) {
      const child = join(path, name)
      let st
      try {
        st = await lstat(child)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          errors.push(`${child}: ${(error as NodeJS.ErrnoException).code}`)
        continue
      }

      try {
        if (st.isSymbolicLink()) {
          tally.symlinks++
        } else if (st.isDirectory()) {
          await visit(child)
          tally.directories++
        } else {
          tally.files++
          tally.bytes += st.size
        }
      } catch (error) {
        const {code} = error as NodeJS.ErrnoException
        if (code !== 'ENOENT') errors.push(`${child}: ${code ?? (error as Error).message}`)
      }
    }
  }

  await visit(dir)
  return tally
}

/** php on PATH (an executable file), or undefined. */
export async function findOnPath(program: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, program)
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {
      // not here
    }
  }

  return undefined
}

/** `php symfony cc` in the root, as the root's owner when we are root (runuser), else as ourselves. */
export async function phpClearArgv(realRoot: string): Promise<string[]> {
  const owner = (await stat(realRoot)).uid
  const me = process.getuid?.() ?? -1
  if (me === 0 && owner !== 0) {
    const name = await userName(owner)
    if (!name)
      throw new ConfigError(
        `the owner of ${realRoot} (uid ${owner}) has no name in /etc/passwd`,
        'Run php symfony cc by hand as that user, or chown the install.',
      )
    return ['runuser', '-u', name, '--', 'php', 'symfony', 'cc']
  }

  return ['php', 'symfony', 'cc']
}

/**
 * Whether `php symfony cc` can run here: php on PATH and AtoM's `symfony` script in the root. Checked
 * before anything is promised; otherwise the files are removed directly, and the reason is given.
 */
export async function phpClearPossible(realRoot: string): Promise<{ok: true} | {ok: false; why: string}> {
  if ((await findOnPath('php')) === undefined) return {ok: false, why: 'php is not installed'}
  try {
    if ((await lstat(join(realRoot, 'symfony'))).isFile()) return {ok: true}
  } catch {
    // no script
  }

  return {ok: false, why: `there is no symfony script in ${realRoot}`}
}

/**
 * Symfony's cache: `php symfony cc` when php and AtoM's symfony script are there (AtoM's own way, run
 * as the root's owner so the files it writes back belong to the web server), else everything inside
 * <root>/cache/ is removed without following symlinks out of it. The cache directory itself stays.
 */
export async function clearSymfonyCache(
  realRoot: string,
  options: {dryRun: boolean; timeoutMs: number; usePhp?: boolean},
): Promise<SymfonyClearResult> {
  const cacheDir = join(realRoot, 'cache')
  let st
  try {
    st = await lstat(cacheDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        cacheDir,
        method: 'files',
        dryRun: options.dryRun,
        before: empty(),
        after: options.dryRun ? undefined : empty(),
        removed: options.dryRun ? undefined : empty(),
        errors: [],
      }
    throw new OperationError(`cannot read ${cacheDir}: ${(error as NodeJS.ErrnoException).code}`)
  }

  if (st.isSymbolicLink())
    throw new ConfigError(
      `${cacheDir} is a symlink; atom-ops does not clear a cache outside the install`,
      'Clear it with `php symfony cc` in the install root.',
    )
  if (!st.isDirectory()) throw new ConfigError(`${cacheDir} is not a directory`)
  const possible =
    options.usePhp === false ? {ok: false as const, why: 'asked to remove the files'} : await phpClearPossible(realRoot)
  const usePhp = possible.ok
  const why = possible.ok ? undefined : possible.why
  const errors: string[] = []
  const before = await walkCache(cacheDir, errors)
  if (usePhp) {
    const argv = await phpClearArgv(realRoot)
    if (options.dryRun) return {cacheDir, method: 'php symfony cc', argv, dryRun: true, before, errors}
    // Symfony rebuilds nothing on cc, but a big cache takes a while to delete.
    const r: RunResult = await new LocalRunner().run(argv, {
      timeoutMs: Math.max(options.timeoutMs, 120_000),
      cwd: realRoot,
    })
    if (r.code !== 0) {
      const why = r.timedOut
        ? 'did not finish in time'
        : (r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.code}`
      throw new OperationError(
        `${argv.join(' ')} in ${realRoot} failed: ${why}`,
        'Run it by hand to see the whole error; --symfony without php removes the files instead.',
      )
    }

    const after = await walkCache(cacheDir)
    return {
      cacheDir,
      method: 'php symfony cc',
      argv,
      dryRun: false,
      before,
      after,
      removed: diff(before, after),
      output: r.stdout.trim().split('\n').slice(-3).join('\n'),
      errors,
    }
  }

  if (options.dryRun) return {cacheDir, method: 'files', why, dryRun: true, before, errors}
  // Not by walking it here: www-data owns cache/ and could swap a directory for a symlink mid-walk.
  const run = await removeContents(cacheDir, {top: realRoot, timeoutMs: Math.max(options.timeoutMs, 120_000)})
  errors.push(...run.errors)
  if (run.result.timedOut) errors.push(`removing the files did not finish in time; ${run.removed.length} were removed`)
  const after = await walkCache(cacheDir)
  return {cacheDir, method: 'files', why, dryRun: false, before, after, removed: diff(before, after), errors}
}

function diff(a: CacheTally, b: CacheTally): CacheTally {
  return {
    files: a.files - b.files,
    directories: a.directories - b.directories,
    symlinks: a.symlinks - b.symlinks,
    bytes: a.bytes - b.bytes,
  }
}
