/**
 * Secrets registered here are scrubbed from every message atom-ops prints, whatever produced it
 * (a driver error that echoes a DSN, a URL in a hint). Registration happens where a secret is read.
 */
const secrets = new Set<string>()

export const MASK = '********'

export function registerSecret(value: string | undefined): void {
  if (value && value.length > 0) secrets.add(value)
}

export function scrub(text: string): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK)
    // Drivers and URLs often show the secret percent-encoded.
    const encoded = encodeURIComponent(secret)
    if (encoded !== secret) out = out.split(encoded).join(MASK)
  }
  // Credentials embedded in URLs that were never registered (e.g. a typo'd --db) are masked too.
  return out.replace(/(mysql:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${MASK}@`)
}

/** Deep copy of a JSON-able value with every registered secret scrubbed from its strings. */
export function scrubDeep<T>(value: T): T {
  if (typeof value === 'string') return scrub(value) as T
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v)) as T
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v)
    return out as T
  }
  return value
}
