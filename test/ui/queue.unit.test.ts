/**
 * The queue renderers golden.unit.test.ts does not cover (status, workers and watch are there): queue
 * jobs, ping, cancel, drop and the per-worker summary of job classes. At 80 columns and for a pipe.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {CancelReport, DropReport} from '../../src/lib/queue/control.js'
import type {QueueJobsReport, QueuePingReport} from '../../src/lib/queue/inspect.js'

import {FunctionDecoder} from '../../src/lib/queue/decode.js'
import {renderCancel, renderDrop, renderQueueJobs, renderQueuePing, summariseFunctions} from '../../src/ui/queue.js'
import {PLAIN_VIEW} from '../../src/ui/view.js'
import {assertTablesFit} from '../helpers/table-lines.js'
import {PREFIX} from './fixtures.js'

const AT_80 = {...PLAIN_VIEW, width: 80}
const OTHER = 'aaaabbbbccccddddeeeeffff00001111-'
const decoder = new FunctionDecoder(PREFIX, new Map([[OTHER, 'staging']]))

describe('queue jobs', () => {
  const report: QueueJobsReport = {
    servers: [
      {
        server: '10.20.30.40:4730',
        ok: true,
        jobs: [
          {handle: 'H:atom-gearman-1.archives.example.org:1234567', state: 'running', retries: 0, cancelled: false},
          {handle: 'H:atom-gearman-1.archives.example.org:1234568', state: 'waiting', retries: 2, cancelled: true},
        ],
        uniqueIds: ['', '3f9a0c1d-export-48210'],
      },
      {
        server: '10.20.30.41:4730',
        ok: false,
        error: {kind: 'refused', message: 'connect ECONNREFUSED 10.20.30.41:4730'},
        jobs: [],
        uniqueIds: [],
      },
    ],
    jobs: 2,
    unreachable: 1,
    exitCode: 4,
  }

  test('at 80 columns: each server, the handles with their state, retries and whether cancelled, the unique ids', () => {
    const text = renderQueueJobs(report, AT_80)
    assertTablesFit(text, 80)
    assert.match(text, /^10\.20\.30\.40:4730 {2}ok {2}2 jobs, 2 unique ids$/m)
    assert.match(text, /^10\.20\.30\.41:4730 {2}DOWN {2}connect ECONNREFUSED 10\.20\.30\.41:4730$/m)
    assert.match(text, /H:atom-gearman-1\.archives\.example\.org:1234568 +waiting +2 +yes$/m)
    assert.match(text, /^10\.20\.30\.40:4730 {2}\(empty\)$/m, 'an empty unique id is said to be empty')
    assert.match(text, /gearmand does not tell which function a handle belongs to/)
    assert.match(text, /^1 server did not answer \(exit code 4\)\.$/m)
  })

  test('--quiet leaves out the explanation; nothing queued is said', () => {
    assert.doesNotMatch(renderQueueJobs(report, {...AT_80, quiet: true}), /does not tell/)
    assert.match(
      renderQueueJobs(
        {servers: [{server: 's:1', ok: true, jobs: [], uniqueIds: []}], jobs: 0, unreachable: 0, exitCode: 0},
        PLAIN_VIEW,
      ),
      /^No jobs queued or running on any answering server\.$/m,
    )
  })

  test('in a pipe: bordered tables with every column', () => {
    const text = renderQueueJobs(report, PLAIN_VIEW)
    assert.match(text, /│ server +│ handle +│ state +│ retries +│ cancelled │/)
    assert.match(text, /│ 10\.20\.30\.40:4730 │ 3f9a0c1d-export-48210 +│/)
  })
})

describe('queue ping', () => {
  const report: QueuePingReport = {
    servers: [
      {server: '10.20.30.40:4730', ok: true, latencyMs: 0.4321, version: '1.1.21', pid: 812},
      {
        server: 'gearman-behind-a-very-long-host-name.archives.example.org:4730',
        ok: false,
        error: {kind: 'timeout', message: 'no answer within 5s (timeout)'},
      },
    ],
    unreachable: 1,
    exitCode: 4,
  }

  test('at 80 columns: echo time, version and pid, or DOWN and why', () => {
    const text = renderQueuePing(report, AT_80)
    assertTablesFit(text, 80)
    assert.match(text, /^10\.20\.30\.40:4730 +ok +0\.43 .*812$/m)
    assert.match(text, /^gearman-behind-a-very-lo…archives\.example\.org:4730 +DOWN +- +no answer/m)
    assert.match(text, /^\(not shown at 80 columns: version; --wide shows all\)$/m)
    assert.match(text, /\n1 server did not answer \(exit code 4\)\.$/)
  })

  test('in a pipe: the long host name and the whole error', () => {
    const text = renderQueuePing(report, PLAIN_VIEW)
    assert.match(
      text,
      /│ gearman-behind-a-very-long-host-name\.archives\.example\.org:4730 │ DOWN +│ - +│ - +│ no answer within 5s \(timeout\) │/,
    )
  })
})

describe('queue cancel', () => {
  const waiting = {listed: true, running: false, cancelled: false}
  const report: CancelReport = {
    server: '10.20.30.40:4730',
    handle: 'H:atom-gearman-1:1234568',
    before: waiting,
    after: {...waiting, cancelled: true},
    lookup: [
      {server: '10.20.30.40:4730', found: true},
      {server: '10.20.30.41:4730', found: false},
      {server: '10.20.30.42:4730', found: false, error: 'timeout'},
    ],
    dryRun: false,
    outcome: 'cancelled',
    message: `Cancelled: a worker will discard it.\u001B[2J`,
    exitCode: 0,
  }

  test('where it was found and where it was asked, its state before and after, the outcome; the message inert', () => {
    const text = renderCancel(report)
    assert.match(
      text,
      /^server +10\.20\.30\.40:4730 \(found there; asked 10\.20\.30\.40:4730, 10\.20\.30\.41:4730: not there, 10\.20\.30\.42:4730: no answer\)$/m,
    )
    assert.match(text, /^before +waiting$/m)
    assert.match(text, /^after +waiting, marked cancelled$/m)
    assert.match(text, /^outcome +cancelled$/m)
    assert.match(text, /\n\nCancelled: a worker will discard it\.\\u001b\[2J$/)
  })

  test('a dry run says nothing was sent, and has no after', () => {
    const text = renderCancel({
      ...report,
      dryRun: true,
      after: undefined,
      lookup: undefined,
      outcome: 'would-not-stop',
      before: {...waiting, running: true},
    })
    assert.match(text, /^server +10\.20\.30\.40:4730$/m)
    assert.match(text, /^before +running$/m)
    assert.doesNotMatch(text, /^after/m)
    assert.match(text, /^outcome +would-not-stop \(dry run: nothing sent\)$/m)
  })
})

describe('queue drop', () => {
  const report: DropReport = {
    function: decoder.decode(PREFIX + 'arInformationObjectCsvExportJob'),
    typed: 'arInformationObjectCsvExportJob',
    dryRun: true,
    force: false,
    servers: [
      {
        server: '10.20.30.40:4730',
        ok: true,
        found: true,
        total: 0,
        running: 0,
        availableWorkers: 0,
        action: 'drop',
        outcome: 'would-drop',
        message: 'no jobs and no workers: would be dropped',
      },
      {
        server: '10.20.30.41:4730',
        ok: true,
        found: true,
        total: 4,
        running: 0,
        availableWorkers: 0,
        action: 'has-jobs',
        outcome: 'refused',
        message: '4 queued jobs would be orphaned: not dropped without --force (they are lost with the function)',
      },
      {
        server: '10.20.30.42:4730',
        ok: true,
        found: false,
        action: 'not-found',
        outcome: 'not-found',
        message: 'not registered here',
      },
    ],
    exitCode: 5,
  }

  test('at 80 columns: the function named in full above a table that fits, the long reasons as notes', () => {
    const text = renderDrop(report, AT_80)
    assert.equal(
      text.split('\n')[0],
      `function ${PREFIX}arInformationObjectCsvExportJob (this install, arInformationObjectCsvExportJob) - dry run, nothing sent`,
    )
    assertTablesFit(text, 80)
    assert.match(text, /^10\.20\.30\.41:4730 +4 +0 +refused/m)
    assert.match(text, /^10\.20\.30\.42:4730 +- +- +not-found/m)
    assert.match(text, /4 queued jobs would be orphaned: not dropped without --force/)
  })

  test('in a pipe: every reason in its row', () => {
    const text = renderDrop({...report, dryRun: false}, PLAIN_VIEW)
    assert.doesNotMatch(text.split('\n')[0], /dry run/)
    assert.match(text, /│ 10\.20\.30\.42:4730 │ - +│ - +│ not-found +│ not registered here +│/)
  })
})

describe("a worker's job classes, summarised", () => {
  const classes = [
    'arFindingAidJob',
    'arObjectMoveJob',
    'arFileImportJob',
    'arInformationObjectCsvExportJob',
    'arActorCsvExportJob',
    'arUpdateEsIoDocumentsJob',
  ]

  test("this install's classes by name; another install's under its profile; cut at the limit with how many more", () => {
    assert.equal(
      summariseFunctions(classes.slice(0, 2).map((c) => decoder.decode(PREFIX + c))),
      'arFindingAidJob, arObjectMoveJob',
    )
    assert.equal(
      summariseFunctions([decoder.decode(PREFIX + 'arFindingAidJob'), decoder.decode(OTHER + 'arFindingAidJob')]),
      'this install: arFindingAidJob; profile staging: arFindingAidJob',
    )
    const cut = summariseFunctions(
      classes.map((c) => decoder.decode(PREFIX + c)),
      70,
    )
    assert.ok(cut.length <= 70 + ' (+6 more)'.length, cut)
    assert.match(cut, /^arFindingAidJob, arObjectMoveJob, arFileImportJob, \.\.\. \(\+3 more\)$/)
    assert.equal(
      summariseFunctions(
        classes.map((c) => decoder.decode(PREFIX + c)),
        Infinity,
      ),
      classes.join(', '),
    )
  })

  test('a function of no known install shows its whole name, so the install can be found', () => {
    assert.equal(
      summariseFunctions([decoder.decode('0123456789abcdef0123456789abcdef-arFindingAidJob')]),
      'unknown prefix: 0123456789abcdef0123456789abcdef-arFindingAidJob',
    )
  })
})
