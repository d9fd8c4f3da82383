import {ConfigError, UsageError} from '../errors.js'

/** `YYYY-MM-DD HH:MM:SS`: how AtoM (PHP's date() in its default timezone) writes DATETIME columns. */
export type WallTime = string

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/
const DAY_MS = 86_400_000

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Whether the running Node knows this IANA zone (it uses the same tz database as PHP). */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: zone})
    return true
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

/**
 * AtoM's clock: the wall time in AtoM's timezone, which is what AtoM writes into `object.created_at`,
 * `job.completed_at` and the rest (PHP's clock, not the database's NOW()). Ages and durations are
 * computed from real instants, so a DST change never makes one negative.
 */
export class AtomClock {
  private readonly format: Intl.DateTimeFormat

  constructor(
    readonly zone: string,
    private readonly nowMs: () => number = Date.now,
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

  /** The wall time AtoM would write now. */
  now(): WallTime {
    return this.wall(this.nowMs())
  }

  /** The wall time AtoM would have written at this instant. */
  wall(ms: number): WallTime {
    const p: Record<string, string> = {}
    for (const part of this.format.formatToParts(new Date(ms))) p[part.type] = part.value
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
  }

  /** Minutes east of UTC at an instant. */
  offsetMinutes(ms: number): number {
    return Math.round((asUtc(this.wall(ms)) - Math.floor(ms / 1000) * 1000) / 60_000)
  }

  /**
   * The instant a wall time stands for. An hour that happens twice (DST ends) is taken at its first
   * occurrence, one that never happens (DST starts) is moved forward past the gap, as PHP does.
   */
  instant(wall: WallTime): number {
    const t = asUtc(wall)
    const before = t - this.offsetMinutes(t - DAY_MS) * 60_000
    const after = t - this.offsetMinutes(t + DAY_MS) * 60_000
    const valid = [before, after].filter((c) => this.wall(c) === normalise(wall))
    return valid.length > 0 ? Math.min(...valid) : before
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
    return `${normalise(wall).replace(' ', 'T')}${offsetText(this.offsetMinutes(this.instant(wall)))}`
  }

  /** For people: `2026-12-01 17:15:35 -08:00`, the wall time AtoM shows, with its zone's offset. */
  display(wall: WallTime): string {
    return `${normalise(wall)} ${offsetText(this.offsetMinutes(this.instant(wall)))}`
  }

  /** The current instant for people, in AtoM's zone (notes, messages). */
  displayNow(): string {
    return this.displayAt(this.nowMs())
  }

  /** An instant for people, in this zone: the wall time and the offset it had then (exact also in a repeated DST hour). */
  displayAt(ms: number): string {
    return `${this.wall(ms)} ${offsetText(this.offsetMinutes(ms))}`
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

function asUtc(wall: WallTime): number {
  const m = WALL.exec(wall)
  if (!m) throw new Error(`not a date and time: ${JSON.stringify(wall)}`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

function normalise(wall: WallTime): WallTime {
  const m = WALL.exec(wall)
  if (!m) throw new Error(`not a date and time: ${JSON.stringify(wall)}`)
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const m = Math.abs(minutes)
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`
}
