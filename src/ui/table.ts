import Table from 'cli-table3'

import {inert} from './text.js'

/** A plain table for humans; every cell is made inert. No colours when stdout is not a terminal. */
export function renderTable(head: string[], rows: unknown[][]): string {
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
