/** C0 and C1 controls, DEL, and the bidi overrides and isolates that reorder what a reader sees. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

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
  return s.replace(CONTROL, (c) => {
    if (keep.includes(c)) return c
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')
  })
}
