/**
 * The jobs renderers golden.unit.test.ts does not cover (list, stalled and the clear plan are there): show,
 * --csv, the clear's result, restore, kill, backups. Each at 80 columns and for a pipe.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {RestoreReport} from '../../src/lib/jobs/backup.js'
import type {BackupsReport} from '../../src/lib/jobs/backups.js'
import type {ClearResult} from '../../src/lib/jobs/clear.js'
import type {QueuedCancelReport} from '../../src/lib/jobs/gearman.js'
import type {KillPlan, KillResult} from '../../src/lib/jobs/kill.js'
import type {JobDetails} from '../../src/lib/jobs/show.js'

import {
  jobListCsv,
  renderBackups,
  renderClearResult,
  renderJobDetails,
  renderKillPlan,
  renderKillResult,
  renderQueuedCancel,
  renderRestore,
} from '../../src/ui/jobs.js'
import {PLAIN_VIEW} from '../../src/ui/view.js'
import {assertTablesFit} from '../helpers/table-lines.js'
import {clearPlan, jobList, PREFIX} from './fixtures.js'

const AT_80 = {...PLAIN_VIEW, width: 80}
const ESC = '\u001B'

const job: JobDetails = {
  id: 48_210,
  name: 'arInformationObjectCsvExportJob',
  status: 'error',
  statusId: 185,
  userId: 12,
  user: 'archivist',
  startedAt: '2026-11-10T00:15:35-08:00',
  completedAt: '2026-11-10T00:17:02-08:00',
  seconds: 87,
  objectId: 4412,
  related: 'hudson-bay-company-fonds',
  downloadPath: 'downloads/jobs/48210.zip',
  output: `Exporting 120 descriptions\n${ESC}[2Jcleared?`,
  notes: [
    {
      id: 1,
      typeId: 1,
      type: 'error',
      userId: null,
      culture: 'en',
      content: `Export failed: disk full ${ESC}]0;title${ESC}\\`,
    },
  ],
  properties: [{id: 2, name: 'format', scope: null, culture: null, value: 'csv'}],
  download: {path: 'downloads/jobs/48210.zip', exists: false},
  gearman: {
    function: PREFIX + 'arInformationObjectCsvExportJob',
    servers: [
      {server: '10.20.30.40:4730', ok: true},
      {server: '10.20.30.41:4730', ok: false, error: 'connect ECONNREFUSED'},
    ],
    state: {
      function: PREFIX + 'arInformationObjectCsvExportJob',
      waiting: 2,
      running: 1,
      workers: 3,
      cancelled: 0,
      servers: ['10.20.30.40:4730'],
    },
  },
}

describe('jobs show', () => {
  test('every field as key: value, the notes, properties and output; what the database holds is shown inert', () => {
    const text = renderJobDetails(job)
    assert.match(text, /^id +48210$/m)
    assert.match(text, /^status +error \(185\)$/m)
    assert.match(text, /^duration +1m 27s$/m)
    assert.match(text, /^download +downloads\/jobs\/48210\.zip \(missing\)$/m)
    assert.match(text, /^gearman +2 waiting, 1 running, 3 worker\(s\) on 10\.20\.30\.40:4730$/m)
    assert.match(text, /^gearman servers +10\.20\.30\.41:4730 did not answer$/m)
    assert.match(text, /\nNotes \(1\):\n {2}\[error\] Export failed: disk full \\u001b\]0;title/)
    assert.match(text, /\nProperties \(1\):\n {2}format = csv\n/)
    assert.match(text, /\nOutput:\n {2}Exporting 120 descriptions\n {2}\\u001b\[2Jcleared\?$/)
    assert.ok(!text.includes(ESC), 'no escape sequence reaches the terminal')
  })

  test('a running job started from the command line, no Gearman answer, no output', () => {
    const text = renderJobDetails({
      ...job,
      status: 'running',
      statusId: 183,
      user: null,
      completedAt: null,
      seconds: 93_600,
      output: null,
      notes: [],
      properties: [],
      download: {path: null, exists: false},
      gearman: {function: PREFIX + 'x', servers: [], state: null, error: 'timed out after 5s'},
    })
    assert.match(text, /^user +\(none: command line\)$/m)
    assert.match(text, /^age +26h \(age\)$/m)
    assert.match(text, /^download +-$/m)
    assert.match(text, /^gearman +no answer: timed out after 5s$/m)
    assert.match(text, /\nNotes \(0\):\n\nOutput:\n {2}\(none\)$/)
    assert.doesNotMatch(text, /Properties/)
  })
})

describe('jobs list --csv', () => {
  test("fputcsv's quoting, and cells a spreadsheet would run as formulas neutralised unless raw", () => {
    const list = {...jobList, jobs: [{...jobList.jobs[0], name: '=HYPERLINK("http://x")', related: 'a, "quoted" slug'}]}
    const [head, row, end] = jobListCsv(list).split('\n')
    assert.equal(head, 'id,name,status,user,started,completed,seconds,related')
    assert.equal(
      row,
      `48210,"'=HYPERLINK(""http://x"")",running,admin,2026-11-10T00:15:35-08:00,,93600,"a, ""quoted"" slug"`,
    )
    assert.equal(end, '')
    assert.match(jobListCsv(list, {raw: true}), /^48210,"=HYPERLINK\(""http:\/\/x""\)",/m)
  })
})

const cancel: QueuedCancelReport = {
  functions: [PREFIX + 'arFindingAidJob'],
  outcomes: [
    {server: '10.20.30.40:4730', cancelled: 3, gone: 1, runningNotStopped: 1, notCancelled: 0},
    {
      server: '10.20.30.41:4730',
      cancelled: 0,
      gone: 0,
      runningNotStopped: 0,
      notCancelled: 2,
      candidates: Array.from({length: 9}, (_, i) => `H:host:${i}`),
      skipped: 'other jobs are queued there',
    },
  ],
  keptClasses: ['arObjectMoveJob'],
  notCancelled: 2,
  note: 'gearmand lists handles without their function.',
}

describe("jobs clear's result, with its Gearman cancel", () => {
  const result: ClearResult = {
    plan: clearPlan,
    backup: '/var/lib/atom-ops/backups/jobs-20261201-091535.jsonl.gz',
    deleted: 13_998,
    alreadyGone: 2,
    batches: 14,
    files: {
      removed: 300,
      missing: 11,
      refused: [{path: '/etc/passwd', outcome: 'refused', reason: 'outside the install root'}],
    },
    queue: cancel,
  }

  test('what was deleted, the backup and how to restore it, the files, and what Gearman did', () => {
    for (const view of [AT_80, PLAIN_VIEW]) {
      const text = renderClearResult({...result, pruned: ['old.jsonl.gz']}, view)
      assert.match(text, /^Deleted 13998 jobs in 14 batches \(with their notes and properties\)\.$/m)
      assert.match(text, /^2 jobs of the plan were not deleted: gone meanwhile/m)
      assert.match(
        text,
        /^Backup: \/var\/lib\/atom-ops\/backups\/jobs-20261201-091535\.jsonl\.gz \(restore with: atom-ops jobs restore \/var\/lib/m,
      )
      assert.match(text, /^Pruned 1 old backup \(--keep-backups\)\.$/m)
      assert.match(
        text,
        /^Download files: 300 removed, 11 already missing, 1 refused\.\n {2}refused \/etc\/passwd: outside the install root$/m,
      )
      assert.match(text, /^Gearman, cancelling queued jobs of: 3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6-arFindingAidJob$/m)
    }
  })

  test('--quiet: the result, the backup and the refused files only', () => {
    const text = renderClearResult(result, {...AT_80, quiet: true})
    assert.deepEqual(text.split('\n'), [
      'Deleted 13998 jobs in 14 batches (with their notes and properties).',
      '2 jobs of the plan were not deleted: gone meanwhile (another clear or kill), or changed by AtoM so they no longer match.',
      'Backup: /var/lib/atom-ops/backups/jobs-20261201-091535.jsonl.gz (restore with: atom-ops jobs restore /var/lib/atom-ops/backups/jobs-20261201-091535.jsonl.gz)',
      'refused /etc/passwd: outside the install root',
    ])
  })

  test('without --queue, in-progress rows leave their queued jobs: said, with the flag that cancels them; --no-backup said too', () => {
    const text = renderClearResult({...result, backup: null, queue: undefined}, AT_80)
    assert.match(text, /^No backup was taken \(--no-backup\)\.$/m)
    assert.match(
      text,
      /^\d+ deleted in-progress jobs? had a queued Gearman job, left alone: .* Use --queue to cancel them\.$/m,
    )
  })

  test('without --queue, when the preview saw no queued job behind the rows (zombies, running): nothing about --queue', () => {
    const noneQueued = clearPlan.inProgress.filter((j) => j.gearman !== 'waiting' && j.gearman !== 'unknown')
    assert.ok(noneQueued.length > 0)
    const text = renderClearResult({...result, plan: {...clearPlan, inProgress: noneQueued}, queue: undefined}, AT_80)
    assert.doesNotMatch(text, /--queue/)
    const unasked = renderClearResult(
      {...result, plan: {...clearPlan, inProgress: [{...noneQueued[0], gearman: 'unknown'}]}, queue: undefined},
      AT_80,
    )
    assert.match(
      unasked,
      /^Gearman did not answer for 1 deleted in-progress job: any queued job of theirs was left alone\. Use --queue to cancel them\.$/m,
    )
  })

  test('nothing matched: one line', () => {
    assert.equal(
      renderClearResult(
        {
          ...result,
          plan: {...clearPlan, total: 0, inProgress: []},
          backup: null,
          deleted: 0,
          alreadyGone: 0,
          batches: 0,
          queue: undefined,
        },
        AT_80,
      ),
      'Nothing to delete.',
    )
  })

  test('the cancel per server: cancelled, gone and running counts; what was not cancelled, with the handles it is among (eight at most)', () => {
    const lines = renderQueuedCancel(cancel).split('\n')
    assert.equal(
      lines[1],
      '  10.20.30.40:4730: 3 queued jobs cancelled, 1 already gone; 1 running job(s) are NOT stopped by a cancel',
    )
    assert.equal(lines[2], '  10.20.30.41:4730: nothing cancelled: other jobs are queued there')
    assert.match(
      lines[3],
      /^ {2}10\.20\.30\.41:4730: 2 queued jobs NOT cancelled: they will still run \(among H:host:0, .*H:host:7, \.\.\.: atom-ops queue cancel HANDLE --server 10\.20\.30\.41:4730\)$/,
    )
    assert.doesNotMatch(lines[3], /H:host:8/)
    assert.equal(
      lines[4],
      '  not cancelled for arObjectMoveJob: other in-progress rows of those classes are waiting too',
    )
    assert.equal(lines[5], '  note: gearmand lists handles without their function.')
  })
})

describe('jobs restore', () => {
  const restore: RestoreReport = {
    file: '/b/jobs.jsonl.gz',
    format: 2,
    dryRun: false,
    jobs: 40,
    restored: 27,
    skipped: Array.from({length: 12}, (_, i) => ({id: 100 + i, reason: 'id taken'})),
    duplicates: [7],
    incomplete: true,
    nulledReferences: 1,
  }

  test('how many were restored, why the others were not (ten named at most), a file cut short, references set to NULL', () => {
    const lines = renderRestore(restore).split('\n')
    assert.equal(lines[0], 'Restored 27 jobs of 40 from /b/jobs.jsonl.gz.')
    assert.match(lines[1], /^The file has no trailer: the clear that wrote it was stopped part way\./)
    assert.equal(lines[2], '1 job appeared more than once in the file and were restored once: #7')
    assert.match(lines[3], /^12 jobs skipped: #100 \(id taken\), .*#109 \(id taken\), \.\.\.$/)
    assert.equal(lines[4], '1 reference to users or objects that no longer exist set to NULL.')
  })

  test('a dry run says what would be restored', () => {
    assert.equal(
      renderRestore({
        ...restore,
        dryRun: true,
        restored: 0,
        skipped: [{id: 1, reason: 'id taken'}],
        duplicates: [],
        incomplete: false,
        nulledReferences: 0,
      }),
      '/b/jobs.jsonl.gz holds 40 jobs; 39 would be restored.\n1 job skipped: #1 (id taken)',
    )
  })
})

describe('jobs kill', () => {
  const row = {...jobList.jobs[0], name: `arFindingAidJob${ESC}[31m`}
  const gearman = {
    id: row.id,
    name: row.name,
    user: row.user,
    startedAt: row.startedAt,
    ageSeconds: 93_600,
    function: PREFIX + row.name,
    state: 'zombie' as const,
    gearman: 'zombie' as const,
    reason: 'nothing queued or running matches this row',
  }
  const plan: KillPlan = {job: row, inProgress: true, action: 'mark-failed', gearman}

  test('the plan: the job, what Gearman says, what will be done (inert)', () => {
    const text = renderKillPlan(plan)
    assert.equal(
      text.split('\n')[0],
      String.raw`Job 48210 arFindingAidJob\u001b[31m: running, started 2026-11-10 00:15:35 -08:00 by admin.`,
    )
    assert.match(text, /^Gearman: zombie \(nothing queued or running matches this row\)\.$/m)
    assert.match(text, /marked failed \(status Error, completed now\)/)
    assert.match(
      renderKillPlan({...plan, action: 'delete'}),
      /It will be backed up, then deleted with its notes and properties\.$/,
    )
  })

  test('the result: marked failed, or deleted with its backup and download file; the queued job and how to cancel it', () => {
    const queued = {
      state: 'not-cancelled' as const,
      message: 'its queued job was left: other jobs of the class are queued',
      command: 'atom-ops queue cancel H:host:9 --server 10.20.30.40:4730',
    }
    const marked = renderKillResult({
      plan,
      dryRun: false,
      action: 'mark-failed',
      note: 'Killed by atom-ops (root)',
      queued,
      worker: 'The worker was not restarted.',
    })
    assert.deepEqual(marked.split('\n'), [
      'Job 48210 marked failed. Note: Killed by atom-ops (root)',
      'Gearman: its queued job was left: other jobs of the class are queued.',
      '  to cancel it: atom-ops queue cancel H:host:9 --server 10.20.30.40:4730',
      'The worker was not restarted.',
    ])
    const deleted: KillResult = {
      plan: {...plan, action: 'delete'},
      dryRun: false,
      action: 'delete',
      backup: null,
      file: {path: 'downloads/jobs/1.zip', outcome: 'refused', reason: 'a symlink'},
      queued: {state: 'none', message: 'nothing was queued for it'},
      worker: '',
    }
    const text = renderKillResult(deleted)
    assert.match(
      text,
      /^Job 48210 deleted\.\nNo backup was taken \(--no-backup\)\.\nDownload file downloads\/jobs\/1\.zip: refused \(a symlink\)$/m,
    )
    assert.match(text, /^Gearman: nothing was queued for it \(the row was zombie\)\.$/m)
    assert.equal(renderKillResult({...deleted, dryRun: true}), 'Dry run: nothing was changed.\n')
  })
})

describe('jobs backups', () => {
  const dir = '/var/lib/atom-ops/backups'
  const backups: BackupsReport = {
    directory: dir,
    backups: [
      {
        path: `${dir}/jobs-20261101-020000-all-completed-and-failed-jobs.jsonl.gz`,
        bytes: 52_428_800,
        modified: '2026-11-01T10:00:00.000Z',
        format: 2,
        jobs: 14_000,
        complete: true,
        selection: 'status completed, error; older than 30d',
        database: 'atom@db/atom',
      },
      {
        path: `${dir}/jobs-20261201-091535.jsonl.gz`,
        bytes: 1_048_576,
        modified: '2026-12-01T17:15:35.000Z',
        format: 2,
        jobs: 12,
        complete: false,
        selection: 'all jobs',
        database: 'atom@db/atom',
      },
      {
        path: `${dir}/broken.jsonl.gz`,
        bytes: 10,
        modified: '2026-12-01T18:00:00.000Z',
        format: null,
        jobs: null,
        complete: null,
        selection: null,
        database: null,
        problem: 'not gzip',
      },
    ],
    stalePartials: {files: 1, bytes: 2048},
  }

  test('at 80 columns: a table that fits, with sizes, counts and whether each is whole; the total', () => {
    const text = renderBackups(backups, AT_80)
    assertTablesFit(text, 80)
    assert.match(text, /^Removed 1 unfinished backup of an older run that was killed \(2048 bytes;/)
    assert.match(text, /^jobs-202611…\S+ +2026-11-01 10:00:00 \+00:00 +50\.0 MB +14000 +yes$/m)
    assert.match(text, /^jobs-202612…\S+ .* 1\.0 MB +12 +no \(/m, 'two backups of the same month stay apart')
    assert.match(text, /^broken\.jsonl\.gz .* \? +unread/m)
    assert.match(text, /^\(not shown at 80 columns: selection; --wide shows all\)$/m)
    assert.match(text, /^3 backups in \/var\/lib\/atom-ops\/backups, 51\.0 MB\.$/m)
  })

  test('in a pipe: every column in full, with borders', () => {
    const text = renderBackups(backups, PLAIN_VIEW)
    assert.match(text, /│ backup +│ written +│ size +│ jobs +│ complete +│ selection +│/)
    assert.match(text, /no \(stopped part way\)/)
    assert.match(text, /unreadable: not gzip/)
    assert.match(text, /jobs-20261101-020000-all-completed-and-failed-jobs\.jsonl\.gz/)
    assert.match(text, /status completed, error; older than 30d/)
  })

  test('pruning: what would go, what went, what could not be removed; no backups', () => {
    const prune = {dryRun: true, remove: [backups.backups[0].path], removed: [], failed: []}
    assert.match(
      renderBackups({...backups, prune}, AT_80),
      /^Would remove 1 backup: \/var\/lib\/atom-ops\/backups\/jobs-20261101-020000/m,
    )
    const done = renderBackups(
      {
        ...backups,
        prune: {
          ...prune,
          dryRun: false,
          removed: [backups.backups[0].path],
          failed: [{path: `${dir}/x`, error: 'EACCES'}],
        },
      },
      AT_80,
      true,
    )
    assert.match(done, /^Removed 1 backup\.\n {2}could not remove \/var\/lib\/atom-ops\/backups\/x: EACCES$/m)
    assert.equal(
      renderBackups(
        {directory: dir, backups: [], stalePartials: {files: 0, bytes: 0}, prune: {...prune, remove: []}},
        AT_80,
      ),
      `No backups in ${dir}.\nNothing to prune.`,
    )
  })
})
