import {mkdir, open, readFile, rename, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {OperationError} from '../errors.js'
import {stateDirectory} from '../settings/paths.js'

/** A check verdict, as doctor gives it. */
export type Verdict = 'ok' | 'warning' | 'critical' | 'unknown'

/** One finished run, as `guard status` lists it. */
export interface RunRecord {
  at: string
  verdict: Verdict
  /** The verdict before any fix was applied. */
  before: Verdict
  exitCode: number
  durationMs: number
  /** One line per action taken or skipped: "done: restart-worker: ...", "skipped: ...". */
  actions: string[]
  /** What was notified, and whether each channel took it. */
  notified: string[]
}

/** What the guard remembers between runs, per install (profile). */
export interface GuardState {
  version: 1
  /** The verdict of the last run (after its fixes). */
  verdict?: Verdict
  /** When restarts were started by the guard, newest last (only the last hour is kept). */
  restarts: string[]
  /** The rate limit refused a restart in the last run: its alert has been sent, not sent again. */
  rateLimited: boolean
  /** When retention last ran (it runs once per retention.every). */
  retentionAt?: string
  /** The newest runs, newest last. */
  runs: RunRecord[]
}

const KEEP_RUNS = 50

export function emptyState(): GuardState {
  return {version: 1, restarts: [], rateLimited: false, runs: []}
}

/** The guard's folder in the state directory. */
export function guardDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'guard')
}

/** The file name of an install's state: its profile's name, or `default` without one. */
export function guardName(profile: string | undefined): string {
  return profile ?? 'default'
}

function statePath(name: string): string {
  return join(guardDirectory(), `${name}.json`)
}

export async function readState(name: string): Promise<GuardState> {
  let text: string
  try {
    text = await readFile(statePath(name), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
    throw new OperationError(
      `the guard's state ${statePath(name)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      'Run atom-ops as the user that installed the guard (often root).',
    )
  }

  try {
    const parsed = JSON.parse(text) as Partial<GuardState>
    return {
      ...emptyState(),
      ...parsed,
      version: 1,
      restarts: Array.isArray(parsed.restarts) ? parsed.restarts : [],
      runs: Array.isArray(parsed.runs) ? parsed.runs : [],
    }
  } catch {
    // A state cut short (a full disk) is started afresh: the guard must keep running. The audit log keeps the history.
    return emptyState()
  }
}

/** Written whole or not at all (a temporary file renamed over the old one). */
export async function writeState(name: string, state: GuardState): Promise<void> {
  await mkdir(guardDirectory(), {recursive: true, mode: 0o700})
  const path = statePath(name)
  const tmp = `${path}.${process.pid}.tmp`
  const handle = await open(tmp, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify({...state, runs: state.runs.slice(-KEEP_RUNS)}, null, 2) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }

  await rename(tmp, path)
}

/** Restarts started within the hour before `now`. */
export function restartsInLastHour(state: GuardState, now: number): string[] {
  return state.restarts.filter((t) => now - Date.parse(t) < 3_600_000)
}

export interface GuardLock {
  release(): Promise<void>
}

/** Another run holds the lock: this one does nothing. */
export class GuardBusy extends Error {
  constructor(
    readonly pid: number,
    readonly since: string,
  ) {
    super(`another guard run (pid ${pid}, since ${since}) is in progress: this run did nothing`)
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * One run at a time per install: a lock file created exclusively (O_EXCL) holding the owner's pid.
 * A lock left by a run that died (its pid gone) is taken over; a live owner makes this run give way.
 */
export async function acquireLock(name: string): Promise<GuardLock> {
  await mkdir(guardDirectory(), {recursive: true, mode: 0o700})
  const path = join(guardDirectory(), `${name}.lock`)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(JSON.stringify({pid: process.pid, since: new Date().toISOString()}))
      await handle.close()
      let released = false
      return {
        async release() {
          if (released) return
          released = true
          await rm(path, {force: true})
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }

    let owner: {pid?: number; since?: string} = {}
    try {
      owner = JSON.parse(await readFile(path, 'utf8'))
    } catch {
      // Being written this very moment, or gone: look again.
      await new Promise((r) => setTimeout(r, 50))
      continue
    }

    if (typeof owner.pid === 'number' && alive(owner.pid)) throw new GuardBusy(owner.pid, owner.since ?? 'unknown')
    // Its owner died: remove the stale lock and try again (another run may win the race: then it holds it).
    await rm(path, {force: true})
  }

  throw new GuardBusy(0, 'unknown')
}

/** Who holds the lock now, if anyone alive does (for `guard status`). */
export async function lockHolder(name: string): Promise<{pid: number; since: string} | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(guardDirectory(), `${name}.lock`), 'utf8')) as {
      pid?: number
      since?: string
    }
    return typeof owner.pid === 'number' && alive(owner.pid)
      ? {pid: owner.pid, since: owner.since ?? 'unknown'}
      : undefined
  } catch {
    return undefined
  }
}
