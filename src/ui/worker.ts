import type {CacheClearReport} from '../lib/cache/clear.js'
import type {CacheTally} from '../lib/cache/symfony.js'
import type {HostOutcome} from '../lib/service/targets.js'
import type {UnitStatus} from '../lib/service/types.js'
import type {
  WorkerControlReport,
  WorkerLogsReport,
  WorkerResetReport,
  WorkerStatusReport,
} from '../lib/service/worker.js'

import {formatBytes} from '../lib/util/bytes.js'
import {type Column, renderTable} from './table.js'
import {displayTime, formatDuration, inert, plural} from './text.js'
import {PLAIN_VIEW, type View} from './view.js'

function since(s: UnitStatus): string {
  if (s.sinceIso) return `${displayTime(s.sinceIso)} (${formatDuration(Date.now() - Date.parse(s.sinceIso))} ago)`
  return s.since ?? '-'
}

function unitRows(host: string, status: UnitStatus[]): unknown[][] {
  return status.map((s) => [
    host,
    s.unit,
    s.startLimitHit ? `${s.rawState} START-LIMIT-HIT` : s.rawState,
    since(s),
    s.mainPid ?? '-',
    s.restarts ?? '-',
    formatBytes(s.memoryBytes),
    s.lastExitStatus === undefined ? '-' : String(s.lastExitStatus),
  ])
}

/** A line per host that failed, and its hint on the next; each part made inert on its own, so the line break stays one. */
function hostErrors(hosts: Array<HostOutcome<unknown>>): string[] {
  return hosts.flatMap((h) =>
    h.ok
      ? []
      : [
          `${inert(h.host)}: UNREACHABLE/ERROR: ${inert(h.error.message)}${h.error.hint ? `\n  hint: ${inert(h.error.hint)}` : ''}`,
        ],
  )
}

export const UNIT_COLUMNS: Column[] = [
  {key: 'host', caption: true, shrink: 'middle', hide: 4},
  {key: 'unit', shrink: 'middle'},
  {key: 'state'},
  {key: 'since', shrink: 'end', min: 20, hide: 3},
  {key: 'pid', align: 'right'},
  {key: 'restarts', align: 'right', hide: 1},
  {key: 'memory', align: 'right', hide: 2},
  {key: 'last-exit', head: 'last exit', align: 'right'},
]

const CLASS_COLUMNS: Column[] = [
  {key: 'job class', shrink: 'middle'},
  ...['workers', 'waiting', 'running'].map((key): Column => ({key, align: 'right'})),
]

export function renderWorkerStatus(r: WorkerStatusReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  const rows = r.hosts.flatMap((h) =>
    h.ok
      ? unitRows(`${h.host} (${h.manager})`, h.value.status)
      : [[h.host, r.unitPattern, 'UNREACHABLE', '-', '-', '-', '-', '-']],
  )
  out.push(renderTable(UNIT_COLUMNS, rows, view, {select: view.columns}))
  for (const h of r.hosts)
    if (h.ok)
      for (const s of h.value.status) if (s.note) out.push(`${inert(h.host)} ${inert(s.unit)}: ${inert(s.note)}`)
  out.push(...hostErrors(r.hosts))
  if (r.gearman.error) out.push(`Gearman: not checked (${inert(r.gearman.error)})`)
  for (const s of r.gearman.servers) {
    if (!s.ok) {
      out.push(`Gearman ${s.server}: DOWN (${inert(s.error)})`)
      continue
    }

    const withWorkers = s.classes.filter((c) => c.availableWorkers > 0).length
    out.push(
      `\nGearman ${s.server}: ${plural(s.workerConnections, 'worker connection')} for this install; ${withWorkers}/${s.classes.length} job classes have workers`,
    )
    if (s.classes.some((c) => c.registered))
      out.push(
        renderTable(
          CLASS_COLUMNS,
          s.classes.map((c) => [c.jobClass, c.availableWorkers, c.waiting, c.running]),
          view,
        ),
      )
  }

  out.push(
    r.problems.length === 0
      ? '\nOK: every unit runs and the install has workers.'
      : `\n${plural(r.problems.length, 'problem')}:\n${r.problems.map((p) => `  - ${inert(p)}`).join('\n')}`,
  )
  return out.join('\n')
}

