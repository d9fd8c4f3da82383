import type {ConfigReport} from '../lib/config/report.js'

import {type Column, renderTable} from './table.js'
import {PLAIN_VIEW, type View} from './view.js'

export const CONFIG_COLUMNS: Column[] = [
  {key: 'setting'},
  {key: 'value', shrink: 'middle', min: 20},
  {key: 'source', shrink: 'middle', min: 24, cut: 1},
]

/** config show: one row per setting; a part that could not be resolved says why in its value. */
export function renderConfigReport(report: ConfigReport, view: View = PLAIN_VIEW): string {
  const rows = report.settings.map((s) => [s.setting, s.problem ? `NOT RESOLVED: ${s.problem}` : s.value, s.source])
  return renderTable(CONFIG_COLUMNS, rows, view, {select: view.columns})
}
