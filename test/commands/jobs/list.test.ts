import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {type JobFilter, type JobStatusName} from '../../../src/lib/jobs/filter.js'
import {listJobs, parseSort} from '../../../src/lib/jobs/query.js'
import {runCli} from '../../helpers/cli.js'
import {insertDescription, insertJob, insertUser} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'

const HOUR = 3_600_000
let bed: TestBed
interface Seeded {
  id: number
  name: string
  status: JobStatusName
  user: string | null
  ageHours: number
  durationS: number | null
}
const seeded: Seeded[] = []

const NAMES = ['arFindingAidJob', 'arObjectMoveJob', 'arInformationObjectCsvExportJob']
const STATUSES: JobStatusName[] = ['running', 'completed', 'error']

before(async () => {
  bed = await TestBed.start()
  const db = bed.database
  const users: Record<string, number> = {
    admin: await insertUser(db, 'admin'),
    archivist: await insertUser(db, 'archivist'),
  }
  const fonds = await insertDescription(db, 'Fonds', 'the-fonds')
  const now = Date.now()
  let i = 0
  // Every name x status x user, at ages that differ, so each filter cuts the set differently.
  for (const name of NAMES) {
    for (const status of STATUSES) {
      for (const user of ['admin', 'archivist', null]) {
        const ageHours = [0.5, 3, 30, 200][i % 4]
        const durationS = status === 'running' ? null : 5 + (i % 7) * 10
        const createdAt = new Date(now - ageHours * HOUR)
        const id = await insertJob(db, {
          name,
          status,
          userId: user ? users[user] : null,
          createdAt,
          completedAt: durationS === null ? null : new Date(createdAt.getTime() + durationS * 1000),
          objectId: i % 5 === 0 ? fonds : null,
          notes: [`note ${i}`],
        })
        seeded.push({id, name, status, user, ageHours, durationS})
        i++
      }
    }
  }
})
after(async () => {
  await bed?.stop()
})

function oracle(f: JobFilter): Seeded[] {
  return seeded
    .filter((s) => !f.statuses || f.statuses.includes(s.status))
    .filter((s) => !f.inactive || s.status !== 'running')
    .filter(
      (s) =>
        !f.names ||
        f.names.some(
          (n) =>
            n.toLowerCase() === s.name.toLowerCase() ||
            (n.includes('*') && new RegExp('^' + n.replaceAll('*', '.*') + '$', 'i').test(s.name)),
        ),
    )
    .filter((s) => f.user === undefined || (f.user === 'none' ? s.user === null : s.user === f.user))
    .filter((s) => f.olderThanMs === undefined || s.ageHours * HOUR > f.olderThanMs)
    .filter((s) => f.newerThanMs === undefined || s.ageHours * HOUR <= f.newerThanMs)
}

const statusChoices: Array<JobStatusName[] | undefined> = [
  undefined,
  ['running'],
  ['completed'],
  ['error'],
  ['completed', 'error'],
  ['running', 'error'],
]
const nameChoices: Array<string[] | undefined> = [
  undefined,
  ['arFindingAidJob'],
  ['arobjectmovejob', 'arFindingAidJob'],
  ['*Csv*'],
]
const userChoices: Array<string | undefined> = [undefined, 'admin', 'none']
const ageChoices: Array<Pick<JobFilter, 'olderThanMs' | 'newerThanMs'>> = [
  {},
  {olderThanMs: 2 * HOUR},
  {newerThanMs: 24 * HOUR},
  {olderThanMs: 2 * HOUR, newerThanMs: 48 * HOUR},
]

describe('jobs list: filters (library, every combination against an oracle)', () => {
  test('every combination of status, name, user and age returns exactly the matching rows', async () => {
    let checked = 0
    for (const statuses of statusChoices)
      for (const names of nameChoices)
        for (const user of userChoices)
          for (const age of ageChoices) {
            const filter: JobFilter = {statuses, names, user, ...age}
            const got = await listJobs(bed.database, bed.clock, {filter, limit: 0})
            const want = oracle(filter)
              .map((s) => s.id)
              .sort((a, b) => b - a)
            assert.deepEqual(
              got.jobs.map((j) => j.id),
              want,
              JSON.stringify(filter),
            )
            assert.equal(got.total, want.length)
            checked++
          }

    assert.equal(checked, statusChoices.length * nameChoices.length * userChoices.length * ageChoices.length)
  })

  test('--completed done right: completed and error together (AtoM shows only one)', async () => {
    const got = await listJobs(bed.database, bed.clock, {filter: {statuses: ['completed', 'error']}, limit: 0})
    assert.ok(got.jobs.some((j) => j.status === 'completed') && got.jobs.some((j) => j.status === 'error'))
    assert.ok(got.jobs.every((j) => j.status !== 'running'))
  })

  test('sorting and limit: the limit cuts after sorting, ties broken by id', async () => {
    const byDuration = await listJobs(bed.database, bed.clock, {
      filter: {statuses: ['completed']},
      sort: parseSort('-duration'),
      limit: 5,
    })
    const want = oracle({statuses: ['completed']})
      .sort((a, b) => b.durationS! - a.durationS! || b.id - a.id)
      .slice(0, 5)
      .map((s) => s.id)
    assert.deepEqual(
      byDuration.jobs.map((j) => j.id),
      want,
    )
    assert.equal(byDuration.total, oracle({statuses: ['completed']}).length)
    const oldest = await listJobs(bed.database, bed.clock, {filter: {}, sort: parseSort('started'), limit: 1})
    assert.equal(oldest.jobs[0].id, [...seeded].sort((a, b) => b.ageHours - a.ageHours || a.id - b.id)[0].id)
  })
})

