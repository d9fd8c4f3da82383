import type {RestoreReport} from '../lib/jobs/backup.js'
import type {BackupsReport} from '../lib/jobs/backups.js'
import type {ClearPlan, ClearResult} from '../lib/jobs/clear.js'
import type {QueuedCancelReport} from '../lib/jobs/gearman.js'
import type {KillPlan, KillResult} from '../lib/jobs/kill.js'
import type {JobList, JobSummary} from '../lib/jobs/query.js'
import type {JobDetails} from '../lib/jobs/show.js'
import type {StalledReport} from '../lib/jobs/stalled.js'

import {type CsvOptions, phpCsvLine} from '../lib/jobs/csv.js'
import {describeFilter} from '../lib/jobs/filter.js'
import {type Column, renderPairs, renderTable} from './table.js'
import {displayTime, formatDuration, inert, plural} from './text.js'
import {PLAIN_VIEW, type View} from './view.js'

/** How many in-progress rows a clear plan lists before it summarises (--verbose: all). */
export const PLAN_ROWS = 10

const ID: Column = {key: 'id', align: 'right'}
const NAME: Column = {key: 'name', shrink: 'middle'}

/** Where a row also shows its age, the start time is the first to go. */
const STARTED_BESIDE_AGE: Column = {key: 'started', hide: 1}
const USER: Column = {key: 'user', hide: 2}

export const JOB_LIST_COLUMNS: Column[] = [
  ID,
  NAME,
  {key: 'status'},
  {...USER, hide: 4},
  {key: 'started', hide: 5},
  {key: 'completed', hide: 1},
  {key: 'age', head: 'duration/age'},
  {key: 'related', shrink: 'end', min: 16, hide: 3},
]

export const STALLED_COLUMNS: Column[] = [
  ID,
  NAME,
  USER,
  STARTED_BESIDE_AGE,
  {key: 'age'},
  {key: 'state'},
  {key: 'why', footnote: true, shrink: 'end'},
]

const IN_PROGRESS_COLUMNS: Column[] = [
  ID,
  NAME,
  USER,
  STARTED_BESIDE_AGE,
  {key: 'age'},
  {key: 'gearman', head: 'gearman says', shrink: 'end', min: 14},
]

export const BACKUP_LIST_COLUMNS: Column[] = [
  {key: 'backup', shrink: 'middle', min: 20},
  {key: 'written', hide: 2},
  {key: 'size', align: 'right'},
  {key: 'jobs', align: 'right'},
  {key: 'complete', shrink: 'end'},
  {key: 'selection', shrink: 'end', hide: 1},
]

function timeCell(j: JobSummary): string {
  if (j.seconds === null) return '-'
  return j.status === 'running' ? `${formatDuration(j.seconds * 1000)} (age)` : formatDuration(j.seconds * 1000)
}

export function renderJobList(r: JobList, view: View = PLAIN_VIEW): string {
  if (r.jobs.length === 0) {
    const filter = describeFilter(r.filter)
    return r.unknown
      ? `No jobs match: ${r.unknown.map(inert).join('; ')}.`
      : filter === 'all jobs'
        ? 'No jobs.'
        : `No jobs match (${inert(filter)}).`
  }

  const table = renderTable(
    JOB_LIST_COLUMNS,
    r.jobs.map((j) => [
      j.id,
      j.name ?? '',
      j.status,
      j.user ?? '(none)',
      displayTime(j.startedAt),
      displayTime(j.completedAt),
      timeCell(j),
      j.related ?? '',
    ]),
    view,
    {select: view.columns},
  )
  if (view.quiet) return table
  const more =
    r.total > r.jobs.length
      ? `\n${r.jobs.length} of ${r.total} matching jobs shown; raise --limit (0 = all) to see more.`
      : `\n${plural(r.total, 'job')}.`
  return table + more
}

