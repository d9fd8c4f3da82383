import type {ManagerKind, ServiceManager, StepResult} from '../service/types.js'

import {isRecord} from '../atom/yaml.js'
import {requireInstall, type ResolvedConfig} from '../config/resolve.js'
import {OperationError, UsageError} from '../errors.js'
import {detectManager, errorSummary, resolveServiceOptions, runnerFor, type ServiceFlags} from '../service/targets.js'
import {type Problem, problemOf} from '../util/answered.js'
import {formatHostPort, type HostPort, parseHostPort} from '../util/hostport.js'
import {flushMemcached} from './memcached.js'
import {clearSymfonyCache, type SymfonyClearResult} from './symfony.js'

export const MEMCACHED_PORT = 11_211

export interface CacheChoice {
  symfony?: boolean
  phpFpm?: boolean
  memcached?: boolean
  /** host:port overriding app.yml's cache_engine_param (implies memcached). */
  memcachedServers?: string[]
}

type Failure = Problem

export interface CacheClearReport {
  dryRun: boolean
  root?: string
  cacheEngine?: string
  symfony?: {result?: SymfonyClearResult; error?: Failure}
  phpFpm?: {
    manager?: ManagerKind
    units: string[]
    argv?: string[]
    steps?: StepResult[]
    skipped?: string
    error?: Failure
  }
  memcached?: Array<{server: string; answer?: string; error?: Failure}> | {skipped: string}
  /** partial: some parts done, others failed; failed: none done (each failure's Problem says why). */
  outcome: 'done' | 'partial' | 'failed' | 'dry-run'
}

/**
 * Memcached servers as AtoM's QubitCache reads app.yml's cache_engine_param: `servers` (a list of
 * `[{host: h}, {port: p}]` pairs, or of `{host, port}` maps), else `host` and `port`; else localhost.
 */
export function memcachedFromParams(params: Record<string, unknown> | undefined): HostPort[] {
  const local = {host: '127.0.0.1', port: MEMCACHED_PORT}
  if (!params) return [local]
  const one = (v: unknown): HostPort | undefined => {
    if (typeof v === 'string') return parseHostPort(v, MEMCACHED_PORT)
    // QubitCache's own shape: [{host: h}, {port: p}]
    const flat = Array.isArray(v) ? Object.assign({}, ...v.filter(isRecord)) : v
    if (isRecord(flat) && (typeof flat.host === 'string' || flat.port !== undefined)) {
      const host = typeof flat.host === 'string' && flat.host !== '' ? flat.host : '127.0.0.1'
      const port = flat.port === undefined || flat.port === null ? MEMCACHED_PORT : Number(flat.port)
      return Number.isInteger(port) && port > 0 && port < 65_536
        ? {host: host === 'localhost' ? '127.0.0.1' : host, port}
        : undefined
    }

    return undefined
  }

  const {servers} = params
  if (Array.isArray(servers) || isRecord(servers)) {
    const list = (Array.isArray(servers) ? servers : Object.values(servers))
      .map(one)
      .filter((s): s is HostPort => s !== undefined)
    if (list.length > 0) return list
  }

  return [one(params) ?? local]
}

async function phpFpmUnits(manager: ServiceManager): Promise<string[]> {
  try {
    return await manager.expand(manager.kind === 'systemd' ? 'php*-fpm*.service' : 'php*-fpm*')
  } catch (error) {
    if (error instanceof UsageError) return []
    throw error
  }
}

/** A cache clear ready to run: what each part would do (the dry-run report), and what it needs to do it. */
export interface CacheClearPlan {
  report: CacheClearReport
  want: {symfony: boolean; phpFpm: boolean; memcached: boolean}
  memcachedServers: HostPort[]
  manager?: ServiceManager
  realRoot: string
  timeoutMs: number
}

/**
 * `cache clear`: Symfony's cache (php symfony cc, or the files under <root>/cache/), APCu (restarts the
 * php*-fpm units through the service manager) and memcached (flush_all). Without a choice, everything
 * the install uses: Symfony always, php-fpm for sfAPCCache, memcached for sfMemcacheCache. Read-only.
 */
