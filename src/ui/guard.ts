import type {DoctorReport} from '../lib/doctor/run.js'
import type {
  GuardInstallPlan,
  GuardInstallReport,
  GuardStatusReport,
  GuardUninstallReport,
} from '../lib/guard/install.js'
import type {GuardRunReport} from '../lib/guard/run.js'

import {formatDurationMs} from '../lib/util/duration.js'
import {renderTable} from './table.js'
import {inert, plural} from './text.js'

function problems(report: DoctorReport): string[] {
  const bad = report.checks.filter((c) => c.status !== 'ok' && c.status !== 'skipped' && c.status !== 'info')
  return bad.map((c) => `  ${c.status.toUpperCase().padEnd(8)} ${inert(c.title)}: ${inert(c.summary)}`)
}

const MARK: Record<string, string> = {done: 'done   ', failed: 'FAILED ', skipped: 'skipped', planned: 'would  '}

export function renderGuardRun(r: GuardRunReport): string {
  const p = r.policy
  const out = [
    `atom-ops guard run (${inert(r.name)}): ${r.previous ? `${r.previous.toUpperCase()} before this run, ` : ''}${r.verdict.toUpperCase()} now`,
    `policy: fix ${p.fix.join(', ') || 'nothing (report only)'}; zombie grace ${formatDurationMs(p.zombieGraceMs)}; ${p.retention ? `retention ${formatDurationMs(p.retention.olderThanMs)}${p.retention.keepBackups ? `, keep ${p.retention.keepBackups} backups` : ''}, every ${formatDurationMs(p.retention.everyMs)}` : 'no retention'}; at most ${p.maxRestartsPerHour} restart(s) an hour (${r.restartsInLastHour} in the last hour)`,
    '',
    `Checks: ${r.before.status.toUpperCase()}`,
    ...problems(r.before),
  ]
  out.push('', r.actions.length === 0 ? 'Nothing to do.' : 'Actions:')
  for (const a of r.actions) out.push(`  ${MARK[a.outcome]}  ${a.action}: ${inert(a.message || a.description)}`)
  if (r.after) out.push('', `After the fixes: ${r.after.status.toUpperCase()}`, ...problems(r.after))
  if (r.changes.length > 0) {
    out.push('', r.dryRun ? 'Would notify:' : 'Changes notified:')
    for (const c of r.changes) out.push(`  - ${inert(c.summary)}`)
    if (r.dryRun)
      out.push(
        `  via ${r.wouldNotify.length > 0 ? r.wouldNotify.map(inert).join('; ') : 'no channel (no notify_exec, notify_url or notify_mail in the policy)'}`,
      )
    for (const n of r.notifications)
      out.push(`  ${n.channel} ${inert(n.target)}: ${n.ok ? 'sent' : `NOT DELIVERED: ${inert(n.message)}`}`)
    if (!r.dryRun && r.notifications.length === 0)
      out.push('  (no channel configured: notify_exec, notify_url or notify_mail)')
  } else {
    out.push('', 'No change since the last run: nothing notified.')
  }

  if (r.dryRun) out.push('', 'Dry run: nothing was changed, nothing was sent, the state was not saved.')
  return out.join('\n')
}

function renderFiles(plan: GuardInstallPlan): string[] {
  const out: string[] = []
  for (const f of plan.files)
    out.push(
      `--- ${inert(f.path)}`,
      ...f.text
        .trimEnd()
        .split('\n')
        .map((l) => `    ${inert(l)}`),
    )
  if (plan.commands.length > 0) out.push('Then run:', ...plan.commands.map((c) => `    ${inert(c.join(' '))}`))
  return out
}

export function renderGuardInstallPlan(plan: GuardInstallPlan): string {
  const how =
    plan.scheduler === 'systemd'
      ? `a systemd service and timer (${inert(plan.schedulerWhy)})`
      : `a cron entry (${inert(plan.schedulerWhy)})`
  return [
    `guard install: run \`${inert(plan.runCommand.join(' '))}\` every ${formatDurationMs(plan.everyMs)} through ${how}:`,
    ...renderFiles(plan),
  ].join('\n')
}

export function renderGuardInstall(r: GuardInstallReport): string {
  if (r.dryRun) return 'Dry run: nothing was written.'
  const out = r.steps.map(
    (s) => `${s.ok ? 'done  ' : 'FAILED'} ${inert(s.what)}${s.message ? `: ${inert(s.message)}` : ''}`,
  )
  if (r.ok)
    out.push(
      `Installed. \`atom-ops guard status${r.plan.name === 'default' ? '' : ` --profile ${inert(r.plan.name)}`}\` shows its runs and the next one.`,
    )
  return out.join('\n')
}

export function renderGuardUninstall(r: GuardUninstallReport): string {
  if (!r.found) return 'The guard is not installed: nothing to remove.'
  const out = [
    `guard uninstall (${inert(r.name)}, ${r.scheduler}):`,
    ...r.files.map((f) => `  remove ${inert(f)}`),
    ...r.commands.map((c) => `  run ${inert(c.join(' '))}`),
  ]
  if (r.dryRun) out.push('Dry run: nothing was changed.')
  else {
    out.push(
      ...r.steps.map(
        (s) => `${s.ok ? 'done  ' : 'FAILED'} ${inert(s.what)}${s.message ? `: ${inert(s.message)}` : ''}`,
      ),
    )
    if (r.ok) out.push("Removed. The guard's state and history stay in the state directory.")
  }

  return out.join('\n')
}

export function renderGuardStatus(r: GuardStatusReport): string {
  const out: string[] = []
  if (r.installed) {
    const i = r.installed
    out.push(
      `guard (${inert(r.name)}): installed with ${i.scheduler}, every ${formatDurationMs(i.everyMs)} (${i.files.map(inert).join(', ')})`,
    )
    if (i.problem) out.push(`  PROBLEM: ${inert(i.problem)}`)
    out.push(
      `  next run: ${r.nextRun ? inert(r.nextRun) : 'unknown'}${r.nextRunNote ? ` (${inert(r.nextRunNote)})` : ''}`,
    )
  } else {
    out.push(`guard (${inert(r.name)}): not installed (atom-ops guard install sets it up)`)
  }

  if (r.running) out.push(`  running now: pid ${r.running.pid} since ${inert(r.running.since)}`)
  out.push(
    `  restarts by the guard in the last hour: ${r.restartsInLastHour}${r.rateLimited ? ' (rate limit reached: restarts refused)' : ''}`,
  )
  if (r.runs.length === 0) {
    out.push('', 'No run yet.')
    return out.join('\n')
  }

  out.push('', `Last ${plural(r.runs.length, 'run')}, newest first:`)
  out.push(
    renderTable(
      ['time', 'verdict', 'before', 'exit', 'took', 'actions', 'notified'],
      r.runs.map((run) => [
        run.at,
        run.verdict.toUpperCase(),
        run.before.toUpperCase(),
        run.exitCode,
        `${(run.durationMs / 1000).toFixed(1)}s`,
        run.actions.join('; ') || '-',
        run.notified.join('; ') || '-',
      ]),
    ),
  )
  return out.join('\n')
}