/** `jobs list --csv`: fputcsv's quoting; cells neutralised for spreadsheets and terminals unless `raw`. */
export function jobListCsv(r: JobList, options: CsvOptions = {}): string {
  return (
    phpCsvLine(['id', 'name', 'status', 'user', 'started', 'completed', 'seconds', 'related']) +
    r.jobs
      .map((j) =>
        phpCsvLine(
          [j.id, j.name, j.status, j.user ?? '', j.startedAt, j.completedAt ?? '', j.seconds ?? '', j.related ?? ''],
          options,
        ),
      )
      .join('')
  )
}

export function renderJobDetails(j: JobDetails): string {
  const pairs: Array<[string, unknown]> = [
    ['id', j.id],
    ['name', j.name],
    ['status', `${j.status} (${j.statusId ?? 'none'})`],
    ['user', j.user ?? '(none: command line)'],
    ['started', displayTime(j.startedAt)],
    ['completed', displayTime(j.completedAt)],
    [j.status === 'running' ? 'age' : 'duration', timeCell(j)],
    ['related', j.related ?? '-'],
    [
      'download',
      j.download.path
        ? `${j.download.path} (${j.download.exists ? 'exists' : j.download.refused ? `refused: ${j.download.refused}` : 'missing'})`
        : '-',
    ],
  ]
  if (j.gearman) {
    const s = j.gearman.state
    const down = j.gearman.servers.filter((x) => !x.ok).map((x) => `${x.server} did not answer`)
    pairs.push(['gearman function', j.gearman.function])
    pairs.push([
      'gearman',
      s
        ? `${s.waiting} waiting, ${s.running} running, ${s.workers} worker(s) on ${s.servers.join(', ')}`
        : j.gearman.error
          ? `no answer: ${j.gearman.error}`
          : 'no server knows this function',
    ])
    if (down.length > 0) pairs.push(['gearman servers', down.join('; ')])
  }

  const out = [renderPairs(pairs)]
  out.push(`\nNotes (${j.notes.length}):`)
  for (const n of j.notes) out.push(`  [${n.type}] ${inert(n.content)}`)
  if (j.properties.length > 0) {
    out.push(`\nProperties (${j.properties.length}):`)
    for (const p of j.properties) out.push(`  ${inert(p.name)} = ${inert(p.value)}`)
  }

  out.push(`\nOutput:`)
  // The job's log is shown line by line, each line made inert.
  out.push(
    j.output
      ? j.output
          .split('\n')
          .map((l) => '  ' + inert(l))
          .join('\n')
      : '  (none)',
  )
  return out.join('\n')
}

function renderInProgress(rows: ClearPlan['inProgress'], view: View): string {
  return renderTable(
    IN_PROGRESS_COLUMNS,
    rows.map((r) => [
      r.id,
      r.name ?? '',
      r.user ?? '(none)',
      displayTime(r.startedAt),
      formatDuration(r.ageSeconds * 1000),
      `${r.state}${r.blockedBy ? ` (behind #${r.blockedBy})` : ''}`,
    ]),
    view,
  )
}

/** "2 arObjectMoveJob, 1 arFindingAidJob": how many of each, most first (ties in the order met). */
function countBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
}

/**
 * The clear's plan: counts by class and status; the in-progress rows summarised by Gearman state and
 * class, the first PLAN_ROWS listed (those Gearman says really run or wait first); --verbose lists all.
 */
