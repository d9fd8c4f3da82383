import {UsageError} from '../errors.js'

const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}
const MAX_MS = 100 * 365 * 86_400_000

/**
 * A duration typed by an operator: one or more `<number><unit>` parts, units s, m, h, d, w
 * (`90m`, `2h`, `7d`, `1h30m`). Returns milliseconds; anything else is a usage error naming the flag.
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim().toLowerCase()
  const part = /(\d{1,9})([smhdw])/g
  let total = 0
  let consumed = 0
  let m: RegExpExecArray | null
  while ((m = part.exec(trimmed)) !== null) {
    if (m.index !== consumed) break
    total += Number(m[1]) * UNIT_MS[m[2]]
    consumed = m.index + m[0].length
  }

  if (trimmed === '' || consumed !== trimmed.length || total <= 0 || total > MAX_MS) {
    throw new UsageError(
      `${flag} "${text}" is not a duration`,
      'Use a number and a unit: 90m, 2h, 7d (s, m, h, d, w; parts may be combined: 1h30m).',
    )
  }

  return total
}

/** A row id typed by an operator: a positive integer that fits MySQL's INT. */
export function parseId(text: string, what = 'id'): number {
  const t = text.trim()
  if (!/^\d{1,10}$/.test(t) || Number(t) < 1 || Number(t) > 2_147_483_647) {
    throw new UsageError(
      `${what} "${text}" is not a valid id`,
      'An id is a positive whole number, as `atom-ops jobs list` shows it.',
    )
  }

  return Number(t)
}

/** A positive integer flag (limits, batch sizes) with bounds. */
export function parsePositiveInt(text: string | number, flag: string, max = 2_147_483_647, min = 1): number {
  const t = String(text).trim()
  const n = Number(t)
  if (!/^\d{1,10}$/.test(t) || n < min || n > max) {
    throw new UsageError(`${flag} "${text}" is not a whole number between ${min} and ${max}`, `Example: ${flag} 100`)
  }

  return n
}

/** The bounds of a number of seconds a person types; the lower one is excluded when `above` is set. */
export interface SecondsRange {
  min: number
  max: number
  /** The minimum itself is refused (a timeout of 0 never waits). */
  above?: boolean
}

/** A number of seconds typed by a person (`5`, `0.5`) within a range; anything else is a usage error naming where it came from. */
export function parseSeconds(text: string | number, what: string, range: SecondsRange): number {
  const t = String(text).trim()
  const n = Number(t)
  const low = range.above ? n > range.min : n >= range.min
  if (t === '' || !Number.isFinite(n) || !low || n > range.max) {
    throw new UsageError(
      `${what} "${text}" is not a number of seconds between ${range.min} and ${range.max}`,
      'Seconds as a number, with a fraction if need be: 5, 0.5.',
    )
  }

  return n
}

/** A duration as an operator writes it (the inverse of parseDuration): `6h`, `90d`, `1h30m`, `2w`. */
export function formatDurationMs(ms: number): string {
  const units: Array<[string, number]> = [
    ['w', UNIT_MS.w],
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ]
  // Whole weeks only when nothing smaller is left: 14d reads better as 2w, 10d as 10d.
  let left = Math.max(0, Math.round(ms / 1000) * 1000)
  if (left === 0) return '0s'
  const parts: string[] = []
  for (const [unit, size] of units) {
    if (unit === 'w' && left % size !== 0) continue
    const n = Math.floor(left / size)
    if (n > 0) {
      parts.push(`${n}${unit}`)
      left -= n * size
    }
  }

  return parts.join('')
}
