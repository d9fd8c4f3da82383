import type {JobsStatsReport} from '../lib/jobs/stats.js'

import {renderTable} from './table.js'
import {displayTime, formatDuration, inert} from './text.js'

const BARS = '▁▂▃▄▅▆▇█'

/** One character per value, scaled to the largest; a zero is a dot, so an empty day is not mistaken for a quiet one. */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values)
  return values
    .map((v) => (v === 0 ? '·' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]))
    .join('')
}

const percent = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(r > 0 && r < 0.01 ? 2 : 1)}%`)
const seconds = (s: number | undefined) => (s === undefined ? '-' : formatDuration(s * 1000))

export function renderJobsStats(r: JobsStatsReport): string {
  const out = [
    `Jobs started ${displayTime(r.since)} to ${displayTime(r.until)} (AtoM's clock, ${inert(r.zone)}), by ${r.by}:`,
  ]
  if (r.classes.length === 0) {
    out.push('No job started in this window.')
    return out.join('\n')
  }

  const rows = r.classes.map((c) => [
    c.name ?? '(no name)',
    c.jobs,
    c.byStatus.running,
    c.byStatus.completed,
    c.byStatus.error,
    percent(c.failureRate),
    seconds(c.durationSeconds?.p50),
    seconds(c.durationSeconds?.p95),
    seconds(c.durationSeconds?.max),
    c.perDay.toFixed(c.perDay < 10 ? 1 : 0),
    sparkline(c.series),
    c.oldestInProgress ? `#${c.oldestInProgress.id}, ${formatDuration(c.oldestInProgress.ageSeconds * 1000)}` : '-',
  ])
  const t = r.total
  rows.push([
    'all classes',
    t.jobs,
    t.byStatus.running,
    t.byStatus.completed,
    t.byStatus.error,
    percent(t.failureRate),
    '',
    '',
    '',
    t.perDay.toFixed(t.perDay < 10 ? 1 : 0),
    '',
    '',
  ])
  out.push(
    renderTable(
      [
        'class',
        'jobs',
        'running',
        'completed',
        'error',
        'failed',
        'p50',
        'p95',
        'max',
        '/day',
        `per ${r.by}`,
        'oldest running',
      ],
      rows,
    ),
  )
  out.push(
    `Durations: completed jobs, start to completion. Sparkline: ${r.buckets[0]} to ${r.buckets[r.buckets.length - 1]}, one mark per ${r.by} (· none).`,
  )
  if (r.fastestGrowing.length > 0) {
    out.push('', 'Fastest growing (jobs started in the later half of the window against the earlier half):')
    for (const g of r.fastestGrowing)
      out.push(
        `  ${inert(g.name ?? '(no name)')}: ${g.earlier} -> ${g.recent} (+${g.change}${g.ratio === null ? '' : `, x${g.ratio.toFixed(1)}`})`,
      )
  }

  return out.join('\n')
}