export function renderClearPlan(p: ClearPlan, view: View = PLAIN_VIEW): string {
  if (p.total === 0) return `Nothing to clear (${p.selection}).`
  const out = [`${plural(p.total, 'job')} will be deleted (${p.selection}; rows up to object id ${p.maxId}):`]
  out.push(
    renderTable(
      [NAME, {key: 'status'}, {key: 'jobs', align: 'right'}],
      p.groups.map((g) => [g.name ?? '', g.status, g.count]),
      view,
    ),
  )
  if (p.withDownloads)
    out.push(`${plural(p.withDownloads, 'job')} with a download file (removed when inside the install root).`)
  if (p.inProgress.length > 0) {
    const isLive = (r: ClearPlan['inProgress'][number]) => r.gearman === 'running' || r.gearman === 'waiting'
    const live = p.inProgress.filter(isLive).length
    out.push(
      `\n${plural(p.inProgress.length, 'job')} in progress among them; Gearman says ${live} really running or waiting:`,
    )
    const all = view.verbose || p.inProgress.length <= PLAN_ROWS
    if (!all) {
      out.push(`  by Gearman state: ${countBy(p.inProgress, (r) => r.state)}`)
      out.push(`  by class: ${inert(countBy(p.inProgress, (r) => r.name ?? '(no name)'))}`)
    }

    const rows = all
      ? p.inProgress
      : [...p.inProgress.filter(isLive), ...p.inProgress.filter((r) => !isLive(r))].slice(0, PLAN_ROWS)
    out.push(renderInProgress(rows, view))
    if (!all)
      out.push(
        `... and ${p.inProgress.length - rows.length} more in progress (--verbose lists every one; jobs stalled says why each is stuck).`,
      )
  }

  const down = p.gearman?.servers.filter((s) => !s.ok) ?? []
  if (down.length > 0) out.push(`Gearman: ${down.map((s) => `${s.server} did not answer (${s.error})`).join('; ')}`)
  return out.join('\n')
}

export function renderQueuedCancel(q: QueuedCancelReport): string {
  const out = [
    `Gearman, cancelling queued jobs of: ${q.functions.length > 0 ? q.functions.join(', ') : 'none of the classes (see below)'}`,
  ]
  for (const o of q.outcomes) {
    out.push(
      o.skipped && o.cancelled === 0
        ? `  ${o.server}: nothing cancelled: ${o.skipped}`
        : `  ${o.server}: ${plural(o.cancelled, 'queued job')} cancelled${o.gone ? `, ${o.gone} already gone` : ''}${o.runningNotStopped ? `; ${o.runningNotStopped} running job(s) are NOT stopped by a cancel` : ''}`,
    )
    if (o.notCancelled > 0)
      out.push(
        `  ${o.server}: ${plural(o.notCancelled, 'queued job')} NOT cancelled: they will still run${o.candidates?.length ? ` (among ${o.candidates.slice(0, 8).join(', ')}${o.candidates.length > 8 ? ', ...' : ''}: atom-ops queue cancel HANDLE --server ${o.server})` : ''}`,
      )
  }

  if (q.keptClasses.length > 0)
    out.push(`  not cancelled for ${q.keptClasses.join(', ')}: other in-progress rows of those classes are waiting too`)
  out.push(`  note: ${q.note}`)
  return out.join('\n')
}

