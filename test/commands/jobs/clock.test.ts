import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {AtomClock} from '../../../src/lib/atom/clock.js'
import {runCli} from '../../helpers/cli.js'
import {insertJob} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'

const HOUR = 3_600_000

/**
 * AtoM writes created_at and completed_at with PHP's clock in its own zone; the test database runs in
 * UTC. A zone west (the stock America/Vancouver, UTC-8) and one east (Asia/Tokyo, UTC+9) of it.
 */
for (const zone of ['America/Vancouver', 'Asia/Tokyo']) {
  describe(`AtoM's clock in ${zone}, the database in UTC`, () => {
    let bed: TestBed
    const ids: Record<string, number> = {}
    before(async () => {
      bed = await TestBed.start({timezone: zone})
      const now = Date.now()
      ids.fresh = await insertJob(
        bed.database,
        {name: 'arFindingAidJob', status: 'running', createdAt: new Date(now - 20_000)},
        zone,
      )
      ids.old = await insertJob(
        bed.database,
        {name: 'arGenerateReportJob', status: 'running', createdAt: new Date(now - 2 * HOUR)},
        zone,
      )
      ids.done = await insertJob(
        bed.database,
        {
          name: 'arGenerateReportJob',
          status: 'completed',
          createdAt: new Date(now - 3 * HOUR),
          completedAt: new Date(now - 3 * HOUR + 90_000),
        },
        zone,
      )
    })
    after(async () => {
      await bed?.stop()
    })

    test('a job started seconds ago is seconds old, not hours; durations are exact; dates carry the zone', async () => {
      const r = await runCli(['jobs', 'list', '--json'], {env: bed.env()})
      assert.equal(r.code, 0, r.stderr)
      const byId = Object.fromEntries(r.json.jobs.map((j: any) => [j.id, j]))
      assert.ok(
        byId[ids.fresh].seconds >= 20 && byId[ids.fresh].seconds < 600,
        `fresh job age ${byId[ids.fresh].seconds}`,
      )
      assert.ok(Math.abs(byId[ids.old].seconds - 7200) < 600, `old job age ${byId[ids.old].seconds}`)
      assert.equal(byId[ids.done].seconds, 90)
      const offset = zone === 'Asia/Tokyo' ? '+09:00' : /-0[78]:00$/
      assert.match(byId[ids.fresh].startedAt, typeof offset === 'string' ? new RegExp(`\\${offset}$`) : offset)
      assert.equal(Date.parse(byId[ids.fresh].startedAt) <= Date.now(), true)
      const human = await runCli(['jobs', 'list'], {env: bed.env()})
      assert.match(human.stdout, zone === 'Asia/Tokyo' ? /\+09:00/ : /-0[78]:00/)
    })

    test('jobs stalled (default 1h) lists the two-hour-old job, never the fresh one', async () => {
      const r = await runCli(['jobs', 'stalled', '--json'], {env: bed.env()})
      const stalled = new Set(r.json.stalled.map((j: any) => j.id))
      assert.ok(stalled.has(ids.old), JSON.stringify(r.json.stalled))
      assert.ok(!stalled.has(ids.fresh), JSON.stringify(r.json.stalled))
    })

    test('--older-than and --newer-than cut at the right age', async () => {
      const older = await runCli(['jobs', 'list', '--older-than', '1h', '--status', 'running', '--json'], {
        env: bed.env(),
      })
      assert.deepEqual(
        older.json.jobs.map((j: any) => j.id),
        [ids.old],
      )
      const newer = await runCli(['jobs', 'list', '--newer-than', '1h', '--json'], {env: bed.env()})
      assert.deepEqual(
        newer.json.jobs.map((j: any) => j.id),
        [ids.fresh],
      )
    })

    test("jobs kill writes completed_at on AtoM's clock, as AtoM's own jobs:list then shows it", async () => {
      const r = await runCli(['jobs', 'kill', String(ids.fresh), '--force', '--no-queue', '--json'], {env: bed.env()})
      assert.equal(r.code, 0, r.stderr)
      const [row] = await bed.database.rows<{created_at: string; completed_at: string; updated_at: string}>(
        'SELECT o.created_at, j.completed_at, o.updated_at FROM job j JOIN object o ON o.id = j.id WHERE j.id = ?',
        [ids.fresh],
      )
      const clock = new AtomClock(zone)
      const taken = clock.secondsBetween(row.created_at, row.completed_at)
      assert.ok(taken >= 20 && taken < 600, `completed ${row.completed_at}, created ${row.created_at}: ${taken} s`)
      assert.equal(row.updated_at, row.completed_at)
      assert.match(
        r.json.note,
        zone === 'Asia/Tokyo'
          ? / at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00: /
          : / at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d -0[78]:00: /,
      )
    })
  })
}

describe("where AtoM's zone comes from", () => {
  let bed: TestBed
  before(async () => {
    bed = await TestBed.start({timezone: null})
  })
  after(async () => {
    await bed?.stop()
  })

  const zoneOf = async (env: NodeJS.ProcessEnv, args: string[] = []) => {
    const r = await runCli(['config', 'show', '--json', ...args], {env: bed.env(env)})
    assert.equal(r.code, 0, r.stderr)
    return r.json.timezone
  }

  test("no default_timezone and no php.ini setting: PHP's own UTC", async () => {
    const tz = await zoneOf({ATOM_OPS_PHP_CONFIG_DIR: join(bed.dir, 'no-php')})
    assert.equal(tz.zone, 'UTC')
    assert.match(tz.source, /PHP's default/)
  })

  test("php.ini's date.timezone (php-fpm's first), then --timezone, ATOM_OPS_TIMEZONE and the profile override it", async () => {
    const php = join(bed.dir, 'php')
    await mkdir(join(php, '8.2', 'fpm'), {recursive: true})
    await mkdir(join(php, '8.2', 'cli'), {recursive: true})
    await writeFile(join(php, '8.2', 'fpm', 'php.ini'), 'date.timezone = Europe/Paris\n')
    await writeFile(join(php, '8.2', 'cli', 'php.ini'), 'date.timezone = Europe/Oslo\n')
    const fromIni = await zoneOf({ATOM_OPS_PHP_CONFIG_DIR: php})
    assert.equal(fromIni.zone, 'Europe/Paris')
    assert.match(fromIni.source, /8\.2\/fpm\/php\.ini \(date\.timezone\)/)
    assert.equal((await zoneOf({ATOM_OPS_PHP_CONFIG_DIR: php, ATOM_OPS_TIMEZONE: 'Asia/Tokyo'})).zone, 'Asia/Tokyo')
    assert.equal(
      (await zoneOf({ATOM_OPS_PHP_CONFIG_DIR: php, ATOM_OPS_TIMEZONE: 'Asia/Tokyo'}, ['--timezone', 'America/Halifax']))
        .source,
      'flag --timezone',
    )
    const profiles = join(bed.dir, 'tz-profiles.yml')
    await writeFile(
      profiles,
      `default: a\nprofiles:\n  a:\n    atom_root: ${bed.root}\n    timezone: Australia/Perth\n`,
    )
    assert.equal((await zoneOf({ATOM_OPS_PHP_CONFIG_DIR: php, ATOM_OPS_CONFIG: profiles})).zone, 'Australia/Perth')
  })

  test('an unknown zone is a usage error with a hint', async () => {
    const r = await runCli(['jobs', 'list', '--timezone', 'Mars/Olympus'], {env: bed.env()})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^atom-ops: --timezone: "Mars\/Olympus" is not a timezone\n {2}hint: /)
  })
})
