import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {AtomClock, checkZone, isKnownZone} from '../../../src/lib/atom/clock.js'
import {UsageError} from '../../../src/lib/errors.js'

const at = (iso: string) => () => Date.parse(iso)

describe("AtoM's clock", () => {
  test("now is the wall time in AtoM's zone, not UTC: west and east of the database", () => {
    const instant = at('2026-12-01T17:15:35Z')
    assert.equal(new AtomClock('America/Vancouver', instant).now(), '2026-12-01 09:15:35')
    assert.equal(new AtomClock('Asia/Tokyo', instant).now(), '2026-12-02 02:15:35')
    assert.equal(new AtomClock('UTC', instant).now(), '2026-12-01 17:15:35')
  })

  test('a row AtoM wrote seconds ago is seconds old, whatever the database zone', () => {
    const nowIso = '2026-12-01T17:15:35Z'
    for (const zone of ['America/Vancouver', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC']) {
      const clock = new AtomClock(zone, at(nowIso))
      const written = clock.wall(Date.parse(nowIso) - 7000)
      assert.equal(clock.ageSeconds(written), 7, zone)
    }
  })

  test('instants, offsets and the ISO and display forms carry the zone', () => {
    const clock = new AtomClock('America/Vancouver')
    assert.equal(clock.instant('2026-12-01 09:15:35'), Date.parse('2026-12-01T17:15:35Z'))
    assert.equal(clock.iso('2026-12-01 09:15:35'), '2026-12-01T09:15:35-08:00')
    assert.equal(clock.iso('2026-07-01 09:15:35'), '2026-07-01T09:15:35-07:00')
    assert.equal(clock.display('2026-12-01 09:15:35'), '2026-12-01 09:15:35 -08:00')
    assert.equal(new AtomClock('Asia/Kolkata').iso('2026-12-01 09:15:35'), '2026-12-01T09:15:35+05:30')
  })

  test('DST ending: the repeated hour is taken at its first occurrence, so no age or duration is negative', () => {
    // America/Vancouver falls back at 2026-11-01 02:00 PDT -> 01:00 PST.
    const firstPass = Date.parse('2026-11-01T08:30:00Z') // 01:30 PDT
    const secondPass = Date.parse('2026-11-01T09:10:00Z') // 01:10 PST, the wall clock reads earlier
    const clock = new AtomClock('America/Vancouver', () => secondPass)
    assert.equal(clock.wall(firstPass), '2026-11-01 01:30:00')
    assert.equal(clock.now(), '2026-11-01 01:10:00')
    assert.equal(clock.ageSeconds('2026-11-01 01:30:00'), 40 * 60)
    // Two wall times alone cannot tell which pass a repeated hour was: never negative, that is all.
    assert.equal(clock.secondsBetween('2026-11-01 01:30:00', '2026-11-01 01:10:00'), 0)
    assert.equal(clock.secondsBetween('2026-11-01 01:59:59', '2026-11-01 02:00:00'), 3601)
  })

  test('DST starting: an hour that never happened moves forward past the gap', () => {
    // 2026-03-08 02:00 PST -> 03:00 PDT: 02:30 does not exist.
    const clock = new AtomClock('America/Vancouver')
    assert.equal(clock.instant('2026-03-08 02:30:00'), Date.parse('2026-03-08T10:30:00Z'))
    assert.equal(clock.secondsBetween('2026-03-08 01:59:00', '2026-03-08 03:01:00'), 120)
  })

  test('a clock slightly ahead never gives a negative age', () => {
    const clock = new AtomClock('UTC', at('2026-12-01T00:00:00Z'))
    assert.equal(clock.ageSeconds('2026-12-01 00:00:05'), 0)
    assert.equal(clock.secondsBetween('2026-12-01 00:00:05', '2026-12-01 00:00:00'), 0)
  })

  test('wallAgo gives the bound to compare created_at with', () => {
    const clock = new AtomClock('America/Vancouver', at('2026-12-01T17:15:35Z'))
    assert.equal(clock.wallAgo(3_600_000), '2026-12-01 08:15:35')
  })

  test('zones are checked by name', () => {
    assert.ok(isKnownZone('America/Vancouver'))
    assert.ok(!isKnownZone('Mars/Olympus'))
    assert.throws(
      () => checkZone('Mars/Olympus', '--timezone', 'usage'),
      (e: unknown) => e instanceof UsageError && /--timezone: "Mars\/Olympus" is not a timezone/.test(e.message),
    )
  })
})

describe('one human format for every time: date, time and the zone', () => {
  test("a job's time (ISO with AtoM's offset) keeps its wall time and offset", async () => {
    const {displayTime} = await import('../../../src/lib/atom/clock.js')
    assert.equal(displayTime('2026-12-01T09:15:35-08:00'), '2026-12-01 09:15:35 -08:00')
    assert.equal(displayTime('2026-12-01T09:15:35.123+05:30', 'UTC'), '2026-12-01 09:15:35 +05:30')
    assert.equal(displayTime(null), '-')
  })

  test('an instant (…Z, milliseconds, a Date) is shown in the given zone, with the offset it had then', async () => {
    const {displayTime} = await import('../../../src/lib/atom/clock.js')
    assert.equal(displayTime('2026-12-01T17:15:35.456Z', 'Asia/Kolkata'), '2026-12-01 22:45:35 +05:30')
    assert.equal(displayTime(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Paris'), '2026-07-01 14:00:00 +02:00')
    assert.equal(displayTime(new Date('2026-12-01T17:15:35Z'), 'UTC'), '2026-12-01 17:15:35 +00:00')
    // The hour that happens twice when DST ends: each instant with its own offset.
    assert.equal(displayTime('2026-11-01T08:30:00Z', 'America/Vancouver'), '2026-11-01 01:30:00 -07:00')
    assert.equal(displayTime('2026-11-01T09:30:00Z', 'America/Vancouver'), '2026-11-01 01:30:00 -08:00')
  })
})
