import type {ClearPlan, ClearResult} from '../lib/jobs/clear.js'
import type {CancelReport} from '../lib/jobs/gearman.js'
import type {KillPlan, KillResult} from '../lib/jobs/kill.js'
import type {JobList, JobSummary} from '../lib/jobs/query.js'
import type {JobDetails} from '../lib/jobs/show.js'
import type {BackupsReport} from '../lib/jobs/backups.js'
import type {RestoreReport} from '../lib/jobs/backup.js'
import type {StalledReport} from '../lib/jobs/stalled.js'
import {type CsvOptions, phpCsvLine} from '../lib/jobs/csv.js'
import {describeFilter} from '../lib/jobs/filter.js'
import {renderPairs, renderTable} from './table.js'
import {displayTime, formatDuration, inert, plural} from './text.js'

function timeCell(j: JobSummary): string {
  if (j.seconds === null) return '-'
  return j.status === 'running' ? `${formatDuration(j.seconds * 1000)} (age)` : formatDuration(j.seconds * 1000)
}

export function renderJobList(r: JobList): string {
  if (r.jobs.length === 0) {
    const filter = describeFilter(r.filter)
    return r.unknown ? `No jobs match: ${r.unknown.map(inert).join('; ')}.` : filter === 'all jobs' ? 'No jobs.' : `No jobs match (${inert(filter)}).`
  }
  const table = renderTable(
    ['id', 'name', 'status', 'user', 'started', 'completed', 'duration/age', 'related'],
    r.jobs.map((j) => [j.id, j.name ?? '', j.status, j.user ?? '(none)', displayTime(j.startedAt), displayTime(j.completedAt), timeCell(j), j.related ?? '']),
  )
  const more = r.total > r.jobs.length ? `\n${r.jobs.length} of ${r.total} matching jobs shown; raise --limit (0 = all) to see more.` : `\n${plural(r.total, 'job')}.`
  return table + more
}

/** `jobs list --csv`: fputcsv's quoting; cells neutralised for spreadsheets and terminals unless `raw`. */
export function jobListCsv(r: JobList, options: CsvOptions = {}): string {
  return (
    phpCsvLine(['id', 'name', 'status', 'user', 'started', 'completed', 'seconds', 'related']) +
    r.jobs.map((j) => phpCsvLine([j.id, j.name, j.status, j.user ?? '', j.startedAt, j.completedAt ?? '', j.seconds ?? '', j.related ?? ''], options)).join('')
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
    ['download', j.download.path ? `${j.download.path} (${j.download.exists ? 'exists' : j.download.refused ? `refused: ${j.download.refused}` : 'missing'})` : '-'],
  ]
  if (j.gearman) {
    const s = j.gearman.state
    const down = j.gearman.servers.filter((x) => !x.ok).map((x) => `${x.server} did not answer`)
    pairs.push(['gearman function', j.gearman.function])
    pairs.push(['gearman', s ? `${s.waiting} waiting, ${s.running} running, ${s.workers} worker(s) on ${s.servers.join(', ')}` : j.gearman.error ? `no answer: ${j.gearman.error}` : 'no server knows this function'])
    if (down.length) pairs.push(['gearman servers', down.join('; ')])
  }
  const out = [renderPairs(pairs)]
  out.push(`\nNotes (${j.notes.length}):`)
  for (const n of j.notes) out.push(`  [${n.type}] ${inert(n.content)}`)
  if (j.properties.length) {
    out.push(`\nProperties (${j.properties.length}):`)
    for (const p of j.properties) out.push(`  ${inert(p.name)} = ${inert(p.value)}`)
  }
  out.push(`\nOutput:`)
  // The job's log is shown line by line, each line made inert.
  out.push(j.output ? j.output.split('\n').map((l) => '  ' + inert(l)).join('\n') : '  (none)')
  return out.join('\n')
}