export function renderWorkerControl(r: WorkerControlReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  for (const h of r.hosts) {
    if (!h.ok) continue
    for (const step of h.value.plan) {
      const cmd = step.argv.length > 0 ? step.argv.join(' ') : '(nothing to run)'
      if (r.dryRun) out.push(`${inert(h.host)}: would run: ${inert(cmd)}${step.why ? `   # ${step.why}` : ''}`)
    }

    if (h.value.resetStartLimit.length > 0)
      out.push(
        `${inert(h.host)}: ${inert(h.value.resetStartLimit.join(', '))} ${h.value.resetStartLimit.length === 1 ? 'was' : 'were'} at the start limit: reset-failed first`,
      )
    for (const s of h.value.steps)
      out.push(`${inert(h.host)}: ${s.action} ${inert(s.unit)}: ${s.ok ? 'ok' : 'FAILED'} (${inert(s.message)})`)
    const state = h.value.after ?? h.value.before
    out.push(renderTable(UNIT_COLUMNS, unitRows(`${h.host} (${h.manager})`, state), view))
  }

  out.push(...hostErrors(r.hosts))
  const v = r.verification
  if (r.dryRun) out.push('Dry run: nothing was changed.')
  else if (v?.skipped) out.push(`${r.action}: ${v.skipped}`)
  else if (v?.verified)
    out.push(
      `${r.action} verified on ${inert(v.checked)} in ${(v.elapsedMs / 1000).toFixed(1)}s after the service manager returned (${((r.durationMs ?? 0) / 1000).toFixed(1)}s in all): ${r.action === 'stop' ? "no worker is left for this install's functions" : `all ${v.expectedClasses} job classes the worker registers have an available worker`}`,
    )
  else if (v) {
    const shown = view.verbose ? v.missing.length : 20
    out.push(
      `${r.action} NOT verified on ${inert(v.checked)} after ${(v.elapsedMs / 1000).toFixed(1)}s; still missing:\n${v.missing
        .slice(0, shown)
        .map((m) => `  - ${inert(m)}`)
        .join(
          '\n',
        )}${v.missing.length > shown ? `\n  ... ${v.missing.length - shown} more (--verbose lists them)` : ''}`,
    )
  }

  return out.join('\n')
}

export function renderWorkerReset(r: WorkerResetReport): string {
  const out: string[] = []
  for (const h of r.hosts) {
    if (!h.ok) continue
    if (h.value.explanation) out.push(`${inert(h.host)}: ${inert(h.value.explanation)}`)
    if (r.dryRun && h.value.argv.length > 0) out.push(`${inert(h.host)}: would run: ${inert(h.value.argv.join(' '))}`)
    for (const s of h.value.steps)
      out.push(`${inert(h.host)}: reset-failed ${inert(s.unit)}: ${s.ok ? 'ok' : 'FAILED'} (${inert(s.message)})`)
  }

  out.push(...hostErrors(r.hosts))
  if (r.dryRun) out.push('Dry run: nothing was changed.')
  return out.join('\n')
}

export function renderWorkerLogs(r: WorkerLogsReport): string {
  const many = r.hosts.length > 1
  const out: string[] = []
  for (const h of r.hosts) {
    if (!h.ok) continue
    for (const line of h.value.lines) out.push(many ? `${inert(h.host)}: ${inert(line)}` : inert(line))
    // An empty log is said, not shown as nothing (which reads as a hang or a failure).
    if (h.value.lines.length === 0 && !r.followed)
      out.push(
        `${inert(h.host)}: no log lines for ${inert(h.value.units.join(', ') || r.unitPattern)}${r.since ? ` since ${inert(r.since)}` : ': the log is empty'}.`,
      )
  }

  out.push(...hostErrors(r.hosts))
  return out.join('\n')
}

function tally(t: CacheTally): string {
  return `${plural(t.files, 'file')}, ${plural(t.directories, 'directory', 'directories')}, ${plural(t.symlinks, 'symlink')} (${formatBytes(t.bytes)})`
}

export function renderCacheClear(r: CacheClearReport): string {
  const out: string[] = []
  const would = r.dryRun ? 'would remove' : 'removed'
  if (r.symfony?.error) out.push(`Symfony cache: FAILED: ${inert(r.symfony.error.message)}`)
  else if (r.symfony?.result) {
    const s = r.symfony.result
    const how =
      s.method === 'php symfony cc'
        ? `via ${inert(s.argv?.join(' '))} in ${inert(r.root)}`
        : `files under ${inert(s.cacheDir)} (symlinks removed, never followed)${s.why ? `; not php symfony cc: ${inert(s.why)}` : ''}`
    out.push(`Symfony cache: ${would} ${tally(r.dryRun ? s.before : (s.removed ?? s.before))} ${how}`)
    if (s.after && (s.after.files > 0 || s.after.symlinks > 0)) out.push(`  left behind: ${tally(s.after)}`)
    for (const e of s.errors.slice(0, 10)) out.push(`  error: ${inert(e)}`)
  }

  if (r.phpFpm) {
    const p = r.phpFpm
    if (p.skipped) out.push(`APCu (php-fpm): skipped: ${inert(p.skipped)}`)
    else if (p.error) out.push(`APCu (php-fpm): FAILED: ${inert(p.error.message)}`)
    else if (r.dryRun) out.push(`APCu (php-fpm): would run: ${inert(p.argv?.join(' '))}`)
    else
      for (const s of p.steps ?? [])
        out.push(`APCu (php-fpm): restart ${inert(s.unit)}: ${s.ok ? 'ok' : `FAILED (${inert(s.message)})`}`)
  }

  if (r.memcached) {
    if ('skipped' in r.memcached) out.push(`memcached: skipped: ${r.memcached.skipped}`)
    else
      for (const m of r.memcached) {
        if (r.dryRun) out.push(`memcached ${m.server}: would send flush_all`)
        else
          out.push(
            `memcached ${m.server}: ${m.error ? `FAILED: ${inert(m.error.message)}` : `flush_all answered ${inert(m.answer)}`}`,
          )
      }
  }

  if (r.dryRun) out.push('Dry run: nothing was changed.')
  return out.join('\n')
}
