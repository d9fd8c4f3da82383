import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {insertJob, insertUser} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
const ids: number[] = []

before(async () => {
  bed = await TestBed.start()
  const db = bed.database
  const admin = await insertUser(db, 'admin')
  // Wall times on AtoM's clock (the stock America/Vancouver), as AtoM writes them.
  const at = (s: string) => new Date(bed.clock.instant(s))
  ids.push(
    await insertJob(db, {
      name: 'arFindingAidJob',
      status: 'completed',
      userId: admin,
      createdAt: at('2024-03-01T10:00:00'),
      completedAt: at('2024-03-01T10:00:07'),
      notes: ['Generating finding aid', 'Done, 12 pages'],
    }),
  )
  ids.push(
    await insertJob(db, {
      name: 'arInformationObjectCsvExportJob',
      status: 'error',
      userId: null,
      createdAt: at('2024-03-02T11:30:00'),
      completedAt: at('2024-03-02T11:31:00'),
      notes: ['Export "levels": fonds, series'],
      errorNote: 'line one\nline two',
    }),
  )
  ids.push(
    await insertJob(db, {
      name: 'arObjectMoveJob',
      status: 'running',
      userId: admin,
      createdAt: at('2024-03-03T12:00:00'),
      properties: {userToken: 'abc'},
    }),
  )
  ids.push(
    await insertJob(db, {
      name: 'arGenerateReportJob',
      status: 'completed',
      userId: null,
      createdAt: at('2024-03-04T00:00:00'),
      completedAt: at('2024-03-04T00:00:01'),
      notes: [String.raw`back\slash "quoted"`],
    }),
  )
})
after(async () => {
  await bed?.stop()
})

// What AtoM's "Export history" (PHP fputcsv, dates as Y-m-d h:i A of the stored wall time) writes for this data set.
const EXPECTED =
  [
    'startDate,endDate,jobName,jobStatus,jobInfo,jobUser',
    '"2024-03-01 10:00 AM","2024-03-01 10:00 AM",arFindingAidJob,Completed,"Generating finding aid | Done, 12 pages",admin',
    '"2024-03-02 11:30 AM","2024-03-02 11:31 AM",arInformationObjectCsvExportJob,Error,"Export ""levels"": fonds, series | line one\nline two",None',
    '"2024-03-03 12:00 PM",N/A,arObjectMoveJob,Running,,admin',
    String.raw`"2024-03-04 12:00 AM","2024-03-04 12:00 AM",arGenerateReportJob,Completed,"back\slash ""quoted""",None`,
  ].join('\n') + '\n'

describe('jobs export', () => {
  test("CSV to stdout is byte for byte AtoM's format (quoting of commas, quotes, newlines, backslashes; None for no user)", async () => {
    const r = await runCli(['jobs', 'export'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, EXPECTED)
  })

  test('the same filters as jobs list', async () => {
    const r = await runCli(['jobs', 'export', '--status', 'completed', '--user', 'none'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trimEnd().split('\n').length, 2)
    assert.match(r.stdout, /arGenerateReportJob/)
  })

  test('--format ndjson --output FILE: ids and every field, a JSON summary', async () => {
    const file = join(bed.dir, 'out.ndjson')
    const r = await runCli(['jobs', 'export', '--format', 'ndjson', '--output', file, '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual({jobs: r.json.jobs, file: r.json.file}, {jobs: 4, file})
    const rows = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      rows.map((x) => x.id),
      ids,
    )
    assert.deepEqual(
      rows[1].notes.map((n: {type: string}) => n.type),
      ['general', 'error'],
    )
    assert.deepEqual(
      rows[2].properties.map((p: {name: string; value: string}) => [p.name, p.value]),
      [['userToken', 'abc']],
    )
  })

  test('--format json is one valid array, also when empty', async () => {
    const r = await runCli(['jobs', 'export', '--format', 'json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).length, 4)
    const empty = await runCli(['jobs', 'export', '--format', 'json', '--name', 'noSuchJob'], {env: bed.env()})
    assert.deepEqual(JSON.parse(empty.stdout), [])
  })

  test('paging does not lose or repeat rows (page size 1)', async () => {
    const r = await runCli(['jobs', 'export', '--page-size', '1'], {env: bed.env()})
    assert.equal(r.stdout, EXPECTED)
  })

  test('an existing output file is kept when the export fails; bad format is exit 2', async () => {
    const r = await runCli(['jobs', 'export', '--format', 'xml'], {env: bed.env()})
    assert.equal(r.code, 2)
    const down = await runCli(
      ['jobs', 'export', '--output', join(bed.dir, 'x.csv'), '--db', 'mysql://root@127.0.0.1:1/atom'],
      {env: bed.env()},
    )
    assert.equal(down.code, 4, down.stderr)
    await assert.rejects(readFile(join(bed.dir, 'x.csv')))
    await assert.rejects(readFile(join(bed.dir, 'x.csv.partial')))
  })
})
