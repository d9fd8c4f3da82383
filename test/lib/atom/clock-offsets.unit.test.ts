import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {AtomClock} from '../../../src/lib/atom/clock.js'

// AtomClock keeps each UTC hour's offset (and the second it changes at, when it changes within the hour)
// instead of asking Intl at every conversion. Here it is checked against the conversion it replaced,
// which asks Intl every time, written out again below, and against AtomClock({cacheOffsets: false}).

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** The previous AtomClock's conversions, unchanged: Intl at every call. */
class IntlClock {
  private readonly format: Intl.DateTimeFormat

  constructor(zone: string) {
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

  wall(ms: number): string {
    const p: Record<string, string> = {}
    for (const part of this.format.formatToParts(new Date(ms))) p[part.type] = part.value
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
  }

  offsetMinutes(ms: number): number {
    return Math.round((asUtc(this.wall(ms)) - Math.floor(ms / 1000) * 1000) / 60_000)
  }

  instant(wall: string): number {
    const t = asUtc(wall)
    const before = t - this.offsetMinutes(t - DAY) * 60_000
    const after = t - this.offsetMinutes(t + DAY) * 60_000
    const valid = [before, after].filter((c) => this.wall(c) === normalise(wall))
    return valid.length > 0 ? Math.min(...valid) : before
  }

  iso(wall: string): string {
    return `${normalise(wall).replace(' ', 'T')}${offsetText(this.offsetMinutes(this.instant(wall)))}`
  }

  display(wall: string): string {
    return `${normalise(wall)} ${offsetText(this.offsetMinutes(this.instant(wall)))}`
  }

  displayAt(ms: number): string {
    return `${this.wall(ms)} ${offsetText(this.offsetMinutes(ms))}`
  }

  secondsBetween(from: string, to: string): number {
    return Math.max(0, Math.floor((this.instant(to) - this.instant(from)) / 1000))
  }
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/
function asUtc(wall: string): number {
  const m = WALL.exec(wall)!
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

function normalise(wall: string): string {
  const m = WALL.exec(wall)!
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`
}

function offsetText(minutes: number): string {
  const m = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

/** A wall time on a grid, whatever the zone: the UTC fields of ms (so it also names times a DST gap skips). */
const gridWall = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

/** The instants in a year when the zone's offset changes, to the second (found with the Intl reference). */
function transitions(ref: IntlClock, year: number): number[] {
  const out: number[] = []
  const end = Date.UTC(year + 1, 0, 1)
  // A day at a time: no zone changes its offset twice within a day.
  for (let d = Date.UTC(year, 0, 1); d < end; d += DAY) {
    if (ref.offsetMinutes(d) === ref.offsetMinutes(d + DAY)) continue
    let lo = d
    let hi = d + DAY
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000
      if (ref.offsetMinutes(mid) === ref.offsetMinutes(d)) lo = mid
      else hi = mid
    }

    out.push(hi)
  }

  return out
}

/** Deterministic shuffle (a fresh cache filled out of order must give the same answers). */
function shuffled<T>(items: T[]): T[] {
  const a = [...items]
  let seed = 12_345
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    const j = seed % (i + 1)
    ;[a[i], a[j]] = [a[j], a[i]]
  }

  return a
}

function compareAround(zone: string, at: number, label: string, span: number): void {
  const ref = new IntlClock(zone)
  const uncached = new AtomClock(zone, Date.now, {cacheOffsets: false})
  const instants: number[] = []
  for (let ms = at - span; ms <= at + span; ms += 15 * MIN) instants.push(ms)
  // Every second of the four minutes around the change itself, and a millisecond either side of it.
  for (let ms = at - 2 * MIN; ms <= at + 2 * MIN; ms += 1000) instants.push(ms)
  instants.push(at - 1, at + 1, at + 999)
  // Wall times every 15 minutes of the local clock, including those a DST start skips and an end repeats.
  const walls = instants.filter((ms) => ms % (15 * MIN) === 0).map(gridWall)
  // The reference's answers, once; then a fresh cached clock asked in order, and another asked out of order.
  const expectAt = new Map(
    instants.map((ms) => [ms, {wall: ref.wall(ms), offset: ref.offsetMinutes(ms), display: ref.displayAt(ms)}]),
  )
  const expectWall = new Map(
    walls.map((w) => {
      const later = gridWall(asUtc(w) + 75 * MIN)
      return [
        w,
        {
          instant: ref.instant(w),
          iso: ref.iso(w),
          display: ref.display(w),
          later,
          seconds: ref.secondsBetween(w, later),
        },
      ]
    }),
  )
  for (const [ms, e] of expectAt) {
    assert.equal(uncached.wall(ms), e.wall, `${zone} ${label} uncached at ${new Date(ms).toISOString()}`)
    assert.equal(uncached.offsetMinutes(ms), e.offset, `${zone} ${label} uncached at ${new Date(ms).toISOString()}`)
  }

  for (const [w, e] of expectWall) assert.equal(uncached.iso(w), e.iso, `${zone} ${label} uncached wall ${w}`)
  for (const [order, list, wallList] of [
    ['in order', instants, walls],
    ['shuffled', shuffled(instants), shuffled(walls)],
  ] as const) {
    const cached = new AtomClock(zone)
    for (const ms of list) {
      const e = expectAt.get(ms)!
      const where = `${zone} ${label} ${order} at ${new Date(ms).toISOString()}`
      assert.equal(cached.wall(ms), e.wall, where)
      assert.equal(cached.offsetMinutes(ms), e.offset, where)
      assert.equal(cached.displayAt(ms), e.display, where)
    }

    for (const w of wallList) {
      const e = expectWall.get(w)!
      const where = `${zone} ${label} ${order} wall ${w}`
      assert.equal(cached.instant(w), e.instant, where)
      assert.equal(cached.iso(w), e.iso, where)
      assert.equal(cached.display(w), e.display, where)
      assert.equal(cached.secondsBetween(w, e.later), e.seconds, where)
    }
  }
}

describe("AtoM's clock: offsets kept per hour give the same answers as Intl at every call", () => {
  const cases: Array<{zone: string; year: number; count: number; note: string}> = [
    {zone: 'America/Vancouver', year: 2026, count: 2, note: 'DST at 02:00 local, on UTC hours'},
    {zone: 'Europe/Berlin', year: 2026, count: 2, note: 'DST at 01:00 UTC'},
    {
      zone: 'Australia/Lord_Howe',
      year: 2026,
      count: 2,
      note: '+10:30/+11, a 30-minute DST shift; it starts at 15:30 UTC',
    },
    {zone: 'Asia/Kathmandu', year: 1985, count: 1, note: '+5:30 to +5:45 at 1986-01-01 00:00 local (18:30 UTC)'},
    {
      zone: 'Asia/Kathmandu',
      year: 1919,
      count: 1,
      note: 'local mean time +5:41:16 (seconds) to +5:30, at 18:18:44 UTC',
    },
    {zone: 'America/St_Johns', year: 2010, count: 2, note: '-3:30, DST changed at 00:01 local: 03:31 UTC'},
    {zone: 'UTC', year: 2026, count: 0, note: 'no change'},
  ]
  for (const c of cases) {
    test(`${c.zone} ${c.year}: ${c.note}`, () => {
      const found = transitions(new IntlClock(c.zone), c.year)
      assert.equal(
        found.length,
        c.count,
        `${c.zone} changes offset ${c.count} times in ${c.year}: ${found.map((t) => new Date(t).toISOString()).join(', ')}`,
      )
      // Every 15 minutes for two days either side of each change.
      for (const at of found) compareAround(c.zone, at, `change at ${new Date(at).toISOString()}`, 2 * DAY)
      // And a span with no change: the turn of the year.
      compareAround(c.zone, Date.UTC(c.year, 11, 31, 23, 30), 'no change near', 12 * HOUR)
    })
  }

  test('changes that are not on a UTC hour are found to the second', () => {
    const lordHowe = transitions(new IntlClock('Australia/Lord_Howe'), 2026).map((t) => new Date(t).toISOString())
    assert.ok(
      lordHowe.some((t) => t.endsWith(':30:00.000Z')),
      lordHowe.join(', '),
    )
    const kathmandu = transitions(new IntlClock('Asia/Kathmandu'), 1985).map((t) => new Date(t).toISOString())
    assert.deepEqual(kathmandu, ['1985-12-31T18:30:00.000Z'])
    const clock = new AtomClock('Asia/Kathmandu')
    assert.equal(clock.iso('1985-12-31 23:59:59'), '1985-12-31T23:59:59+05:30')
    assert.equal(clock.iso('1986-01-01 00:15:00'), '1986-01-01T00:15:00+05:45')
    assert.equal(clock.wall(Date.parse('1985-12-31T18:29:59Z')), '1985-12-31 23:59:59')
    assert.equal(clock.wall(Date.parse('1985-12-31T18:30:00Z')), '1986-01-01 00:15:00')
  })

  test('wall times that are not dates are read as before: the first candidate, the text kept', () => {
    for (const zone of ['America/Vancouver', 'Asia/Kathmandu']) {
      const ref = new IntlClock(zone)
      const clock = new AtomClock(zone)
      for (const w of [
        '2024-02-30 10:00:00',
        '2024-01-01 24:00:00',
        '0000-00-00 00:00:00',
        '2024-06-01T10:00:00',
        '2024-06-01 10:00:00.123',
      ]) {
        assert.equal(clock.instant(w), ref.instant(w), `${zone} ${w}`)
        assert.equal(clock.iso(w), ref.iso(w), `${zone} ${w}`)
      }

      assert.throws(() => clock.instant('yesterday'), /not a date and time/)
    }
  })
})