describe('jobs list: the command', () => {
  test('--json: the rows with every column, filtered', async () => {
    const r = await runCli(
      ['jobs', 'list', '--status', 'error', '--name', 'arFindingAidJob', '--user', 'admin', '--json'],
      {env: bed.env()},
    )
    assert.equal(r.code, 0, r.stderr)
    const want = oracle({statuses: ['error'], names: ['arFindingAidJob'], user: 'admin'})
    assert.deepEqual(
      r.json.jobs.map((j: {id: number}) => j.id),
      want.map((s) => s.id).sort((a, b) => b - a),
    )
    const j = r.json.jobs[0]
    for (const k of ['id', 'name', 'status', 'user', 'startedAt', 'completedAt', 'seconds', 'related'])
      assert.ok(k in j, k)
    assert.equal(j.user, 'admin')
  })

  test('the table shows the related description by slug and the age of running jobs', async () => {
    const r = await runCli(['jobs', 'list', '--limit', '0'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /the-fonds/)
    assert.match(r.stdout, /\(age\)/)
    assert.match(r.stdout, new RegExp(`${seeded.length} jobs`))
  })

  test('--csv: a header and one line per job', async () => {
    const r = await runCli(['jobs', 'list', '--csv', '--status', 'running', '--user', 'none', '--limit', '0'], {
      env: bed.env(),
    })
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.equal(lines[0], 'id,name,status,user,started,completed,seconds,related')
    assert.equal(lines.length - 1, oracle({statuses: ['running'], user: 'none'}).length)
  })

  test('--older-than and --newer-than from the command line', async () => {
    const r = await runCli(['jobs', 'list', '--older-than', '2h', '--newer-than', '2d', '--limit', '0', '--json'], {
      env: bed.env(),
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.total, oracle({olderThanMs: 2 * HOUR, newerThanMs: 48 * HOUR}).length)
  })

  for (const [args, pattern] of [
    [['--status', 'runing'], /--status "runing" is not a job status/],
    [['--older-than', '2 weeks'], /--older-than "2 weeks" is not a duration/],
    [['--newer-than', '-5m'], /is not a duration/],
    [['--limit', 'ten'], /--limit: expected an integer/],
    [['--sort', 'colour'], /--sort "colour"/],
  ] as Array<[string[], RegExp]>) {
    test(`bad input ${args.join(' ')}: one line, exit 2`, async () => {
      const r = await runCli(['jobs', 'list', ...args], {env: bed.env()})
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, pattern)
      assert.doesNotMatch(r.stderr, /\n\s+at /)
      assert.equal(r.stdout, '')
    })
  }

  test('--user nobody: "no user named nobody", not only "No jobs match"; a near name is offered', async () => {
    const r = await runCli(['jobs', 'list', '--user', 'nobody'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'No jobs match: no user named nobody.\n')
    const near = await runCli(['jobs', 'list', '--user', 'archivst', '--json'], {env: bed.env()})
    assert.deepEqual(near.json.unknown, ['no user named archivst (did you mean archivist?)'])
  })

  test('a misspelt --name: "no job class like X", the closest class and the known ones', async () => {
    const r = await runCli(['jobs', 'list', '--name', 'arFindingAidJobb'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^No jobs match: no job class like arFindingAidJobb \(did you mean arFindingAidJob\?\); known classes: .*arInformationObjectCsvExportJob.*\n$/,
    )
    const glob = await runCli(['jobs', 'list', '--name', 'arNothing*', '--json'], {env: bed.env()})
    assert.match(glob.json.unknown[0], /^no job class like arNothing\*; known classes: /)
  })

  test('a real class or user with nothing matching is only "No jobs match", with the filters said', async () => {
    // arGenerateReportJob has no rows here but is one of the install's classes (gearman.yml); admin exists.
    const r = await runCli(['jobs', 'list', '--name', 'arGenerateReportJob', '--user', 'admin', '--json'], {
      env: bed.env(),
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.total, 0)
    assert.equal(r.json.unknown, undefined)
    const human = await runCli(['jobs', 'list', '--name', 'arGenerateReportJob'], {env: bed.env()})
    assert.equal(human.stdout, 'No jobs match (name arGenerateReportJob).\n')
  })

  test('the database down: one line, exit 4', async () => {
    const r = await runCli(['jobs', 'list', '--db', 'mysql://root@127.0.0.1:1/atom'], {env: bed.env()})
    assert.equal(r.code, 4, r.stderr)
    assert.match(r.stderr, /did not answer/)
  })
})
