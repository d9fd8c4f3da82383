import {AtomClock} from '../atom/clock.js'
import {isInstallFunction} from '../atom/facts.js'
import {splitFunctionName} from '../atom/prefix.js'
import {requireGearman, requirePrefix, type ResolvedConfig} from '../config/resolve.js'
import {Database} from '../db/database.js'
import {msLeft} from '../gearman/deadline-socket.js'
import {fetchServerView} from '../gearman/view.js'
import {stalledSummary} from '../jobs/stalled.js'
import {durationSummaries, firstIdFrom} from '../jobs/stats.js'
import {TERM_IDS} from '../jobs/terms.js'
import {inertExcept} from '../util/text.js'

export interface Sample {
  labels: Record<string, string>
  value: number
  /** A summary's `_sum` and `_count` lines (the quantiles have none). */
  suffix?: '_sum' | '_count'
}

export interface MetricFamily {
  name: string
  help: string
  type: 'gauge' | 'summary'
  samples: Sample[]
}

/** The window of the duration summaries: the jobs started in the last day. */
export const DURATION_WINDOW_MS = 86_400_000

const STATUS_LABEL: Record<number, string> = {
  [TERM_IDS.inProgress]: 'in_progress',
  [TERM_IDS.completed]: 'completed',
  [TERM_IDS.error]: 'error',
}

/**
 * One scrape: Gearman per server and function of this install (waiting, running, available workers),
 * `up` per server and for the database, jobs by status and the oldest in-progress age.
 */
export async function collectMetrics(config: ResolvedConfig): Promise<MetricFamily[]> {
  const started = Date.now()
  const timeoutMs = config.timeoutMs.value
  const prefix = requirePrefix(config)
  const servers = requireGearman(config)
  const install = config.profile ?? 'default'
  const family = (name: string, help: string, type: MetricFamily['type'] = 'gauge'): MetricFamily => ({
    name,
    help,
    type,
    samples: [],
  })

  const gearmanUp = family('atom_ops_gearman_up', 'Whether the Gearman job server answered (1) or not (0).')
  const waiting = family('atom_ops_gearman_jobs_waiting', 'Jobs queued for the function and not yet running.')
  const running = family('atom_ops_gearman_jobs_running', 'Jobs of the function being run by a worker.')
  const workers = family('atom_ops_gearman_workers', 'Workers available for the function.')
  const connections = family(
    'atom_ops_gearman_worker_connections',
    "Distinct worker connections registering any of this install's functions.",
  )
  const dbUp = family('atom_ops_database_up', 'Whether the AtoM database answered (1) or not (0).')
  const jobs = family('atom_ops_jobs', 'AtoM job rows by status.')
  // A gauge, not a counter: jobs clear (AtoM's or ours) removes rows, and a counter must never go down.
  const byClass = family(
    'atom_ops_jobs_by_class',
    'AtoM job rows by job class and status (rows in the table; clearing jobs lowers it).',
  )
  const durations = family(
    'atom_ops_job_duration_seconds',
    'Start to completion of the completed jobs started in the last 24 hours, per job class (AtoM wall times).',
    'summary',
  )
  const oldest = family(
    'atom_ops_jobs_oldest_in_progress_seconds',
    'Age of the oldest job row in progress (0 when none).',
  )
  const zombies = family(
    'atom_ops_jobs_zombies',
    'Job rows in progress for over an hour with nothing queued or running in Gearman behind them.',
  )
  const duration = family('atom_ops_scrape_duration_seconds', 'How long collecting these metrics took.')

  const [views, database] = await Promise.all([
    Promise.all(servers.map((s) => fetchServerView(s, timeoutMs))),
    (async () => {
      let db: Database | undefined
      try {
        db = await Database.open((await config.database.get()).value, timeoutMs)
        const clock = new AtomClock((await config.timezone.get()).value)
        const byStatus = await db.rows<{name: string | null; status_id: number | null; n: number}>(
          'SELECT name, status_id, COUNT(*) AS n FROM job GROUP BY name, status_id',
        )
        const since = clock.wallAgo(DURATION_WINDOW_MS)
        const where = 'WHERE j.id >= ? AND o.created_at >= ?'
        const range = [await firstIdFrom(db, clock, since), since]
        const durations = await durationSummaries(db, where, range)
        // The scrape has one deadline: Gearman is asked again here with what is left of it.
        const stalled = await stalledSummary(db, clock, {servers, prefix, timeoutMs: msLeft(started + timeoutMs)})
        return {
          ok: true as const,
          byStatus,
          durations,
          age: stalled.oldestInProgressSeconds,
          zombieCount: stalled.zombies.length,
        }
      } catch {
        return {ok: false as const}
      } finally {
        await db?.close()
      }
    })(),
  ])

  for (const view of views) {
    gearmanUp.samples.push({labels: {server: view.label}, value: view.ok ? 1 : 0})
    for (const s of view.status) {
      if (!isInstallFunction(s.function, prefix)) continue
      const labels = {server: view.label, install, job_class: splitFunctionName(s.function).jobClass}
      waiting.samples.push({labels, value: s.waiting})
      running.samples.push({labels, value: s.running})
      workers.samples.push({labels, value: s.availableWorkers})
    }

    if (view.ok)
      connections.samples.push({
        labels: {server: view.label, install},
        value: view.workers.filter((w) => w.functions.some((f) => isInstallFunction(f, prefix))).length,
      })
  }

  dbUp.samples.push({labels: {install}, value: database.ok ? 1 : 0})
  if (database.ok) {
    const counts = new Map<string, number>([
      ['completed', 0],
      ['error', 0],
      ['in_progress', 0],
    ])
    for (const row of database.byStatus) {
      const label = row.status_id === null ? 'none' : (STATUS_LABEL[Number(row.status_id)] ?? 'other')
      counts.set(label, (counts.get(label) ?? 0) + Number(row.n))
      byClass.samples.push({labels: {install, job_class: row.name ?? '', status: label}, value: Number(row.n)})
    }

    for (const [status, n] of counts) jobs.samples.push({labels: {install, status}, value: n})
    for (const [name, d] of database.durations) {
      const labels = {install, job_class: name === '\u0000' ? '' : name}
      durations.samples.push(
        {labels: {...labels, quantile: '0.5'}, value: d.p50},
        {labels: {...labels, quantile: '0.95'}, value: d.p95},
        {labels: {...labels, quantile: '1'}, value: d.max},
        {labels, value: d.sum, suffix: '_sum'},
        {labels, value: d.count, suffix: '_count'},
      )
    }

    oldest.samples.push({labels: {install}, value: database.age})
    zombies.samples.push({labels: {install}, value: database.zombieCount})
  }

  duration.samples.push({labels: {install}, value: (Date.now() - started) / 1000})
  return [
    gearmanUp,
    waiting,
    running,
    workers,
    connections,
    dbUp,
    jobs,
    byClass,
    durations,
    oldest,
    zombies,
    duration,
  ].filter((f) => f.samples.length > 0)
}

