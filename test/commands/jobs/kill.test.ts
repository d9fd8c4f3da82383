import assert from 'node:assert/strict'
import {access, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {GearmanAdmin} from '../../../src/lib/gearman/admin.js'
import {runCli} from '../../helpers/cli.js'
import {hasScript, runInPty} from '../../helpers/pty.js'
import {downloadPathFor, insertJob, insertUser} from '../../support/testbed/seed.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {submitBackgroundJob} from '../../support/testbed/workers.js'
import {assertNoOrphans, tableCounts} from './helpers.js'

let bed: TestBed
let user: number
before(async () => {
  bed = await TestBed.start()
  user = await insertUser(bed.database, 'admin')
})
after(async () => {
  await bed?.stop()
})

describe('jobs kill', () => {
  test('a completed job is refused without --any-status, also with --force (exit 2, unchanged)', async () => {
    const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'completed'})
    const r = await runCli(['jobs', 'kill', String(id), '--force'], {env: bed.env()})
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /is not in progress \(completed\): refusing[^\n]*\n {2}hint: Add --any-status/)
    const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
    assert.equal(row.status_id, 184)
  })

  test('an in-progress job without a terminal and without --force: refused, exit 5', async () => {
    const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    const r = await runCli(['jobs', 'kill', String(id)], {env: bed.env()})
    assert.equal(r.code, 5)
    const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
    assert.equal(row.status_id, 183)
  })

  test(
    'in a terminal, an explicit No: exit 5, unchanged, and no "Re-run with --force" after it',
    {skip: !hasScript && 'script(1) not installed'},
    async () => {
      const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
      const r = await runInPty(['jobs', 'kill', String(id)], {
        env: bed.env(),
        answers: [{when: /Mark failed job \d+ \(arFindingAidJob\)\?/, type: 'n\r'}],
      })
      assert.equal(r.code, 5, r.output)
      const after = r.output.slice(r.output.search(/Mark failed job/))
      assert.match(after, /cancelled: nothing was changed/)
      assert.doesNotMatch(after, /--force|hint:/)
      const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
      assert.equal(row.status_id, 183)
    },
  )

  test('--dry-run changes nothing', async () => {
    const id = await insertJob(bed.database, {name: 'arFindingAidJob', status: 'running'})
    const r = await runCli(['jobs', 'kill', String(id), '--dry-run', '--force'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Dry run/)
    const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [id])
    assert.equal(row.status_id, 183)
  })

  test('default: marked failed, completed_at set, an error note (type 197) with the reason; history kept; audit record', async () => {
    const id = await insertJob(bed.database, {
      name: 'arObjectMoveJob',
      status: 'running',
      userId: user,
      notes: ['Moving'],
    })
    const r = await runCli(['jobs', 'kill', String(id), '--force', '--reason', 'worker was OOM-killed', '--json'], {
      env: bed.env(),
    })
    assert.equal(r.code, 0, r.stderr)
    const [row] = await bed.database.rows<{status_id: number; completed_at: string | null}>(
      'SELECT status_id, completed_at FROM job WHERE id = ?',
      [id],
    )
    assert.equal(row.status_id, 185)
    assert.ok(row.completed_at)
    const notes = await bed.database.rows<{type_id: number; content: string}>(
      'SELECT n.type_id, i.content FROM note n JOIN note_i18n i ON i.id = n.id WHERE n.object_id = ? ORDER BY n.id',
      [id],
    )
    assert.equal(notes.length, 2)
    assert.equal(notes[1].type_id, 197)
    assert.match(notes[1].content, /^Killed by atom-ops \(.+@.+\) at .+: worker was OOM-killed$/)
    assert.match(r.json.worker, /not stopped/)
    const audit = (await readFile(join(bed.dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      [audit.at(-1).job, audit.at(-1).action, audit.at(-1).reason, audit.at(-1).outcome],
      [id, 'mark-failed', 'worker was OOM-killed', 'done'],
    )
    // The human form says the worker is not stopped.
    const id2 = await insertJob(bed.database, {name: 'arObjectMoveJob', status: 'running'})
    const h = await runCli(['jobs', 'kill', String(id2), '--force'], {env: bed.env()})
    assert.match(h.stdout, /worker process hanging on this job \(if any\) is not stopped/)
    assert.match(h.stdout, /atom-ops worker restart/)
  })

  test('--delete: backed up, deleted through object with no orphans, its download file removed; restore brings it back', async () => {
    const id = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'running',
      notes: ['n1'],
      errorNote: 'e',
      properties: {userToken: 'x'},
      downloadPath: 'pending',
    })
    await bed.database.execute('UPDATE job SET download_path = ? WHERE id = ?', [downloadPathFor(id), id])
    await writeFile(join(bed.realRoot, downloadPathFor(id)), 'zip')
    const file = join(bed.dir, 'kill.ndjson')
    const r = await runCli(['jobs', 'kill', String(id), '--delete', '--force', '--backup', file, '--json'], {
      env: bed.env(),
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal((await bed.database.rows('SELECT id FROM object WHERE id = ?', [id])).length, 0)
    assertNoOrphans(await tableCounts(bed.database))
    await assert.rejects(access(join(bed.realRoot, downloadPathFor(id))))
    assert.equal(r.json.file.outcome, 'removed')
    const back = await runCli(['jobs', 'restore', file, '--json'], {env: bed.env()})
    assert.equal(back.json.restored, 1, back.stderr)
    assert.equal((await bed.database.rows('SELECT id FROM note WHERE object_id = ?', [id])).length, 2)
  })

  test('its queued Gearman job is cancelled when it is the only one of its class', async () => {
    const server = bed.servers[0]
    const admin = new GearmanAdmin(server, 2000)
    for (const j of await admin.showJobs()) if (!j.ignored) await admin.cancelJob(j.handle)
    const id = await insertJob(bed.database, {name: 'arXmlExportSingleFileJob', status: 'running'})
    await submitBackgroundJob(server, bed.fn('arXmlExportSingleFileJob'), JSON.stringify({id}))
    const r = await runCli(['jobs', 'kill', String(id), '--force', '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.queue.outcomes[0].cancelled, 1)
    assert.equal((await admin.showJobs()).filter((j) => !j.ignored).length, 0)
  })

  for (const [arg, code, pattern] of [
    ['abc', 2, /job id "abc" is not a valid id/],
    ['0', 2, /is not a valid id/],
    ['99999999999', 2, /is not a valid id/],
    ['123456', 2, /there is no job with id 123456/],
  ] as Array<[string, number, RegExp]>) {
    test(`id ${arg}: one line, exit ${code}`, async () => {
      const r = await runCli(['jobs', 'kill', arg, '--force'], {env: bed.env()})
      assert.equal(r.code, code, r.stderr)
      assert.match(r.stderr, pattern)
      assert.doesNotMatch(r.stderr, /\n\s+at /)
    })
  }
})

describe('jobs show', () => {
  test('row, notes, output, properties, download file and Gearman', async () => {
    const id = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'error',
      notes: ['Generating'],
      errorNote: 'boom',
      output: 'line1\n\u001B[31mred',
      properties: {userToken: 't'},
      downloadPath: 'downloads/jobs/none.zip',
    })
    const r = await runCli(['jobs', 'show', String(id), '--json'], {env: bed.env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.id, id)
    assert.deepEqual(
      r.json.notes.map((n: {type: string; content: string}) => [n.type, n.content]),
      [
        ['general', 'Generating'],
        ['error', 'boom'],
      ],
    )
    assert.equal(r.json.properties[0].value, 't')
    assert.equal(r.json.download.exists, false)
    assert.equal(r.json.gearman.function, bed.fn('arFindingAidJob'))
    const h = await runCli(['jobs', 'show', String(id)], {env: bed.env()})
    assert.match(h.stdout, /\[error\] boom/)
    assert.doesNotMatch(h.stdout, /\u001B\[31m/)
    assert.match(h.stdout, /\\u001b\[31mred/)
    const gone = await runCli(['jobs', 'show', '424242'], {env: bed.env()})
    assert.equal(gone.code, 2)
  })
})
