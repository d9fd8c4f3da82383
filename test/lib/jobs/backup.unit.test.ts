/**
 * The backup file itself, in-process (no database): what BackupWriter writes (a gzip member per table and
 * one per batch marker) reads back row for row, and a file cut anywhere, as a killed clear leaves it,
 * reads up to its last complete batch. The whole clear/restore cycle against MariaDB is in
 * test/commands/jobs/clear.test.ts.
 */
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {SqlValue} from '../../../src/lib/db/database.js'

import {
  BACKUP_COLUMNS,
  type BackupTable,
  BackupWriter,
  readBackup,
  summariseBackup,
} from '../../../src/lib/jobs/backup.js'

type Rows = Record<BackupTable, SqlValue[][]>

/** Two jobs per batch; every job a note with two translations, every other one a property; awkward text included. */
function batchRows(first: number): Rows {
  const rows: Rows = {object: [], job: [], note: [], note_i18n: [], property: [], property_i18n: []}
  for (const id of [first, first + 1]) {
    rows.object.push([id, 'QubitJob', '2024-01-01 00:00:00', '2024-01-02 03:04:05', 0])
    rows.job.push([
      id,
      'arGenerateReportJob',
      id % 2 ? 'downloads/jobs/x.csv' : null,
      '2024-01-02 03:04:05',
      null,
      null,
      184,
      `out "quoted"\nline 2 \u00E9\u{1F600}`,
    ])
    const noteId = 1000 + id
    rows.note.push([noteId, id, 125, null, null, 'en', 0])
    rows.note_i18n.push([noteId, 'en', `Report ${id}`], [noteId, 'fr', 'Rapport \\ \u2028'])
    if (id % 2 === 0) {
      rows.property.push([2000 + id, id, null, 'userToken', 'en', 0])
      rows.property_i18n.push([2000 + id, 'en', 'tok'])
    }
  }

  return rows
}

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atom-ops-backup-'))
})
after(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function write(name: string, batches: Rows[]): Promise<string> {
  const file = join(dir, name)
  const w = await BackupWriter.create(file, {database: 'atom', selection: 'all jobs'})
  for (const b of batches) await w.writeBatch(b)
  await w.finish()
  return file
}

describe('backup file', () => {
  test('rows read back value for value, in the columns they were written in', async () => {
    const batches = [batchRows(10), batchRows(20), batchRows(30)]
    const file = await write('whole.ndjson.gz', batches)
    const back: Rows = {object: [], job: [], note: [], note_i18n: [], property: [], property_i18n: []}
    const values = (t: BackupTable, r: Record<string, SqlValue>) => BACKUP_COLUMNS[t].map((c) => r[c])
    let header = 0
    let end = 0
    for await (const e of readBackup(file)) {
      switch (e.kind) {
        case 'header': {
          header++
          break
        }

        case 'end': {
          end = e.jobs
          break
        }

        case 'job': {
          back.object.push(values('object', e.job.object))
          back.job.push(values('job', e.job.job))
          for (const n of e.job.notes) {
            back.note.push(values('note', n.note))
            for (const x of n.i18n) back.note_i18n.push(values('note_i18n', x))
          }

          for (const p of e.job.properties) {
            back.property.push(values('property', p.property))
            for (const x of p.i18n) back.property_i18n.push(values('property_i18n', x))
          }

          break
        }
        // No default
      }
    }

    assert.deepEqual([header, end], [1, 6])
    for (const t of Object.keys(back) as BackupTable[])
      assert.deepEqual(
        back[t],
        batches.flatMap((b) => b[t]),
        t,
      )
    const summary = await summariseBackup(file)
    assert.deepEqual([summary.jobs, summary.complete, summary.header.version], [6, true, 2])
  })

  test('cut anywhere, it reads up to its last complete batch, never fails on the unfinished one', async () => {
    const file = await write('cut-source.ndjson.gz', [batchRows(10), batchRows(20), batchRows(30)])
    const raw = await readFile(file)
    // Where each batch's marker member ends: from there on the batch counts.
    const markers: number[] = []
    // Every byte around where a gzip member starts (its header, the first bytes of its data) and every
    // fifth byte elsewhere, from two bytes on (the gzip magic; a one-byte file is no backup at all).
    const starts: number[] = []
    for (let i = 0; i + 2 < raw.length; i++)
      if (raw[i] === 0x1f && raw[i + 1] === 0x8b && raw[i + 2] === 0x08) starts.push(i)
    const ends = new Set<number>([raw.length])
    for (let end = 2; end <= raw.length; end += 5) ends.add(end)
    for (const at of starts)
      for (let end = at - 2; end <= at + 24; end++) if (end >= 2 && end <= raw.length) ends.add(end)
    for (const end of [...ends].sort((x, y) => x - y)) {
      const cut = join(dir, 'cut.ndjson.gz')
      await writeFile(cut, raw.subarray(0, end))
      let summary: Awaited<ReturnType<typeof summariseBackup>> | undefined
      try {
        summary = await summariseBackup(cut)
      } catch (error) {
        // Only before the header is whole may it fail, and then as "empty" or unreadable, never "damaged".
        assert.doesNotMatch((error as Error).message, /line \d+:/, `cut at ${end} of ${raw.length}`)
        assert.equal(markers.length, 0)
        continue
      }

      const batches = summary.jobs / 2
      assert.ok(Number.isInteger(batches), `cut at ${end}: ${summary.jobs} jobs, not whole batches`)
      if (batches > markers.length) markers.push(end)
      assert.equal(batches, markers.length, `cut at ${end}: fewer batches than a shorter cut`)
      if (end === raw.length) assert.equal(summary.complete, true)
      if (batches < 3) assert.equal(summary.complete, false)
    }

    assert.equal(markers.length, 3)
  })
})
