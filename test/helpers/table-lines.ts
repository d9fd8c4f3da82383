import assert from 'node:assert/strict'

/** The lines of a render that belong to tables: under a header's dashed rule, up to the next blank or prose line. */
export function tableLines(text: string): string[] {
  const lines = text.split('\n')
  const out: string[] = []
  for (const [i, line] of lines.entries()) {
    if (/^-+( {2}-+)*$/.test(line)) {
      out.push(lines[i - 1], line)
      for (
        let j = i + 1;
        j < lines.length && lines[j] !== '' && !/^(\(|\[|\d+ jobs? |\.\.\. |[A-Z])/.test(lines[j]);
        j++
      )
        out.push(lines[j])
    }
  }

  return out
}

/**
 * A render at `width` columns draws its tables without borders and every table line fits (prose lines
 * are not cut: a terminal wraps them).
 */
export function assertTablesFit(text: string, width: number): void {
  const rows = tableLines(text)
  assert.ok(rows.length > 2, `a table is drawn at ${width} columns:\n${text}`)
  assert.doesNotMatch(text, /[│┌└]/, 'no borders on a terminal')
  for (const line of rows) assert.ok(line.length <= width, `${line.length} columns at ${width}: ${line}`)
}
