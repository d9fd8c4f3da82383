/**
 * Secrets registered here are scrubbed from every message atom-ops prints, whatever produced it
 * (a driver error that echoes a DSN, a URL in a hint, a JSON document). Registration happens where a
 * secret is read.
 */
const secrets = new Set<string>()
let forms: string[] = []

export const MASK = '********'

export function registerSecret(value: string | undefined): void {
  if (!value || secrets.has(value)) return
  secrets.add(value)
  // Each secret as it may appear: raw, percent-encoded (URLs), escaped inside a JSON string.
  const all = new Set<string>()
  for (const s of secrets) {
    all.add(s)
    all.add(encodeURIComponent(s))
    all.add(JSON.stringify(s).slice(1, -1))
  }

  forms = [...all].filter((f) => f.length > 0).sort((a, b) => b.length - a.length)
}

export function scrub(text: string): string {
  let out = text
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK)
  // Credentials embedded in URLs that were never registered (e.g. a typo'd --db) are masked too.
  return out.includes('://') ? out.replaceAll(/(mysql:\/\/[^:/@\s"]*:)[^@\s"]*@/gi, `$1${MASK}@`) : out
}
