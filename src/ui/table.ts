import type CliTableType from 'cli-table3'

import {createRequire} from 'node:module'

import {inert} from './text.js'
import {paint, PLAIN_VIEW, type Style, type View} from './view.js'

/** cli-table3 (CommonJS) is loaded when a bordered table is first drawn: --json and large tables never need it. */
let cliTable: typeof CliTableType | undefined
function loadCliTable(): typeof CliTableType {
  return (cliTable ??= createRequire(import.meta.url)('cli-table3') as typeof CliTableType)
}

/** Above this many rows cli-table3's layout (quadratic in the rows) costs seconds: draw aligned columns instead. */
const LARGE_TABLE = 300
/** Between columns of a table drawn without borders. */
const GAP = 2

/** One column of a table, and how it gives way on a narrow terminal. */
export interface Column {
  /** Its name for --columns (lower case, no spaces). */
  key: string
  /** The header (default: the key). */
  head?: string
  /** Numbers: right-aligned when drawn without borders. */
  align?: 'right'
  /**
   * How it narrows: 'middle' cuts a name in its middle, keeping both ends and keeping different names
   * different (arInformat…CsvExportJob); 'end' cuts free text at its end.
   */
  shrink?: 'middle' | 'end'
  /** The narrowest it is cut to (default 16 for 'middle', 10 for 'end'; never narrower than its header). */
  min?: number
  /** Which columns are cut first: lower first, the widest first among equals (default 1 for 'end', 2 for 'middle'). */
  cut?: number
  /** Long prose (a "why"): when the table is too wide, a number in the cell and the text under the table. */
  footnote?: boolean
  /** When the table is too wide and every row has the same value: said once above it ("server: X"). */
  caption?: boolean
  /**
   * May be left out on a narrow terminal: 1 is of low value and goes before anything is cut; 2, 3, ...
   * go in that order only when cutting is not enough. Unset: always shown.
   */
  hide?: number
}

type Spec = Column & Required<Pick<Column, 'key' | 'head'>>

/** A cell drawn in a style (when the view has colour), e.g. a value that changed since the last refresh. */
export interface StyledCell {
  value: unknown
  style?: Style
}

export interface TableOptions {
  /** --columns: only these columns (by key), in this order; never left out to fit. */
  select?: readonly string[]
  /** false: never borders, also in a pipe (a live view, a log). */
  borders?: boolean
}

function isStyled(cell: unknown): cell is StyledCell {
  return typeof cell === 'object' && cell !== null && 'value' in cell
}

/**
 * A table for people. Without a width (a pipe, a file, --wide) every column is drawn in full, with
 * borders. With one (a terminal) it is drawn without borders and fitted: as far as needed, a column with
 * one value for every row becomes a caption, long prose becomes numbered notes, low-value columns are
 * left out, text is cut at its end and names in their middle; when even that does not fit, each row is
 * shown as a `key: value` block. `select` (--columns) picks and orders the columns: those are never left
 * out. Every cell is made inert; the header is bold when the view has colour.
 */
export function renderTable(
  columns: ReadonlyArray<Column | string>,
  rows: readonly unknown[][],
  view: View = PLAIN_VIEW,
  options: TableOptions = {},
): string {
  const all: Spec[] = columns.map((c) => (typeof c === 'string' ? {key: c, head: c} : {...c, head: c.head ?? c.key}))
  const select = options.select?.length ? options.select : undefined
  const chosen = select
    ? select.map((k) => all.findIndex((c) => c.key === k)).filter((i) => i >= 0)
    : all.map((_, i) => i)
  const table: Table = {
    specs: chosen.map((i) => all[i]),
    cells: rows.map((row) => chosen.map((i) => inert(isStyled(row[i]) ? row[i].value : row[i]))),
    styles: rows.map((row) => chosen.map((i) => (isStyled(row[i]) ? row[i].style : undefined))),
  }
  if (view.width !== undefined) return fit(table, view, view.width, Boolean(select))
  return options.borders !== false && rows.length <= LARGE_TABLE
    ? drawBordered(table, view)
    : drawPlain(table, naturalWidths(table), view)
}

