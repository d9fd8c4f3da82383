import Table from 'cli-table3'

import {inert} from './text.js'

/** Above this many rows cli-table3's layout (quadratic in the rows) costs seconds: draw aligned columns instead. */
const LARGE_TABLE = 300

/** A plain table for humans; every cell is made inert. No colours when stdout is not a terminal. */
export function renderTable(head: string[], rows: unknown[][]): string {
  if (rows.length > LARGE_TABLE) return renderColumns(head, rows)
  const table = new Table({
    head,
    style: {head: process.stdout.isTTY ? ['bold'] : [], border: process.stdout.isTTY ? ['grey'] : [], compact: true},
    chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
  })
  for (const row of rows) table.push(row.map((cell) => inert(cell)))
  return table.toString()
}

/** `key: value` lines, aligned. */
export function renderPairs(pairs: Array<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${inert(v)}`).join('\n')
}

/** Aligned columns without borders, for large tables. */
function renderColumns(head: string[], rows: unknown[][]): string {
  const cells = rows.map((row) => row.map((cell) => inert(cell)))
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}
