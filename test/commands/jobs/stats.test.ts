import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {AtomClock} from '../../../src/lib/atom/clock.js'
import {firstIdFrom} from '../../../src/lib/jobs/stats.js'
import {runCli} from '../../helpers/cli.js'
import {freePort} from '../../support/testbed/processes.js'
import {insertJob, type JobSeed, SEED_ZONE, sqlTime} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'

const DAY = 86_400_000
let bed: TestBed
let zombie: number
const now = Date.now()
const ago = (ms: number) => new Date(now - ms)

before(async () => {
  bed = await TestBed.start()
  const seeds: JobSeed[] = [
    // Outside a 30-day window: never counted.
    {name: 'arFindingAidJob', status: 'completed', createdAt: ago(45 * DAY)},
    // A zombie from 40 days ago: its class is listed for it, with no job in the window.
    {name: 'arObjectMoveJob', status: 'running', createdAt: ago(40 * DAY)},
    {name: 'arFindingAidJob', status: 'error', createdAt: ago(3 * DAY), errorNote: 'failed'},
    // arUpdateEsIoDocumentsJob grows: 2 in the earlier half of the window, 10 in the later one.
    ...[25, 20].map((d): JobSeed => ({name: 'arUpdateEsIoDocumentsJob', status: 'completed', createdAt: ago(d * DAY)})),
    ...Array.from({length: 10}, (_, i): JobSeed => ({
      name: 'arUpdateEsIoDocumentsJob',
      status: 'completed',
      createdAt: ago((i % 5) * DAY + 3_600_000 + i * 1000),
    })),
  ]
  // arFindingAidJob: four completed in 10, 20, 30 and 40 seconds, one failed: p50 25 s, p95 38.5 s, max 40 s.
  for (const [i, seconds] of [10, 20, 30, 40].entries()) {
    const created = ago((20 - i) * DAY)
    seeds.push({
      name: 'arFindingAidJob',
      status: 'completed',
      createdAt: created,
      completedAt: new Date(created.getTime() + seconds * 1000),
    })
  }

  // As AtoM creates them: ids in the order of their start.
  seeds.sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())
  for (const seed of seeds) {
    const id = await insertJob(bed.database, seed)
    if (seed.status === 'running') zombie = id
  }
})
after(async () => {
  await bed?.stop()
})

describe('jobs stats', () => {
  test("--json: per class counts by status, failure rate, durations from MariaDB, series and growth; the window is AtoM's", async () => {
    const r = await runCli(['jobs', 'stats', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    const s = r.json
    assert.equal(s.by, 'day')
    assert.equal(s.zone, SEED_ZONE)
    assert.equal(s.buckets.length, 31, 'thirty days and today')
    const aid = s.classes.find((c: any) => c.name === 'arFindingAidJob')
    assert.deepEqual(aid.byStatus, {running: 0, completed: 4, error: 1, unknown: 0})
    assert.equal(aid.jobs, 5, 'the 45-day-old job is outside the window')
    assert.equal(aid.failureRate, 0.2)
    assert.deepEqual(aid.durationSeconds, {count: 4, p50: 25, p95: 38.5, max: 40, sum: 100})
    assert.equal(
      aid.series.reduce((a: number, b: number) => a + b, 0),
      5,
    )
    assert.ok(Math.abs(aid.perDay - 5 / 30) < 1e-9)
    const es = s.classes.find((c: any) => c.name === 'arUpdateEsIoDocumentsJob')
    assert.deepEqual(es.growth, {earlier: 2, recent: 10, change: 8, ratio: 5})
    assert.equal(s.fastestGrowing[0].name, 'arUpdateEsIoDocumentsJob')
    assert.equal(s.classes[0].name, 'arUpdateEsIoDocumentsJob', 'the busiest class first')
    const move = s.classes.find((c: any) => c.name === 'arObjectMoveJob')
    assert.equal(move.jobs, 0)
    assert.equal(move.oldestInProgress.id, zombie)
    assert.ok(Math.abs(move.oldestInProgress.ageSeconds - 40 * 86_400) < 600, `age ${move.oldestInProgress.ageSeconds}`)
    assert.deepEqual(s.total.byStatus, {running: 0, completed: 16, error: 1, unknown: 0})
  })

  test('human: a table with a sparkline per class and the fastest-growing classes', async () => {
    const r = await runCli(['jobs', 'stats'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /arFindingAidJob\s*│\s*5\s*│\s*0\s*│\s*4\s*│\s*1\s*│\s*20\.0%\s*│\s*25s\s*│\s*38s\s*│\s*40s/)
    assert.match(r.stdout, /[▁▂▃▄▅▆▇█]/)
    assert.match(r.stdout, /Fastest growing[^\n]*\n {2}arUpdateEsIoDocumentsJob: 2 -> 10 \(\+8, x5\.0\)/)
    assert.match(r.stdout, new RegExp(`#${zombie}, 40d`))
  })

  test('--by week: buckets are Mondays; --since 7d narrows the window', async () => {
    const week = await runCli(['jobs', 'stats', '--by', 'week', '--json'], {env: bed.env()})
    assert.equal(week.code, 0, week.stderr)
    for (const b of week.json.buckets) assert.equal(new Date(`${b}T00:00:00Z`).getUTCDay(), 1, b)
    const es = week.json.classes.find((c: any) => c.name === 'arUpdateEsIoDocumentsJob')
    assert.equal(
      es.series.reduce((a: number, b: number) => a + b, 0),
      12,
    )
    const recent = await runCli(['jobs', 'stats', '--since', '7d', '--json'], {env: bed.env()})
    assert.equal(recent.json.classes.find((c: any) => c.name === 'arFindingAidJob').jobs, 1)
    assert.equal(recent.json.classes.find((c: any) => c.name === 'arUpdateEsIoDocumentsJob').jobs, 10)
  })

  test('the window starts at a primary-key bound found by binary search, exact on created_at', async () => {
    const clock = new AtomClock(SEED_ZONE)
    const since = clock.wallAgo(10 * DAY)
    const bound = await firstIdFrom(bed.database, clock, since)
    const [{first}] = await bed.database.rows<{first: number}>(
      'SELECT MIN(j.id) AS first FROM job j JOIN object o ON o.id = j.id WHERE o.created_at >= ?',
      [sqlTime(ago(11 * DAY))],
    )
    assert.equal(bound, Number(first), 'the first job started a day before the window')
  })

  test('bad input and a database that is down: one line, exit 2 and 4', async () => {
    const bad = await runCli(['jobs', 'stats', '--since', 'soon'], {env: bed.env()})
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^atom-ops: --since "soon" is not a duration/)
    const by = await runCli(['jobs', 'stats', '--by', 'month'], {env: bed.env()})
    assert.equal(by.code, 2)
    const dead = await freePort()
    const down = await runCli(['jobs', 'stats', '--db', `mysql://nobody@127.0.0.1:${dead}/atom`, '--timeout', '2'], {
      env: bed.env(),
    })
    assert.equal(down.code, 4, down.stderr)
    assert.equal(down.stderr.split('\n').filter(Boolean)[0].startsWith('atom-ops: '), true)
  })

  test('an empty window says so', async () => {
    const r = await runCli(['jobs', 'stats', '--since', '1m'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /arObjectMoveJob/, 'the zombie is still shown')
  })
})
