/**
 * One CSV field as PHP's fputcsv writes it (AtoM's export uses fputcsv with its defaults: `,`, `"`, `\`):
 * enclosed when it holds the delimiter, a quote, the escape character, a space, a tab, CR or LF;
 * quotes doubled, except right after a backslash (PHP's escape character rule).
 */
export function phpCsvField(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value)
  if (!/[,"\\\n\r\t ]/.test(s)) return s
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
export function phpCsvLine(fields: Array<string | number | null | undefined>): string {
  return fields.map(phpCsvField).join(',') + '\n'
}