/**
 * A label value from a server (a Gearman function name) made inert: every control character but the
 * newline shown as text (`\u001b`); prom-client then escapes `\`, `"` and the newline as the text format says.
 */
function labelValue(value: string): string {
  return inertExcept(value, '\n')
}

/**
 * Prometheus text exposition format (0.0.4), written by prom-client so names and label values are escaped
 * right; label values are made inert first (a file or page a person may read in a terminal).
 */
export async function formatPrometheus(families: MetricFamily[]): Promise<string> {
  const {Registry, Gauge} = await import('prom-client')
  const registry = new Registry()
  const inertLabels = (labels: Record<string, string>) =>
    Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, labelValue(v)]))
  for (const f of families) {
    if (f.type === 'summary') {
      // prom-client's Summary computes its quantiles from observations; these come from MariaDB, so the
      // family is registered as what the registry formats: a name, a type and its lines.
      const values = f.samples.map((s) => ({
        labels: inertLabels(s.labels),
        value: s.value,
        metricName: s.suffix ? f.name + s.suffix : undefined,
      }))
      registry.registerMetric({
        name: f.name,
        help: f.help,
        type: 'summary',
        get: async () => ({name: f.name, help: f.help, type: 'summary', values, aggregator: 'sum'}),
      } as never)
      continue
    }

    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))]
    const gauge = new Gauge({name: f.name, help: f.help, labelNames, registers: [registry]})
    for (const s of f.samples) gauge.set(inertLabels(s.labels), s.value)
  }

  return registry.metrics()
}
