import {ConfigError, UsageError} from '../errors.js'

/** `YYYY-MM-DD HH:MM:SS`: how AtoM (PHP's date() in its default timezone) writes DATETIME columns. */
export type WallTime = string

const DAY_MS = 86_400_000

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Whether the running Node knows this IANA zone (it uses the same tz database as PHP). */
export function isKnownZone(zone: string): boolean {
  try {
    return Intl.DateTimeFormat('en-US', {timeZone: zone}).resolvedOptions().timeZone !== undefined
  } catch {
    return false
  }
}

export function checkZone(zone: string, origin: string, kind: 'usage' | 'config'): string {
  if (isKnownZone(zone)) return zone
  const message = `${origin}: "${zone}" is not a timezone`
  const hint = 'Use an IANA name such as America/Vancouver, Europe/Paris or UTC.'
  throw kind === 'usage' ? new UsageError(message, hint) : new ConfigError(message, hint)
}

const HOUR_MS = 3_600_000
/** Hours of offsets kept per clock (an export walks jobs in time order: a handful are in use at once). */
const CACHED_HOURS = 4096

/** The offset in force during one UTC hour: `before` until `switchAt` (a whole second), `after` from then on. */
interface HourOffsets {
  switchAt: number
  before: number
  after: number
}

/**
 * A zone's UTC offsets, in seconds, exact to the second, from Intl (the tz database). Asking Intl costs
 * 10-20 µs and allocates, at every call; converting a job's two times asked it 18 times (a million jobs:
 * 150-330 s of a CSV export, and the garbage pushed peak RSS past 150 MB). So
 * the offset is asked at each UTC hour boundary an instant falls between, once, and kept for that hour.
 * Offsets do not change on UTC hour boundaries only: Australia/Lord_Howe's DST starts at 15:30 UTC,
 * St. John's used to change at 00:01 local (03:31 UTC), and local mean times have seconds. When the
 * offsets at an hour's two ends differ, the second it changed at is found (a binary search, 12 asks) and
 * kept with the hour. What this assumes: no zone changes its offset twice within one UTC hour (a
 * change and its reversal less than an hour apart would be missed). `cacheOffsets: false` asks Intl every time.
 */
class ZoneOffsets {
  private readonly format: Intl.DateTimeFormat
  private readonly hours = new Map<number, HourOffsets>()

  constructor(
    zone: string,
    private readonly cached: boolean,
  ) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
  }

  /** Seconds east of UTC at an instant. */
  at(ms: number): number {
    if (!this.cached) return this.exact(ms)
    const hour = Math.floor(ms / HOUR_MS)
    let h = this.hours.get(hour)
    if (h === undefined) {
      h = this.hour(hour * HOUR_MS)
      if (this.hours.size >= CACHED_HOURS) this.hours.clear()
      this.hours.set(hour, h)
    }

    return ms < h.switchAt ? h.before : h.after
  }

  private hour(start: number): HourOffsets {
    const end = start + HOUR_MS
    const before = this.exact(start)
    const after = this.exact(end)
    if (before === after) return {switchAt: end, before, after}
    // The offset changes within the hour (or at its end): find the first second of the new one.
    let lo = start
    let hi = end
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000
      if (this.exact(mid) === before) lo = mid
      else hi = mid
    }

    return {switchAt: hi, before, after}
  }

  /** Asks Intl: the wall time at the instant's second, read as UTC, minus that second. */
  private exact(ms: number): number {
    const p: Record<string, string> = {}
    for (const part of this.format.formatToParts(new Date(ms))) p[part.type] = part.value
    const local = Date.UTC(
      Number(p.year),
      Number(p.month) - 1,
      Number(p.day),
      Number(p.hour),
      Number(p.minute),
      Number(p.second),
    )
    return (local - Math.floor(ms / 1000) * 1000) / 1000
  }
}

/** A wall time read: its fields as if UTC (`t`), whether they are a real date and time, and its canonical text. */
interface ParsedWall {
  t: number
  valid: boolean
  text: WallTime
}

/**
 * AtoM's clock: the wall time in AtoM's timezone, which is what AtoM writes into `object.created_at`,
 * `job.completed_at` and the rest (PHP's clock, not the database's NOW()). Ages and durations are
 * computed from real instants, so a DST change never makes one negative. Years 1000 to 9999 (MySQL's
 * DATETIME range).
 */
export class AtomClock {
  private readonly offsets: ZoneOffsets

  constructor(
    readonly zone: string,
    private readonly nowMs: () => number = Date.now,
    /** `cacheOffsets: false` asks Intl at every conversion (the reference the cached offsets are tested against). */
    options: {cacheOffsets?: boolean} = {},
  ) {
    this.offsets = new ZoneOffsets(zone, options.cacheOffsets ?? true)
  }

  /** The wall time AtoM would write now. */
  now(): WallTime {
    return this.wall(this.nowMs())
  }

  /** The wall time AtoM would have written at this instant. */
  wall(ms: number): WallTime {
    const d = new Date(this.localMs(ms))
    return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  }

  /** Minutes east of UTC at an instant. */
  offsetMinutes(ms: number): number {
    return Math.round(this.offsets.at(ms) / 60)
  }

