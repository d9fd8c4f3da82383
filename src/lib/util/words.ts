/**
 * Splits a command line into words as a POSIX shell would without expanding anything: whitespace
 * separates; single quotes keep everything; double quotes keep everything but `\"` and `\\`; a
 * backslash outside quotes keeps the next character. supervisord (shlex) and systemd split their
 * command lines this way. Undefined when a quote is left open.
 */
export function splitShellWords(text: string): string[] | undefined {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote === "'") {
      if (c === "'") quote = undefined
      else current += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text[++i]
      else current += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }

  if (quote) return undefined
  if (inWord) words.push(current)
  return words
}