export async function planCacheClear(
  cfg: ResolvedConfig,
  choice: CacheChoice,
  flags: ServiceFlags,
): Promise<CacheClearPlan> {
  const install = requireInstall(cfg)
  const timeoutMs = cfg.timeoutMs.value
  const engine = install.web.cacheEngine ?? 'sfAPCCache'
  const explicit = choice.symfony || choice.phpFpm || choice.memcached || (choice.memcachedServers?.length ?? 0) > 0
  const want = {
    symfony: explicit ? Boolean(choice.symfony) : true,
    phpFpm: explicit ? Boolean(choice.phpFpm) : engine === 'sfAPCCache',
    memcached: explicit
      ? Boolean(choice.memcached) || (choice.memcachedServers?.length ?? 0) > 0
      : engine === 'sfMemcacheCache',
  }
  const report: CacheClearReport = {
    dryRun: true,
    root: install.realRoot,
    cacheEngine: install.web.cacheEngine,
    outcome: 'dry-run',
  }
  let memcachedServers: HostPort[] = []
  if (want.memcached) {
    memcachedServers =
      choice.memcachedServers && choice.memcachedServers.length > 0
        ? choice.memcachedServers.map((s) => {
            const hp = parseHostPort(s, MEMCACHED_PORT)
            if (!hp)
              throw new UsageError(
                `--memcached-server "${s}" is not a valid host:port`,
                `Example: --memcached-server 127.0.0.1:${MEMCACHED_PORT}`,
              )
            return hp
          })
        : memcachedFromParams(install.web.cacheParams)
  }

  let manager: ServiceManager | undefined
  if (want.phpFpm) {
    const options = resolveServiceOptions(cfg, {...flags, host: undefined})
    try {
      manager = await detectManager(runnerFor(undefined, options), options)
      const units = await phpFpmUnits(manager)
      if (units.length === 0) {
        if (choice.phpFpm)
          throw new UsageError(
            `no php*-fpm unit found by ${manager.kind}`,
            'APCu lives in php-fpm: restart the PHP FastCGI service by hand, or leave out --php-fpm.',
          )
        report.phpFpm = {manager: manager.kind, units: [], skipped: `no php*-fpm unit found by ${manager.kind}`}
      } else report.phpFpm = {manager: manager.kind, units, argv: manager.describe('restart', units)}
    } catch (error) {
      if (choice.phpFpm) throw error
      report.phpFpm = {
        manager: manager?.kind,
        units: [],
        skipped: `php-fpm not checked: ${errorSummary(error).message}`,
      }
    }
  }

  if (want.symfony) report.symfony = {result: await clearSymfonyCache(install.realRoot, {dryRun: true, timeoutMs})}
  if (want.memcached) report.memcached = memcachedServers.map((s) => ({server: formatHostPort(s)}))
  return {report, want, memcachedServers, manager, realRoot: install.realRoot, timeoutMs}
}

/** The question a clear asks: each part it changes, in plain words. */
export function cacheClearQuestion(plan: CacheClearPlan): string {
  const {report, want, memcachedServers} = plan
  const parts = [
    want.symfony ? `Symfony's cache in ${plan.realRoot}/cache` : '',
    report.phpFpm?.argv ? `restart ${report.phpFpm.units.join(', ')} (APCu)` : '',
    want.memcached ? `flush memcached ${memcachedServers.map(formatHostPort).join(', ')}` : '',
  ].filter(Boolean)
  return `Clear: ${parts.join('; ')}?`
}

/** Clears each planned part; a part that fails does not stop the others. */
export async function applyCacheClear(plan: CacheClearPlan): Promise<CacheClearReport> {
  const {want, memcachedServers, manager, realRoot: root, timeoutMs} = plan
  const report: CacheClearReport = {
    ...plan.report,
    dryRun: false,
    outcome: 'done',
    phpFpm: plan.report.phpFpm && {...plan.report.phpFpm},
  }
  const failures: Failure[] = []
  let successes = 0
  if (want.symfony) {
    try {
      report.symfony = {result: await clearSymfonyCache(root, {dryRun: false, timeoutMs})}
      successes++
    } catch (error) {
      report.symfony = {error: errorSummary(error)}
      failures.push(report.symfony.error!)
    }
  }

  if (report.phpFpm?.argv && manager) {
    try {
      report.phpFpm.steps = await manager.restart(report.phpFpm.units)
      const bad = report.phpFpm.steps.filter((s) => !s.ok)
      if (bad.length > 0)
        failures.push(problemOf(new OperationError(bad.map((s) => `${s.unit}: ${s.message}`).join('; '))))
      else successes++
    } catch (error) {
      report.phpFpm.error = errorSummary(error)
      failures.push(report.phpFpm.error)
    }
  }

  if (want.memcached) {
    report.memcached = await Promise.all(
      memcachedServers.map(async (s) => {
        try {
          const answer = await flushMemcached(s, timeoutMs)
          successes++
          return {server: formatHostPort(s), answer}
        } catch (error) {
          const e = errorSummary(error)
          failures.push(e)
          return {server: formatHostPort(s), error: e}
        }
      }),
    )
  }

  if (failures.length > 0) report.outcome = successes > 0 ? 'partial' : 'failed'
  return report
}
