import type {DoctorFixPlan, DoctorFixReport} from '../lib/doctor/fixes.js'
import type {DoctorReport, MultiDoctorReport} from '../lib/doctor/run.js'
import type {CheckResult} from '../lib/doctor/types.js'

import {inert} from './text.js'
import {paint, PLAIN_VIEW, type Style, type View} from './view.js'

const LABEL: Record<CheckResult['status'], string> = {
  ok: 'OK',
  warning: 'WARN',
  critical: 'CRIT',
  unknown: 'UNKN',
  skipped: 'SKIP',
  info: 'INFO',
}
const COLOUR: Record<CheckResult['status'], Style> = {
  ok: 'green',
  warning: 'yellow',
  critical: 'red',
  unknown: 'magenta',
  skipped: 'gray',
  info: 'cyan',
}

function tag(status: CheckResult['status'], view: View): string {
  return paint(view, COLOUR[status], LABEL[status].padEnd(4))
}

/** --quiet leaves out the checks that passed or did not apply; --verbose shows the evidence of every check. */
function one(report: DoctorReport, view: View): string {
  const lines = [
    `atom-ops doctor: ${inert(report.install.realRoot ?? report.install.root)}${report.install.prefix ? ` (prefix ${report.install.prefix})` : ''}${report.install.profile ? `, profile ${inert(report.install.profile)}` : ''}`,
    '',
  ]
  for (const c of report.checks) {
    const passed = c.status === 'ok' || c.status === 'skipped'
    if (view.quiet && (passed || c.status === 'info')) continue
    lines.push(`${tag(c.status, view)}  ${inert(c.title)}: ${inert(c.summary)}`)
    if (!passed || view.verbose) {
      for (const e of c.evidence) lines.push(`        ${inert(e)}`)
      if (c.fix) lines.push(`        fix: ${inert(c.fix)}`)
    }
  }

  // --quiet with nothing to show: one blank line under the header, not two.
  if (lines[lines.length - 1] !== '') lines.push('')
  if (report.mostLikelyCause) {
    lines.push(`Most likely cause: ${inert(report.mostLikelyCause.summary)}`)
    if (report.mostLikelyCause.fix) lines.push(`Run: ${inert(report.mostLikelyCause.fix)}`)
  } else {
    lines.push('All checks passed.')
  }

  lines.push(`${report.status.toUpperCase()} in ${report.durationMs} ms`)
  return lines.join('\n')
}

export function renderDoctorReport(result: DoctorReport | MultiDoctorReport, view: View = PLAIN_VIEW): string {
  if ('profiles' in result)
    return result.profiles.map((p) => `== profile ${inert(p.profile)} ==\n${one(p.report, view)}`).join('\n\n')
  return one(result, view)
}

/** The diagnosis, then the fixes doctor would apply, in plain words: shown before it asks. */
export function renderDoctorFixPlan(plan: DoctorFixPlan, view: View = PLAIN_VIEW): string {
  const lines = [one(plan.before, view), '']
  if (plan.fixes.length === 0) {
    lines.push(plan.before.status === 'ok' ? 'Nothing to fix.' : 'Nothing doctor can fix safely; see the fixes above.')
    return lines.join('\n')
  }

  lines.push(`doctor --fix would:`)
  for (const [i, f] of plan.fixes.entries()) lines.push(`  ${i + 1}. ${inert(f.description)}`)
  return lines.join('\n')
}

/** What was applied, and doctor's report afterwards. */
export function renderDoctorFixResult(report: DoctorFixReport, view: View = PLAIN_VIEW): string {
  if (report.dryRun) return 'Dry run: nothing was changed.'
  if (report.declined) return 'Nothing was changed.'
  const lines = ['Applied:']
  for (const f of report.fixes) {
    const mark = 'ok' in f ? (f.ok ? 'done  ' : 'FAILED') : 'plan  '
    lines.push(`  ${mark} ${inert(f.description)}${'message' in f ? `: ${inert(f.message)}` : ''}`)
  }

  if (report.after) lines.push('', 'After:', one(report.after, view))
  return lines.join('\n')
}
