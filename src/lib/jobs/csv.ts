import {inertExcept} from '../util/text.js'

export interface CsvOptions {
  /** Cells exactly as stored: no formula or control-character neutralising (for programs, not spreadsheets). */
  raw?: boolean
}

/** What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * Text from the database made safe for a spreadsheet and a terminal: control characters other than
 * newline, CR and tab (data inside a quoted cell) shown escaped, as `\u001b`; a cell a spreadsheet
 * would run as a formula (starting with =, +, -, @, tab or CR) prefixed with a single quote.
 * Numbers are ours, not the database's text, and stay as they are (a negative number is a number).
 */
export function neutraliseCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  const text = inertExcept(value, '\n\r\t')
  return FORMULA_START.test(text) ? `'${text}` : text
}

/**
 * One CSV field as PHP's fputcsv writes it (AtoM's export uses fputcsv with its defaults: `,`, `"`, `\`):
 * enclosed when it holds the delimiter, a quote, the escape character, a space, a tab, CR or LF;
 * quotes doubled, except right after a backslash (PHP's escape character rule). Neutralised first
 * (see neutraliseCell) unless `raw`.
 */
export function phpCsvField(value: string | number | null | undefined, options: CsvOptions = {}): string {
  const s = options.raw ? (value === null || value === undefined ? '' : String(value)) : neutraliseCell(value)
  if (!/[,"\\\n\r\t ]/.test(s)) return s
  // Most enclosed cells (dates, "Report 12") hold no quote: nothing to double.
  if (!s.includes('"')) return `"${s}"`
  let out = '"'
  let escaped = false
  for (const c of s) {
    if (escaped) {
      escaped = false
    } else if (c === '\\') {
      escaped = true
    } else if (c === '"') {
      out += '"'
    }

    out += c
  }

  return out + '"'
}

/** One CSV line, ending in LF as fputcsv does. */
export function phpCsvLine(fields: Array<string | number | null | undefined>, options: CsvOptions = {}): string {
  return fields.map((f) => phpCsvField(f, options)).join(',') + '\n'
}