export function renderClearResult(
  r: ClearResult & {stalePartials?: {files: number; bytes: number}; pruned?: string[]},
  view: View = PLAIN_VIEW,
): string {
  const out = [
    `Deleted ${plural(r.deleted, 'job')} in ${plural(r.batches, 'batch', 'batches')} (with their notes and properties).`,
  ]
  if (r.alreadyGone)
    out.push(
      `${plural(r.alreadyGone, 'job')} of the plan were not deleted: gone meanwhile (another clear or kill), or changed by AtoM so they no longer match.`,
    )
  if (r.deleted === 0 && r.batches === 0 && !r.backup && r.plan.total === 0) return 'Nothing to delete.'
  out.push(
    r.backup
      ? `Backup: ${r.backup} (restore with: atom-ops jobs restore ${r.backup})`
      : 'No backup was taken (--no-backup).',
  )
  if (view.quiet) return [...out, ...r.files.refused.map((f) => `refused ${inert(f.path)}: ${f.reason}`)].join('\n')
  if (r.stalePartials)
    out.push(
      `Removed ${plural(r.stalePartials.files, 'unfinished backup')} left by an older run that was killed (${r.stalePartials.bytes} bytes; none of their jobs had been deleted).`,
    )
  if (r.pruned?.length) out.push(`Pruned ${plural(r.pruned.length, 'old backup')} (--keep-backups).`)
  out.push(
    `Download files: ${r.files.removed} removed, ${r.files.missing} already missing, ${r.files.refused.length} refused.`,
  )
  for (const f of r.files.refused.slice(0, 20)) out.push(`  refused ${inert(f.path)}: ${f.reason}`)
  if (r.queue) out.push(renderQueuedCancel(r.queue))
  else {
    // Only where the preview saw a queued job for the row, or could not ask Gearman: otherwise there is nothing to cancel.
    const queued = r.plan.inProgress.filter((j) => j.gearman === 'waiting').length
    const unasked = r.plan.inProgress.filter((j) => j.gearman === 'unknown').length
    if (queued)
      out.push(
        `${plural(queued, 'deleted in-progress job')} had a queued Gearman job, left alone: workers will log "invalid QubitJob id" for it. Use --queue to cancel them.`,
      )
    if (unasked)
      out.push(
        `Gearman did not answer for ${plural(unasked, 'deleted in-progress job')}: any queued job of theirs was left alone. Use --queue to cancel them.`,
      )
  }

  return out.join('\n')
}

