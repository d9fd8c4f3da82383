/** doctor's report, its --fix plan and its result, as the operator reads them; the report's checks are prose, not a table. */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DoctorFixPlan, DoctorFixReport} from '../../src/lib/doctor/fixes.js'
import type {DoctorReport} from '../../src/lib/doctor/run.js'

import {renderDoctorFixPlan, renderDoctorFixResult, renderDoctorReport} from '../../src/ui/doctor.js'
import {PLAIN_VIEW} from '../../src/ui/view.js'

const report: DoctorReport = {
  install: {root: '/usr/share/nginx/atom', realRoot: '/srv/atom', prefix: 'abc-', profile: null},
  status: 'critical',
  checks: [
    {
      id: 'gearman.workers',
      title: 'Workers',
      status: 'critical',
      summary: '1 job class has no worker',
      evidence: ['arFindingAidJob: 0 workers'],
      fix: 'atom-ops worker restart',
      rank: 1,
    },
    {id: 'db', title: 'Database', status: 'ok', summary: 'answers', evidence: ['MariaDB 10.11'], rank: 5},
  ],
  mostLikelyCause: {id: 'gearman.workers', summary: 'the worker is down', fix: 'atom-ops worker restart'},
  metrics: {workers: 0, waitingJobs: 1, zombies: 0, oldestInProgressSeconds: null},
  durationMs: 12,
}

describe('doctor: colour through the view, --quiet and --verbose', () => {
  test('the status tags are coloured only when the view has colour', () => {
    assert.match(renderDoctorReport(report, {...PLAIN_VIEW, colour: true}), /\u001B\[31mCRIT\u001B\[39m {2}Workers/)
    assert.doesNotMatch(renderDoctorReport(report, PLAIN_VIEW), /\u001B/)
  })

  test('--quiet: only what is wrong and the verdict; --verbose: the evidence of passed checks too', () => {
    const quiet = renderDoctorReport(report, {...PLAIN_VIEW, quiet: true})
    assert.match(quiet, /CRIT {2}Workers/)
    assert.doesNotMatch(quiet, /Database/)
    assert.match(quiet, /Most likely cause: the worker is down/)
    assert.doesNotMatch(renderDoctorReport(report, PLAIN_VIEW), /MariaDB 10\.11/)
    assert.match(
      renderDoctorReport(report, {...PLAIN_VIEW, verbose: true}),
      /OK {4}Database: answers\n {8}MariaDB 10\.11/,
    )
  })

  test('--quiet when every check passed: the header, one blank line, the verdict', () => {
    const healthy: DoctorReport = {...report, status: 'ok', checks: [report.checks[1]], mostLikelyCause: null}
    assert.deepEqual(renderDoctorReport(healthy, {...PLAIN_VIEW, quiet: true}).split('\n'), [
      'atom-ops doctor: /srv/atom (prefix abc-)',
      '',
      'All checks passed.',
      'OK in 12 ms',
    ])
  })
})

describe('doctor: the report', () => {
  test('the install, each check with its evidence and fix, the most likely cause and the command to run, the verdict', () => {
    const lines = renderDoctorReport(report, {...PLAIN_VIEW, width: 80}).split('\n')
    assert.deepEqual(lines, [
      'atom-ops doctor: /srv/atom (prefix abc-)',
      '',
      'CRIT  Workers: 1 job class has no worker',
      '        arFindingAidJob: 0 workers',
      '        fix: atom-ops worker restart',
      'OK    Database: answers',
      '',
      'Most likely cause: the worker is down',
      'Run: atom-ops worker restart',
      'CRITICAL in 12 ms',
    ])
    assert.deepEqual(
      renderDoctorReport(report, PLAIN_VIEW).split('\n'),
      lines,
      'the same in a pipe: nothing is cut to a width',
    )
  })

  test('all passed: said, no cause; text from the install or a server is shown inert', () => {
    const ok: DoctorReport = {
      ...report,
      install: {...report.install, realRoot: '/srv/\u001B[2Jatom', profile: 'main'},
      status: 'ok',
      checks: [report.checks[1]],
      mostLikelyCause: null,
    }
    const text = renderDoctorReport(ok, PLAIN_VIEW)
    assert.match(text, /^atom-ops doctor: \/srv\/\\u001b\[2Jatom \(prefix abc-\), profile main$/m)
    assert.match(text, /\nAll checks passed\.\nOK in 12 ms$/)
  })

  test('--all-profiles: one section per profile', () => {
    const text = renderDoctorReport(
      {
        status: 'critical',
        profiles: [
          {profile: 'main', report},
          {profile: 'staging', report: {...report, status: 'ok', mostLikelyCause: null}},
        ],
      },
      PLAIN_VIEW,
    )
    assert.match(text, /^== profile main ==\natom-ops doctor: /)
    assert.match(text, /\n\n== profile staging ==\natom-ops doctor: .*\n[\s\S]*\nOK in 12 ms$/)
  })
})

describe('doctor --fix', () => {
  const fixes = [
    {
      action: {kind: 'reset-and-restart-worker' as const},
      because: 'gearman.workers',
      description: "reset the worker unit's start limit if hit, restart it and wait until Gearman shows its workers",
    },
    {
      action: {kind: 'kill-zombies' as const, jobIds: [7, 9]},
      because: 'jobs.zombies',
      description: 'mark the 2 zombie jobs failed (#7, #9)',
    },
  ]

  test('the plan: the report, then each fix numbered, in plain words', () => {
    const plan: DoctorFixPlan = {before: report, fixes}
    const text = renderDoctorFixPlan(plan, PLAIN_VIEW)
    assert.ok(text.startsWith(renderDoctorReport(report, PLAIN_VIEW) + '\n\ndoctor --fix would:\n'))
    assert.match(
      text,
      /\n {2}1\. reset the worker unit's start limit if hit, restart it and wait until Gearman shows its workers\n {2}2\. mark the 2 zombie jobs failed \(#7, #9\)$/,
    )
  })

  test('nothing to fix: said apart from nothing doctor can fix safely', () => {
    assert.match(
      renderDoctorFixPlan({before: {...report, status: 'ok', mostLikelyCause: null}, fixes: []}, PLAIN_VIEW),
      /\n\nNothing to fix\.$/,
    )
    assert.match(
      renderDoctorFixPlan({before: report, fixes: []}, PLAIN_VIEW),
      /\n\nNothing doctor can fix safely; see the fixes above\.$/,
    )
  })

  test('the result: each fix done or FAILED with its message, then the report after; a dry run or a refusal in one line', () => {
    const applied: DoctorFixReport = {
      dryRun: false,
      before: report,
      fixes: [
        {...fixes[0], ok: true, message: 'workers back in 2.1s'},
        {...fixes[1], ok: false, message: 'job 9 changed meanwhile'},
      ],
      after: {...report, status: 'ok', mostLikelyCause: null},
      status: 'ok',
    }
    const text = renderDoctorFixResult(applied, PLAIN_VIEW)
    assert.match(
      text,
      /^Applied:\n {2}done {3}reset the worker unit's .*: workers back in 2\.1s\n {2}FAILED mark the 2 zombie jobs failed \(#7, #9\): job 9 changed meanwhile\n\nAfter:\natom-ops doctor: /,
    )
    assert.match(text, /\nAll checks passed\.\nOK in 12 ms$/)
    assert.equal(renderDoctorFixResult({...applied, dryRun: true}, PLAIN_VIEW), 'Dry run: nothing was changed.')
    assert.equal(renderDoctorFixResult({...applied, declined: true}, PLAIN_VIEW), 'Nothing was changed.')
  })
})