interface Table {
  specs: Spec[]
  cells: string[][]
  styles: Array<Array<Style | undefined>>
}

/** `key: value` lines, aligned. */
export function renderPairs(pairs: Array<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${inert(v)}`).join('\n')
}

/** How many columns a text takes (one per code point: wide characters are not told apart). */
export function textWidth(text: string): number {
  // Without surrogate pairs every UTF-16 unit is one code point.
  if (!/[\uD800-\uDFFF]/.test(text)) return text.length
  return [...text].length
}

/** `arInformat…CsvExportJob`: both ends kept, the end a little longer (where AtoM's class names differ). */
export function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text
  const chars = [...text]
  if (chars.length <= width) return text
  if (width <= 1) return '…'.slice(0, width)
  const keep = width - 1
  const head = Math.floor((keep - 1) / 2)
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (keep - head)).join('')
}

export function truncateEnd(text: string, width: number): string {
  if (text.length <= width) return text
  const chars = [...text]
  if (chars.length <= width) return text
  return width <= 1 ? '…'.slice(0, width) : chars.slice(0, width - 1).join('') + '…'
}

function naturalWidths({specs, cells}: Table): number[] {
  return specs.map((s, i) => cells.reduce((w, row) => Math.max(w, textWidth(row[i])), textWidth(s.head)))
}

function drawBordered({specs, cells, styles}: Table, view: View): string {
  const CliTable = loadCliTable()
  const table = new CliTable({
    head: specs.map((s) => paint(view, 'bold', s.head)),
    style: {head: [], border: [], compact: true},
    chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
  })
  for (const [r, row] of cells.entries())
    table.push(row.map((cell, i) => (styles[r][i] ? paint(view, styles[r][i]!, cell) : cell)))
  return table.toString()
}

/** Aligned columns without borders: a header, a rule, the rows; each cell cut to its column's width. */
function drawPlain({specs, cells, styles}: Table, widths: number[], view: View): string {
  const line = (row: string[], rowStyles: Array<Style | undefined> = []) =>
    row
      .map((cell, i) => {
        const text = specs[i].shrink === 'middle' ? truncateMiddle(cell, widths[i]) : truncateEnd(cell, widths[i])
        const pad = ' '.repeat(Math.max(0, widths[i] - textWidth(text)))
        const padded = specs[i].align === 'right' ? pad + text : text + pad
        return rowStyles[i] ? paint(view, rowStyles[i]!, padded) : padded
      })
      .join(' '.repeat(GAP))
      .trimEnd()
  const head = line(specs.map((s) => s.head))
  return [
    paint(view, 'bold', head),
    widths.map((w) => '-'.repeat(w)).join(' '.repeat(GAP)),
    ...cells.map((row, r) => line(row, styles[r])),
  ].join('\n')
}

function plainWidth(widths: number[]): number {
  return widths.reduce((a, w) => a + w, 0) + GAP * Math.max(0, widths.length - 1)
}

/** The narrowest a column may be cut to; for names, wide enough that different names stay different. */
function minimumWidth(spec: Spec, values: string[], natural: number): number {
  if (!spec.shrink) return natural
  const floor = Math.min(natural, Math.max(spec.min ?? (spec.shrink === 'middle' ? 16 : 10), textWidth(spec.head)))
  if (spec.shrink === 'end') return floor
  const distinct = [...new Set(values)]
  for (let w = floor; w < natural; w++) {
    if (new Set(distinct.map((v) => truncateMiddle(v, w))).size === distinct.length) return w
  }

  return natural
}

function fit(table: Table, view: View, width: number, chosen: boolean): string {
  const {specs, cells, styles} = table
  // The columns still shown, as indices into specs; their values (footnote numbers may replace prose).
  let shown = specs.map((_, i) => i)
  const values = specs.map((_, i) => cells.map((row) => row[i]))
  // Measured once per column (60,000 rows are measured in a blink, but not twenty times over).
  const naturals = new Map<number, number>()
  const minimums = new Map<number, number>()
  const natural = (i: number) =>
    naturals.get(i) ??
    naturals
      .set(
        i,
        values[i].reduce((w, v) => Math.max(w, textWidth(v)), textWidth(specs[i].head)),
      )
      .get(i)!
  const minimum = (i: number) =>
    minimums.get(i) ?? minimums.set(i, minimumWidth(specs[i], values[i], natural(i))).get(i)!
  const total = (measure: (i: number) => number) => plainWidth(shown.map(measure))
  const captions: string[] = []
  const notes: string[] = []
  const hidden: string[] = []

  if (!chosen && total(natural) > width && cells.length > 0) {
    for (const i of shown.filter((i) => specs[i].caption && values[i].every((v) => v === values[i][0]))) {
      captions.push(`${specs[i].head}: ${values[i][0]}`)
      shown = shown.filter((x) => x !== i)
    }
  }

  for (const i of shown.filter((i) => specs[i].footnote)) {
    if (total(natural) <= width) break
    const numbers = new Map<string, number>()
    naturals.delete(i)
    minimums.delete(i)
    values[i] = values[i].map((v) => {
      if (v === '') return v
      if (!numbers.has(v)) {
        numbers.set(v, numbers.size + 1)
        notes.push(`[${numbers.size}] ${v}`)
      }

      return `[${numbers.get(v)}]`
    })
  }

  // Low-value columns go before anything is cut; the others only when cutting is not enough.
  const hideNext = (rank: (hide: number) => boolean) => {
    const candidates = shown.filter((i) => specs[i].hide !== undefined && rank(specs[i].hide!))
    if (chosen || candidates.length === 0) return false
    const lowest = Math.min(...candidates.map((i) => specs[i].hide!))
    const gone = candidates.filter((i) => specs[i].hide === lowest).at(-1)!
    hidden.push(specs[gone].head)
    shown = shown.filter((i) => i !== gone)
    return true
  }

  while (total(natural) > width && hideNext((h) => h <= 1));
  while (total(minimum) > width && hideNext(() => true));
  if (total(minimum) > width) return renderBlocks(table)

  // Cut one character at a time, from the widest column of the first to be cut, until the table fits.
  const widths = new Map(shown.map((i) => [i, natural(i)]))
  const floors = new Map(shown.map((i) => [i, minimum(i)]))
  const order = (i: number) => specs[i].cut ?? (specs[i].shrink === 'end' ? 1 : 2)
  let excess = total((i) => widths.get(i)!) - width
  for (const rank of [...new Set(shown.filter((i) => specs[i].shrink).map(order))].sort((a, b) => a - b)) {
    while (excess > 0) {
      const cuttable = shown.filter((i) => order(i) === rank && widths.get(i)! > floors.get(i)!)
      if (cuttable.length === 0) break
      const widest = cuttable.reduce((a, b) => (widths.get(b)! > widths.get(a)! ? b : a))
      widths.set(widest, widths.get(widest)! - 1)
      excess--
    }
  }

  const fitted: Table = {
    specs: shown.map((i) => specs[i]),
    cells: cells.map((_, r) => shown.map((i) => values[i][r])),
    styles: styles.map((row) => shown.map((i) => row[i])),
  }
  const out = [
    ...captions,
    drawPlain(
      fitted,
      shown.map((i) => widths.get(i)!),
      view,
    ),
  ]
  for (const note of notes) out.push(wrap(note, width, '    '))
  if (hidden.length > 0 && !view.quiet)
    out.push(`(not shown at ${width} columns: ${hidden.join(', ')}; --wide shows all)`)
  return out.join('\n')
}

/** Below the narrowest table: each row as aligned `key: value` lines, a blank line between rows. */
function renderBlocks({specs, cells}: Table): string {
  const keyWidth = Math.max(...specs.map((s) => textWidth(s.head))) + 1
  return cells
    .map((row) => row.map((v, i) => `${`${specs[i].head}:`.padEnd(keyWidth)} ${v}`.trimEnd()).join('\n'))
    .join('\n\n')
}

/** Words filled to `width`, the lines after the first indented. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (textWidth(candidate) > width && line.trim() !== '') {
      lines.push(line)
      line = indent + word
    } else line = candidate
  }

  lines.push(line)
  return lines.join('\n')
}
