import type {GearmanScope} from './gearman.js'

import {AtomClock} from '../atom/clock.js'
import {jobClassesOf} from '../atom/facts.js'
import {requireDatabase, requireGearman, requireInstall, requirePrefix, type ResolvedConfig} from '../config/resolve.js'
import {Database} from '../db/database.js'

export interface JobsSession {
  db: Database
  /** The install's Gearman servers and function prefix; undefined when they cannot be known (no install and no --gearman). */
  scope?: GearmanScope
  /** The install root as PHP sees it (symlinks resolved); download paths are relative to it. */
  realRoot?: string
  timeoutMs: number
  /** AtoM's clock: its rows hold wall times in its timezone. */
  clock: AtomClock
  /** The install's job classes (gearman.yml's worker_types); empty when the install cannot be read. */
  jobClasses: string[]
}

/** What a jobs command needs; statementTimeoutMs: longer statements than --timeout (a scan of many rows). */
export interface JobsNeeds {
  gearman?: boolean
  install?: boolean
  statementTimeoutMs?: number
}

/** What a jobs command needs, from the resolved configuration; Gearman and the install are optional unless required. */
export async function openJobsSession(cfg: ResolvedConfig, needs: JobsNeeds = {}): Promise<JobsSession> {
  const timeoutMs = cfg.timeoutMs.value
  let scope: GearmanScope | undefined
  if (needs.gearman) scope = {servers: requireGearman(cfg), prefix: requirePrefix(cfg), timeoutMs}
  else if (cfg.gearman && cfg.prefix) scope = {servers: cfg.gearman.value, prefix: cfg.prefix.value, timeoutMs}
  const realRoot = needs.install ? requireInstall(cfg).realRoot : cfg.install?.realRoot
  const clock = new AtomClock((await cfg.timezone.get()).value)
  const db = await Database.open(await requireDatabase(cfg), timeoutMs, {statementTimeoutMs: needs.statementTimeoutMs})
  return {
    db,
    scope,
    realRoot,
    timeoutMs,
    clock,
    jobClasses: cfg.install ? jobClassesOf(cfg.install.worker.workerTypes) : [],
  }
}

/** Opens the context, runs fn, always closes the database. */
export async function withJobsSession<T>(
  cfg: ResolvedConfig,
  needs: JobsNeeds,
  fn: (ctx: JobsSession) => Promise<T>,
): Promise<T> {
  const ctx = await openJobsSession(cfg, needs)
  try {
    return await fn(ctx)
  } finally {
    await ctx.db.close()
  }
}
