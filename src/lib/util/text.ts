/** C0 and C1 controls, DEL, and the bidi overrides and isolates that reorder what a reader sees. */

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g

/**
 * Makes text from the database or a server inert on a terminal: control characters (escape
 * sequences, BEL, newlines, carriage returns, bidi overrides) are shown escaped (`\u001b`, `\n`),
 * never interpreted.
 */
export function inert(value: unknown): string {
  return inertExcept(value, '')
}

/**
 * As inert(), leaving the characters in `keep` as they are: those that are data where the text goes
 * (a newline inside a quoted CSV cell; a newline in a Prometheus label value, which the format escapes).
 */
export function inertExcept(value: unknown, keep: string): string {
  const s = value === null || value === undefined ? '' : String(value)
  return s.replaceAll(CONTROL, (c) => {
    if (keep.includes(c)) return c
    if (c === '\n') return String.raw`\n`
    if (c === '\r') return String.raw`\r`
    if (c === '\t') return String.raw`\t`
    return String.raw`\u` + c.charCodeAt(0).toString(16).padStart(4, '0')
  })
}