function renderInProgress(rows: ClearPlan['inProgress']): string {
  return renderTable(
    ['id', 'name', 'user', 'started', 'age', 'gearman says'],
    rows.map((r) => [r.id, r.name ?? '', r.user ?? '(none)', displayTime(r.startedAt), formatDuration(r.ageSeconds * 1000), `${r.state}${r.blockedBy ? ` (behind #${r.blockedBy})` : ''}`]),
  )
}

export function renderClearPlan(p: ClearPlan): string {
  if (p.total === 0) return `Nothing to clear (${p.selection}).`
  const out = [`${plural(p.total, 'job')} will be deleted (${p.selection}; rows up to object id ${p.maxId}):`]
  out.push(renderTable(['name', 'status', 'jobs'], p.groups.map((g) => [g.name ?? '', g.status, g.count])))
  if (p.withDownloads) out.push(`${plural(p.withDownloads, 'job')} with a download file (removed when inside the install root).`)
  if (p.inProgress.length) {
    const live = p.inProgress.filter((r) => r.gearman === 'running' || r.gearman === 'waiting').length
    out.push(`\n${plural(p.inProgress.length, 'job')} in progress among them; Gearman says ${live} really running or waiting:`)
    out.push(renderInProgress(p.inProgress))
  }
  const down = p.gearman?.servers.filter((s) => !s.ok) ?? []
  if (down.length) out.push(`Gearman: ${down.map((s) => `${s.server} did not answer (${s.error})`).join('; ')}`)
  return out.join('\n')
}

export function renderCancel(q: CancelReport): string {
  const out = [`Gearman, cancelling queued jobs of: ${q.functions.length ? q.functions.join(', ') : 'none of the classes (see below)'}`]
  for (const o of q.outcomes) {
    out.push(
      o.skipped && o.cancelled === 0
        ? `  ${o.server}: nothing cancelled: ${o.skipped}`
        : `  ${o.server}: ${plural(o.cancelled, 'queued job')} cancelled${o.gone ? `, ${o.gone} already gone` : ''}${o.runningNotStopped ? `; ${o.runningNotStopped} running job(s) are NOT stopped by a cancel` : ''}`,
    )
    if (o.notCancelled > 0) out.push(`  ${o.server}: ${plural(o.notCancelled, 'queued job')} NOT cancelled: they will still run${o.candidates?.length ? ` (among ${o.candidates.slice(0, 8).join(', ')}${o.candidates.length > 8 ? ', ...' : ''}: atom-ops queue cancel HANDLE --server ${o.server})` : ''}`)
  }
  if (q.keptClasses.length) out.push(`  not cancelled for ${q.keptClasses.join(', ')}: other in-progress rows of those classes are waiting too`)
  out.push(`  note: ${q.note}`)
  return out.join('\n')
}

export function renderClearResult(r: ClearResult & {stalePartials?: {files: number; bytes: number}; pruned?: string[]}): string {
  const out = [`Deleted ${plural(r.deleted, 'job')} in ${plural(r.batches, 'batch', 'batches')} (with their notes and properties).`]
  if (r.alreadyGone) out.push(`${plural(r.alreadyGone, 'job')} of the plan were not deleted: gone meanwhile (another clear or kill), or changed by AtoM so they no longer match.`)
  if (r.deleted === 0 && r.batches === 0 && !r.backup && r.plan.total === 0) return 'Nothing to delete.'
  out.push(r.backup ? `Backup: ${r.backup} (restore with: atom-ops jobs restore ${r.backup})` : 'No backup was taken (--no-backup).')
  if (r.stalePartials) out.push(`Removed ${plural(r.stalePartials.files, 'unfinished backup')} left by an older run that was killed (${r.stalePartials.bytes} bytes; none of their jobs had been deleted).`)
  if (r.pruned?.length) out.push(`Pruned ${plural(r.pruned.length, 'old backup')} (--keep-backups).`)
  out.push(`Download files: ${r.files.removed} removed, ${r.files.missing} already missing, ${r.files.refused.length} refused.`)
  for (const f of r.files.refused.slice(0, 20)) out.push(`  refused ${inert(f.path)}: ${f.reason}`)
  if (r.queue) out.push(renderCancel(r.queue))
  else if (r.plan.inProgress.length) out.push('Their queued Gearman jobs (if any) were left alone; workers will log "invalid QubitJob id" for them. Use --queue to cancel them.')
  return out.join('\n')
}

export function renderRestore(r: RestoreReport): string {
  const out = [r.dryRun ? `${r.file} holds ${plural(r.jobs, 'job')}; ${r.jobs - r.skipped.length} would be restored.` : `Restored ${plural(r.restored, 'job')} of ${r.jobs} from ${r.file}.`]
  if (r.incomplete) out.push('The file has no trailer: the clear that wrote it was stopped part way. Every batch it deleted is in the file, and was restored.')
  if (r.duplicates.length) out.push(`${plural(r.duplicates.length, 'job')} appeared more than once in the file and were restored once: ${r.duplicates.slice(0, 10).map((id) => `#${id}`).join(', ')}${r.duplicates.length > 10 ? ', ...' : ''}`)
  if (r.skipped.length) out.push(`${plural(r.skipped.length, 'job')} skipped: ${r.skipped.slice(0, 10).map((s) => `#${s.id} (${s.reason})`).join(', ')}${r.skipped.length > 10 ? ', ...' : ''}`)
  if (r.nulledReferences) out.push(`${plural(r.nulledReferences, 'reference')} to users or objects that no longer exist set to NULL.`)
  return out.join('\n')
}

export function renderKillPlan(p: KillPlan): string {
  const j = p.job
  const lines = [`Job ${j.id} ${inert(j.name)}: ${j.status}, started ${displayTime(j.startedAt)} by ${inert(j.user ?? '(none)')}.`]
  if (p.gearman) lines.push(`Gearman: ${p.gearman.state} (${inert(p.gearman.reason)}).`)
  lines.push(p.action === 'delete' ? 'It will be backed up, then deleted with its notes and properties.' : 'It will be marked failed (status Error, completed now) with an error note saying atom-ops killed it.')
  return lines.join('\n')
}

export function renderKillResult(r: KillResult): string {
  const out: string[] = []
  if (r.dryRun) out.push('Dry run: nothing was changed.')
  else if (r.action === 'mark-failed') out.push(`Job ${r.plan.job.id} marked failed. Note: ${inert(r.note)}`)
  else {
    out.push(`Job ${r.plan.job.id} deleted.`)
    out.push(r.backup ? `Backup: ${r.backup}` : 'No backup was taken (--no-backup).')
    if (r.file) out.push(`Download file ${inert(r.file.path)}: ${r.file.outcome}${r.file.reason ? ` (${r.file.reason})` : ''}`)
  }
  if (!r.dryRun) {
    out.push(`Gearman: ${inert(r.queued.message)}${r.plan.gearman && r.queued.state === 'none' ? ` (the row was ${r.plan.gearman.state})` : ''}.`)
    if (r.queued.command) out.push(`  to cancel it: ${inert(r.queued.command)}`)
  }
  out.push(r.worker)
  return out.join('\n')
}

export function renderStalled(r: StalledReport): string {
  const out: string[] = []
  const down = r.servers.filter((s) => !s.ok)
  if (down.length) out.push(`Gearman: ${down.map((s) => `${s.server} did not answer (${s.error})`).join('; ')}`)
  if (r.stalled.length === 0) {
    out.push(`No job has been in progress longer than ${formatDuration(r.olderThanSeconds * 1000)} (${plural(r.inProgress, 'job')} in progress in all).`)
    return out.join('\n')
  }
  out.push(
    renderTable(
      ['id', 'name', 'user', 'started', 'age', 'state', 'why'],
      r.stalled.map((j) => [j.id, j.name ?? '', j.user ?? '(none)', displayTime(j.startedAt), formatDuration(j.ageSeconds * 1000), j.state, j.reason]),
    ),
  )
  const c = r.counts
  out.push(`${plural(r.stalled.length, 'job')} in progress longer than ${formatDuration(r.olderThanSeconds * 1000)}: ${c.zombie} zombie, ${c.blocked} blocked, ${c.running} running, ${c.waiting} waiting, ${c.unknown} unknown.`)
  if (c.zombie || c.blocked) out.push('Mark a zombie failed with `atom-ops jobs kill ID`; a blocked move or import runs once the zombie ahead of it is gone.')
  out.push(`(${r.note})`)
  return out.join('\n')
}

export function renderBackups(r: BackupsReport, pruned = false): string {
  const out: string[] = []
  if (r.stalePartials.files) out.push(`Removed ${plural(r.stalePartials.files, 'unfinished backup')} of an older run that was killed (${r.stalePartials.bytes} bytes; none of their jobs had been deleted).`)
  if (r.backups.length === 0) out.push(`No backups in ${inert(r.directory)}.`)
  else {
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`
    out.push(
      renderTable(
        ['backup', 'written', 'size', 'jobs', 'complete', 'selection'],
        r.backups.map((b) => [inert(b.path.slice(r.directory.length + 1)), displayTime(b.modified), mb(b.bytes), b.jobs ?? '?', b.problem ? `unreadable: ${inert(b.problem)}` : b.complete ? 'yes' : 'no (stopped part way)', inert(b.selection ?? '')]),
      ),
    )
    out.push(`${plural(r.backups.length, 'backup')} in ${inert(r.directory)}, ${(r.backups.reduce((a, b) => a + b.bytes, 0) / 1048576).toFixed(1)} MB.`)
  }
  if (r.prune && !pruned) out.push(r.prune.remove.length ? `${r.prune.dryRun ? 'Would remove' : 'Removing'} ${plural(r.prune.remove.length, 'backup')}: ${r.prune.remove.map((p) => inert(p)).join(', ')}` : 'Nothing to prune.')
  if (r.prune && pruned) {
    out.push(`Removed ${plural(r.prune.removed.length, 'backup')}.`)
    for (const f of r.prune.failed) out.push(`  could not remove ${inert(f.path)}: ${inert(f.error)}`)
  }
  return out.join('\n')
}