export function renderRestore(r: RestoreReport): string {
  const out = [
    r.dryRun
      ? `${r.file} holds ${plural(r.jobs, 'job')}; ${r.jobs - r.skipped.length} would be restored.`
      : `Restored ${plural(r.restored, 'job')} of ${r.jobs} from ${r.file}.`,
  ]
  if (r.incomplete)
    out.push(
      'The file has no trailer: the clear that wrote it was stopped part way. Every batch it deleted is in the file, and was restored.',
    )
  if (r.duplicates.length > 0)
    out.push(
      `${plural(r.duplicates.length, 'job')} appeared more than once in the file and were restored once: ${r.duplicates
        .slice(0, 10)
        .map((id) => `#${id}`)
        .join(', ')}${r.duplicates.length > 10 ? ', ...' : ''}`,
    )
  if (r.skipped.length > 0)
    out.push(
      `${plural(r.skipped.length, 'job')} skipped: ${r.skipped
        .slice(0, 10)
        .map((s) => `#${s.id} (${s.reason})`)
        .join(', ')}${r.skipped.length > 10 ? ', ...' : ''}`,
    )
  if (r.nulledReferences)
    out.push(`${plural(r.nulledReferences, 'reference')} to users or objects that no longer exist set to NULL.`)
  return out.join('\n')
}

export function renderKillPlan(p: KillPlan): string {
  const j = p.job
  const lines = [
    `Job ${j.id} ${inert(j.name)}: ${j.status}, started ${displayTime(j.startedAt)} by ${inert(j.user ?? '(none)')}.`,
  ]
  if (p.gearman) lines.push(`Gearman: ${p.gearman.state} (${inert(p.gearman.reason)}).`)
  lines.push(
    p.action === 'delete'
      ? 'It will be backed up, then deleted with its notes and properties.'
      : 'It will be marked failed (status Error, completed now) with an error note saying atom-ops killed it.',
  )
  return lines.join('\n')
}

export function renderKillResult(r: KillResult): string {
  const out: string[] = []
  if (r.dryRun) out.push('Dry run: nothing was changed.')
  else if (r.action === 'mark-failed') out.push(`Job ${r.plan.job.id} marked failed. Note: ${inert(r.note)}`)
  else {
    out.push(`Job ${r.plan.job.id} deleted.`)
    out.push(r.backup ? `Backup: ${r.backup}` : 'No backup was taken (--no-backup).')
    if (r.file)
      out.push(`Download file ${inert(r.file.path)}: ${r.file.outcome}${r.file.reason ? ` (${r.file.reason})` : ''}`)
  }

  if (!r.dryRun) {
    out.push(
      `Gearman: ${inert(r.queued.message)}${r.plan.gearman && r.queued.state === 'none' ? ` (the row was ${r.plan.gearman.state})` : ''}.`,
    )
    if (r.queued.command) out.push(`  to cancel it: ${inert(r.queued.command)}`)
  }

  out.push(r.worker)
  return out.join('\n')
}

export function renderStalled(r: StalledReport, view: View = PLAIN_VIEW): string {
  const out: string[] = []
  const down = r.servers.filter((s) => !s.ok)
  if (down.length > 0) out.push(`Gearman: ${down.map((s) => `${s.server} did not answer (${s.error})`).join('; ')}`)
  if (r.stalled.length === 0) {
    out.push(
      `No job has been in progress longer than ${formatDuration(r.olderThanSeconds * 1000)} (${plural(r.inProgress, 'job')} in progress in all).`,
    )
    return out.join('\n')
  }

  out.push(
    renderTable(
      STALLED_COLUMNS,
      r.stalled.map((j) => [
        j.id,
        j.name ?? '',
        j.user ?? '(none)',
        displayTime(j.startedAt),
        formatDuration(j.ageSeconds * 1000),
        j.state,
        j.reason,
      ]),
      view,
      {select: view.columns},
    ),
  )
  const c = r.counts
  out.push(
    `${plural(r.stalled.length, 'job')} in progress longer than ${formatDuration(r.olderThanSeconds * 1000)}: ${c.zombie} zombie, ${c.blocked} blocked, ${c.running} running, ${c.waiting} waiting, ${c.unknown} unknown.`,
  )
  if (view.quiet) return out.join('\n')
  if (c.zombie || c.blocked)
    out.push(
      'Mark a zombie failed with `atom-ops jobs kill ID`; a blocked move or import runs once the zombie ahead of it is gone.',
    )
  out.push(`(${r.note})`)
  return out.join('\n')
}

export function renderBackups(r: BackupsReport, view: View = PLAIN_VIEW, pruned = false): string {
  const out: string[] = []
  if (r.stalePartials.files)
    out.push(
      `Removed ${plural(r.stalePartials.files, 'unfinished backup')} of an older run that was killed (${r.stalePartials.bytes} bytes; none of their jobs had been deleted).`,
    )
  if (r.backups.length === 0) out.push(`No backups in ${inert(r.directory)}.`)
  else {
    const mb = (b: number) => `${(b / 1_048_576).toFixed(1)} MB`
    out.push(
      renderTable(
        BACKUP_LIST_COLUMNS,
        r.backups.map((b) => [
          inert(b.path.slice(r.directory.length + 1)),
          displayTime(b.modified),
          mb(b.bytes),
          b.jobs ?? '?',
          b.problem ? `unreadable: ${inert(b.problem)}` : b.complete ? 'yes' : 'no (stopped part way)',
          inert(b.selection ?? ''),
        ]),
        view,
        {select: view.columns},
      ),
    )
    out.push(
      `${plural(r.backups.length, 'backup')} in ${inert(r.directory)}, ${(r.backups.reduce((a, b) => a + b.bytes, 0) / 1_048_576).toFixed(1)} MB.`,
    )
  }

  if (r.prune && !pruned)
    out.push(
      r.prune.remove.length > 0
        ? `${r.prune.dryRun ? 'Would remove' : 'Removing'} ${plural(r.prune.remove.length, 'backup')}: ${r.prune.remove.map((p) => inert(p)).join(', ')}`
        : 'Nothing to prune.',
    )
  if (r.prune && pruned) {
    out.push(`Removed ${plural(r.prune.removed.length, 'backup')}.`)
    for (const f of r.prune.failed) out.push(`  could not remove ${inert(f.path)}: ${inert(f.error)}`)
  }

  return out.join('\n')
}
