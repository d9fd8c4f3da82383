import type {ConfigReport} from '../lib/context/report.js'
import {renderTable} from './table.js'

/** config show: one row per setting; a part that could not be resolved says why in its value. */
export function renderConfigReport(report: ConfigReport): string {
  const rows = report.settings.map((s) => [s.setting, s.problem ? `NOT RESOLVED: ${s.problem}` : s.value, s.source])
  return renderTable(['setting', 'value', 'source'], rows)
}
