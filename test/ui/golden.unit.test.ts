/**
 * Golden renders of every command table at 80, 120 and 200 columns, in-process with fixed widths (the
 * renderers are pure: width and colour come in a View). UPDATE_GOLDEN=1 rewrites the files after a
 * deliberate change; review them with `git diff test/ui/golden`.
 */
import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {renderConfigReport} from '../../src/ui/config.js'
import {renderClearPlan, renderJobList, renderStalled} from '../../src/ui/jobs.js'
import {renderQueueStatus, renderQueueWorkers, renderWatch} from '../../src/ui/queue.js'
import {PLAIN_VIEW, type View} from '../../src/ui/view.js'
import {renderWorkerStatus} from '../../src/ui/worker.js'
import {assertTablesFit} from '../helpers/table-lines.js'
import {
  clearPlan,
  configReport,
  jobList,
  queueStatus,
  queueWorkers,
  stalledReport,
  watchSnapshot,
  workerStatus,
} from './fixtures.js'

const DIR = fileURLToPath(new URL('golden/', import.meta.url))
const WIDTHS = [80, 120, 200]

const RENDERS: Record<string, (view: View) => string> = {
  'config-show': (v) => renderConfigReport(configReport, v),
  'jobs-list': (v) => renderJobList(jobList, v),
  'jobs-stalled': (v) => renderStalled(stalledReport, v),
  'jobs-clear-plan': (v) => renderClearPlan(clearPlan, v),
  'queue-status': (v) => renderQueueStatus(queueStatus, v),
  'queue-workers': (v) => renderQueueWorkers(queueWorkers, v),
  'worker-status': (v) => renderWorkerStatus(workerStatus, v),
  'queue-watch': (v) => renderWatch(watchSnapshot, v, {live: true, rows: 40, interval: 2}),
}

function golden(name: string, text: string): void {
  const file = `${DIR}${name}.txt`
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(DIR, {recursive: true})
    writeFileSync(file, text + '\n')
  }

  assert.equal(
    text + '\n',
    readFileSync(file, 'utf8'),
    `${name} differs from ${file} (UPDATE_GOLDEN=1 rewrites it after a deliberate change)`,
  )
}

describe('every table fits 80, 120 and 200 columns (golden renders)', () => {
  for (const [name, render] of Object.entries(RENDERS)) {
    for (const width of WIDTHS) {
      test(`${name} at ${width} columns`, () => {
        const text = render({...PLAIN_VIEW, width})
        golden(`${name}.${width}`, text)
        assertTablesFit(text, width)
      })
    }
  }

  test('a pipe (no width) gets every column in full, with borders', () => {
    const text = renderJobList(jobList, PLAIN_VIEW)
    golden('jobs-list.pipe', text)
    for (const head of ['id', 'name', 'status', 'user', 'started', 'completed', 'duration/age', 'related'])
      assert.match(text.split('\n')[1], new RegExp(`│ ${head.replace('/', String.raw`\/`)} `))
    assert.match(text, /arInformationObjectCsvExportJob/)
    assert.match(text, /hudson-bay-company-fonds-series-3-correspondence/)
  })
})
