/** A unit's sections, each key with its values in order (ExecStart= may be given several times). */
export type UnitSections = Map<string, Map<string, string[]>>

/** systemd's merge rules, enough for these keys: later files add to lists; an empty assignment resets. */
export function parseUnit(text: string): UnitSections {
  const sections: UnitSections = new Map()
  let current: Map<string, string[]> | undefined
  let pending = ''
  for (const raw of text.split('\n')) {
    let line = raw.trimEnd()
    if (pending) {
      line = pending + line.trimStart()
      pending = ''
    }

    if (line.endsWith('\\')) {
      pending = line.slice(0, -1) + ' '
      continue
    }

    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(trimmed)
    if (header) {
      current = sections.get(header[1]) ?? new Map()
      sections.set(header[1], current)
      continue
    }

    const eq = trimmed.indexOf('=')
    if (!current || eq === -1) continue
    const key = trimmed.slice(0, eq).trim()
    const value = trimmed.slice(eq + 1).trim()
    if (value === '') current.set(key, [])
    else current.set(key, [...(current.get(key) ?? []), value])
  }

  return sections
}