  /**
   * The instant a wall time stands for. An hour that happens twice (DST ends) is taken at its first
   * occurrence, one that never happens (DST starts) is moved forward past the gap, as PHP does.
   */
  instant(wall: WallTime): number {
    return this.instantOf(parseWall(wall))
  }

  /** Seconds from a wall time to now, never negative (a row written by a clock a little ahead is 0 s old). */
  ageSeconds(wall: WallTime): number {
    return Math.max(0, Math.floor((this.nowMs() - this.instant(wall)) / 1000))
  }

  /** Seconds between two wall times (to now when the end is null), never negative. */
  secondsBetween(from: WallTime, to: WallTime | null): number {
    const end = to === null ? this.nowMs() : this.instant(to)
    return Math.max(0, Math.floor((end - this.instant(from)) / 1000))
  }

  /** The wall time this long ago, for comparing with AtoM's columns in SQL. */
  wallAgo(ms: number): WallTime {
    return this.wall(this.nowMs() - ms)
  }

  /** ISO 8601 with AtoM's offset at that moment: `2026-12-01T17:15:35-08:00`, for JSON. */
  iso(wall: WallTime): string {
    const p = parseWall(wall)
    return `${p.text.replace(' ', 'T')}${offsetText(this.offsetMinutes(this.instantOf(p)))}`
  }

  /** For people: `2026-12-01 17:15:35 -08:00`, the wall time AtoM shows, with its zone's offset. */
  display(wall: WallTime): string {
    const p = parseWall(wall)
    return `${p.text} ${offsetText(this.offsetMinutes(this.instantOf(p)))}`
  }

  /** The current instant for people, in AtoM's zone (notes, messages). */
  displayNow(): string {
    return this.displayAt(this.nowMs())
  }

  /** An instant for people, in this zone: the wall time and the offset it had then (exact also in a repeated DST hour). */
  displayAt(ms: number): string {
    return `${this.wall(ms)} ${offsetText(this.offsetMinutes(ms))}`
  }

  /** The wall time at an instant's second, as milliseconds read as UTC. */
  private localMs(ms: number): number {
    return Math.floor(ms / 1000) * 1000 + this.offsets.at(ms) * 1000
  }

  private instantOf(p: ParsedWall): number {
    // The offsets a day either side: one of them is in force at the wall time, or both are (no change near).
    const before = p.t - this.offsetMinutes(p.t - DAY_MS) * 60_000
    const after = p.t - this.offsetMinutes(p.t + DAY_MS) * 60_000
    // A candidate is valid when the clock shows this wall time at it.
    const beforeValid = p.valid && this.localMs(before) === p.t
    const afterValid = p.valid && this.localMs(after) === p.t
    if (beforeValid && afterValid) return Math.min(before, after)
    return afterValid ? after : before
  }
}

/** The zone of the machine atom-ops runs on (TZ, else /etc/localtime): for instants that are not AtoM's rows. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

const ISO_WITH_OFFSET = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?([+-]\d\d:\d\d)$/

/**
 * Every time shown to people goes through here, in one format with its zone: `2026-12-01 09:15:35 -08:00`.
 * An ISO time with a numeric offset (a job row on AtoM's clock) keeps its wall time and offset; an
 * instant (milliseconds, a Date, or ISO in UTC `…Z` as JSON spells instants) is shown in `zone`, by
 * default this machine's, as `date` would show it. Nothing (null) is `-`.
 */
export function displayTime(at: string | number | Date | null | undefined, zone: string = localZone()): string {
  if (at === null || at === undefined || at === '') return '-'
  if (typeof at === 'string') {
    const m = ISO_WITH_OFFSET.exec(at)
    if (m) return `${m[1]} ${m[2]} ${m[3]}`
  }

  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at)
  return Number.isFinite(ms) ? new AtomClock(zone).displayAt(ms) : String(at)
}

/** The digit at a position of a string, or -1 (char codes: no substring, no regex on the hot path). */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}

function number(s: string, from: number, length: number): number {
  let n = 0
  for (let i = from; i < from + length; i++) {
    const d = digit(s, i)
    if (d < 0) return -1
    n = n * 10 + d
  }

  return n
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function parseWall(wall: WallTime): ParsedWall {
  const s = String(wall)
  const year = number(s, 0, 4)
  const month = number(s, 5, 2)
  const day = number(s, 8, 2)
  const hour = number(s, 11, 2)
  const minute = number(s, 14, 2)
  const second = number(s, 17, 2)
  const shaped =
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    (s.charCodeAt(10) === 32 || s.charCodeAt(10) === 84) &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58
  if (!shaped || year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
    throw new Error(`not a date and time: ${JSON.stringify(wall)}`)
  const text = s.length === 19 && s.charCodeAt(10) === 32 ? s : `${s.slice(0, 10)} ${s.slice(11, 19)}`
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const valid =
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]) &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  // Out of range (2024-02-30, 25:00, years 0-99): no clock shows it; read as Date.UTC reads it (rolled over).
  const t = valid
    ? daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000
    : Date.UTC(year, month - 1, day, hour, minute, second)
  return {t, valid, text}
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const m = Math.abs(minutes)
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`
}
