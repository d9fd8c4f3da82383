import {readdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import type {WorkerConnection} from '../../gearman/admin.js'
import type {ServerView} from '../../gearman/view.js'
import type {DoctorEvidence} from '../evidence.js'
import type {CheckResult} from '../types.js'

import {askedServer, isInstallFunction} from '../../atom/facts.js'
import {functionPrefix, splitFunctionName} from '../../atom/prefix.js'
import {formatHostPort} from '../../util/hostport.js'

/** Each job server answers; the one AtoM's availability check asks matters most. */
export async function checkServers(ctx: DoctorEvidence): Promise<CheckResult[]> {
  const views = await ctx.serverViews()
  const askedView = askedServer(views)
  return views.map((view) => {
    const asked = view === askedView
    const base = {
      id: `gearman.server.${view.label}`,
      title: `Gearman job server ${view.label}${asked ? ' (asked by AtoM)' : ''}`,
    }
    if (view.ok)
      return {
        ...base,
        status: 'ok',
        rank: 70,
        summary: `answers in ${view.latencyMs} ms, gearmand ${view.version}`,
        evidence: [],
      }
    return {
      ...base,
      status: asked ? 'critical' : 'warning',
      rank: asked ? 5 : 70,
      summary: asked
        ? `${view.error}: AtoM shows "Could not connect to ${view.label}" and submits no job`
        : (view.error ?? 'unreachable'),
      evidence: asked
        ? ['AtoM checks for a worker on the last server in gearman.yml only']
        : ['AtoM still submits jobs to every listed server'],
      fix: 'systemctl restart gearman-job-server   # on that host; then: atom-ops queue ping',
    }
  })
}

interface PrefixUse {
  prefix: string
  server: string
  jobClasses: Set<string>
  /** The worker connections behind it, as gearmand lists them (to find the process). */
  connections: Set<string>
}

/** How to find the process behind a worker connection gearmand lists: fd and peer address. */
function describeConnection(w: WorkerConnection): string {
  return `fd ${w.fd} from ${w.address}${w.clientId ? ` (client id ${w.clientId})` : ''}`
}

/** Functions for this install's job classes registered under another prefix, by server. */
function foreignPrefixes(ctx: DoctorEvidence, views: ServerView[]): Map<string, PrefixUse> {
  const classes = new Set(ctx.listedClasses)
  const found = new Map<string, PrefixUse>()
  for (const view of views) {
    for (const worker of view.workers) {
      for (const fn of worker.functions) {
        const {prefix, jobClass} = splitFunctionName(fn)
        if (!prefix || prefix === ctx.prefix || !classes.has(jobClass)) continue
        const key = `${prefix}@${view.label}`
        const use = found.get(key) ?? {prefix, server: view.label, jobClasses: new Set(), connections: new Set()}
        use.jobClasses.add(jobClass)
        use.connections.add(describeConnection(worker))
        found.set(key, use)
      }
    }
  }

  return found
}

/** The commands that find a stray worker's process from its gearmand connection. */
function findStrayFix(server: string, connections: Set<string>): string {
  const port = server.slice(server.lastIndexOf(':') + 1)
  return `it is not the worker service (whose workers are all there): find it from gearmand's ${[...connections].slice(0, 3).join(', ')}: on that host, ss -tnp 'dport = :${port}' gives its PID, then ps -o pid,user,args -p PID; stop it there`
}

/**
 * Candidate explanations for a prefix: a prefix is md5(path . workers_key), so atom-ops hashes the paths and
 * keys a worker may plausibly have been started with and names the one that matches.
 */
export async function explainPrefix(
  ctx: DoctorEvidence,
  prefix: string,
  otherProfiles: Map<string, string>,
): Promise<{why: string; fix?: string} | undefined> {
  const {install} = ctx
  const key = ctx.config.workersKey?.value ?? ''
  const profile = otherProfiles.get(prefix)
  if (profile) return {why: `belongs to profile "${profile}" (another AtoM install)`}
  // symfony hashes the real path, so AtoM's own worker never does this; only a hand-made worker can.
  if (install.root !== install.realRoot && functionPrefix(install.root, key) === prefix) {
    return {
      why: `a worker hashed the symlinked path ${install.root}, not its realpath ${install.realRoot}: it is not AtoM's own jobs:worker, which resolves the real path`,
    }
  }

  const keys = new Set<string>(['', install.worker.workersKey, key])
  for (const k of keys) {
    if (k !== key && functionPrefix(install.realRoot, k) === prefix) {
      return {
        why: `the worker runs with workers_key "${k}", the web app with "${key}": make app.yml the same for both (see atom-ops config show) and restart the worker`,
      }
    }
  }

  // A deploy into a new release directory while the old worker still runs.
  for (const dir of [dirname(install.realRoot), dirname(install.root)]) {
    let entries: string[] = []
    try {
      entries = await readdir(dir)
    } catch {
      continue
    }

    for (const entry of entries.slice(0, 500)) {
      const candidate = join(dir, entry)
      if (candidate === install.realRoot) continue
      for (const k of keys) {
        if (functionPrefix(candidate, k) === prefix) {
          return {
            why: `the worker runs from another directory, ${candidate}${k === key ? '' : ` with workers_key "${k}"`}`,
            fix: `point the worker at ${install.realRoot} (systemd: WorkingDirectory=${install.realRoot} via systemctl edit; supervisord: directory=${install.realRoot}), then: atom-ops worker restart`,
          }
        }
      }
    }
  }

  return undefined
}

/**
 * Exactly the condition behind "No Gearman worker available that can handle the job": on the server the
 * web app asks, each job class a healthy worker registers needs a function with this install's prefix
 * and at least one available worker. Ranked against the reasons it can fail: workers on another server,
 * under another prefix. Classes the real worker never registers (a disabled plugin's) are information.
 */
export async function checkWorkersForJobClasses(
  ctx: DoctorEvidence,
  otherProfiles: Map<string, string>,
): Promise<CheckResult[]> {
  const views = await ctx.serverViews()
  const asked = askedServer(views)
  const results: CheckResult[] = []
  const base = {id: 'gearman.job-classes', title: `Workers for each job class on ${asked.label} (what AtoM checks)`}
  const abilities = await ctx.abilities()
  const notExpected = [...abilities.skipped, ...abilities.uncertain]
  if (notExpected.length > 0) {
    results.push({
      id: 'gearman.classes-not-registered',
      title: 'Listed job classes the worker does not register',
      status: 'info',
      rank: 98,
      summary: notExpected.map((s) => s.jobClass).join(', '),
      evidence: notExpected.map((s) => `${s.jobClass}: ${s.reason}`),
    })
  }

  if (!asked.ok)
    return [
      ...results,
      {...base, status: 'unknown', rank: 90, summary: `cannot tell: ${asked.label} does not answer`, evidence: []},
    ]

  const classes = abilities.expected
  const available = new Map(
    asked.status
      .filter((s) => isInstallFunction(s.function, ctx.prefix))
      .map((s) => [splitFunctionName(s.function).jobClass, s.availableWorkers]),
  )
  const missing = classes.filter((c) => !(available.get(c)! > 0))
  const evidence = missing
    .slice(0, 5)
    .map((c) => `${ctx.prefix}${c}: ${available.has(c) ? '0 available workers' : 'not registered'}`)
  if (missing.length > 5) evidence.push(`... and ${missing.length - 5} more job classes`)

  // Where else are this install's workers?
  const elsewhere = views.filter(
    (v) => v !== asked && v.workers.some((w) => w.functions.some((f) => isInstallFunction(f, ctx.prefix))),
  )
  if (missing.length > 0 && elsewhere.length > 0) {
    // The worker's own configuration lists the asked server: then it runs on an older one (its
    // compiled cache, or it was not restarted since gearman.yml changed), and that is the fix.
    const listed = ctx.install.worker.gearmanServers.some((s) => formatHostPort(s) === asked.label)
    results.push({
      id: 'gearman.workers-elsewhere',
      title: 'Workers on another server',
      status: 'critical',
      rank: 20,
      summary: `this install's workers are connected to ${elsewhere.map((v) => v.label).join(', ')}, but AtoM asks ${asked.label} (the last in gearman.yml)`,
      evidence: [
        'QubitJob::checkWorkerAvailable asks only the last server the web app lists in gearman.yml',
        listed
          ? `the worker's gearman.yml lists ${asked.label} too: the running worker uses an older configuration (cache/qubit/worker, or it was not restarted since the change)`
          : `the worker's gearman.yml does not list ${asked.label}`,
      ],
      fix: listed
        ? `${ctx.command('cache clear --symfony')} && ${ctx.restartCommand}`
        : `List ${asked.label} in the worker's gearman.yml too (or move it last for the web app), then: ${ctx.restartCommand}`,
      action: listed ? {kind: 'clear-symfony-cache'} : undefined,
    })
  }

  const foreign = foreignPrefixes(ctx, views)
  for (const use of foreign.values()) {
    const explained = await explainPrefix(ctx, use.prefix, otherProfiles)
    if (explained?.why.startsWith('belongs to profile')) continue
    // With every class served under the right prefix, the service is fine: this is a stray process,
    // and restarting the service would not touch it.
    const stray = missing.length === 0
    results.push({
      id: 'gearman.other-prefix',
      title: 'Workers under another prefix',
      status: stray ? 'warning' : 'critical',
      rank: stray ? 60 : 15,
      summary: `workers on ${use.server} register ${use.jobClasses.size} of this install's job classes under prefix ${use.prefix}, not ${ctx.prefix}`,
      evidence: [
        explained?.why ??
          'another install root or workers_key (no profile, release directory or key atom-ops knows of matches)',
        `job classes: ${[...use.jobClasses].slice(0, 6).join(', ')}${use.jobClasses.size > 6 ? ', ...' : ''}`,
        `connections: ${[...use.connections].join(', ')}`,
      ],
      fix: stray
        ? findStrayFix(use.server, use.connections)
        : (explained?.fix ??
          `${ctx.restartCommand}   # from ${ctx.install.realRoot}, with workers_key "${ctx.config.workersKey?.value ?? ''}"`),
    })
  }

  if (missing.length === 0) {
    results.push({
      ...base,
      status: 'ok',
      rank: 90,
      summary: `all ${classes.length} job classes the worker registers have available workers`,
      evidence: [],
    })
    return results
  }

  const none = missing.length === classes.length
  const served = classes.filter((c) => !missing.includes(c))
  // Most classes missing is the worker service down (a stray worker may still serve a few); only a
  // small gap with the rest served points at a worker started with --types/--abilities.
  const serviceDown = none || missing.length * 2 >= classes.length
  const strays = asked.workers.filter((w) => w.functions.some((f) => isInstallFunction(f, ctx.prefix)))
  if (!none)
    evidence.push(
      `still served: ${served.slice(0, 5).join(', ')}${served.length > 5 ? ', ...' : ''}${strays.length > 0 ? ` by ${strays.map(describeConnection).join(', ')}` : ''}`,
    )
  results.push({
    ...base,
    status: 'critical',
    rank: none ? 45 : serviceDown ? 44 : 40,
    summary: none
      ? `no worker at all for this install on ${asked.label}: every job fails with "No Gearman worker available"`
      : `no available worker for ${missing.length} of ${classes.length} job classes: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}${serviceDown ? `; only ${served.length} still served: the worker service looks down` : ''}`,
    evidence,
    fix: serviceDown
      ? ctx.restartCommand
      : `Start a worker without --types/--abilities limits, then: ${ctx.restartCommand}`,
    action: serviceDown ? {kind: 'reset-and-restart-worker'} : undefined,
  })
  return results
}

/** Jobs queued for this install's functions where no worker is connected: they wait for ever. */
export async function checkWaitingWithoutWorker(ctx: DoctorEvidence): Promise<CheckResult> {
  const views = await ctx.serverViews()
  const stuck: string[] = []
  let total = 0
  for (const view of views) {
    for (const s of view.status) {
      if (!isInstallFunction(s.function, ctx.prefix) || s.waiting === 0 || s.availableWorkers > 0) continue
      total += s.waiting
      stuck.push(`${view.label} ${splitFunctionName(s.function).jobClass}: ${s.waiting} waiting, 0 workers`)
    }
  }

  const base = {id: 'gearman.waiting-no-worker', title: 'Queued jobs without a worker'}
  if (total === 0) return {...base, status: 'ok', rank: 90, summary: 'no job waits without a worker', evidence: []}
  return {
    ...base,
    status: 'critical',
    rank: 46,
    summary: `${total} job${total === 1 ? '' : 's'} waiting with no worker`,
    evidence: stuck,
    fix: ctx.restartCommand,
  }
}
