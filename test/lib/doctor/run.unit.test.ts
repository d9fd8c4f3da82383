import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {CheckResult} from '../../../src/lib/doctor/types.js'

import {type DoctorReport, nagiosLine, sortChecks} from '../../../src/lib/doctor/run.js'

const check = (id: string, status: CheckResult['status'], rank: number): CheckResult => ({
  id,
  title: id,
  status,
  summary: `${id} summary`,
  evidence: [],
  rank,
})

function report(over: Partial<DoctorReport>): DoctorReport {
  return {
    install: {root: '/usr/share/nginx/atom', realRoot: '/usr/share/nginx/atom', prefix: null, profile: null},
    status: 'ok',
    checks: [check('db', 'ok', 5), check('gearman.servers', 'ok', 3)],
    mostLikelyCause: null,
    metrics: {workers: 18, waitingJobs: 0, zombies: 0, oldestInProgressSeconds: null},
    durationMs: 40,
    ...over,
  }
}

test('checks: critical, warning, unknown, then ok, info, skipped; within a status the root cause (lowest rank) first', () => {
  const sorted = sortChecks([
    check('a', 'skipped', 1),
    check('b', 'ok', 1),
    check('c', 'warning', 9),
    check('d', 'critical', 50),
    check('e', 'critical', 10),
    check('f', 'unknown', 1),
    check('g', 'info', 1),
    check('h', 'warning', 9),
  ])
  assert.deepEqual(
    sorted.map((c) => c.id),
    ['e', 'd', 'c', 'h', 'f', 'b', 'g', 'a'],
  )
})

test('the Nagios line: the status, the most likely cause or the count of passed checks, and performance data', () => {
  assert.equal(
    nagiosLine(report({})),
    'ATOM-OPS OK - all 2 checks passed | workers=18;;1: waiting=0 zombies=0;;0 oldest_in_progress=Us',
  )
  const critical = report({
    status: 'critical',
    mostLikelyCause: {id: 'w', summary: 'no worker for 18 job classes', fix: null},
    metrics: {workers: 0, waitingJobs: 3, zombies: null, oldestInProgressSeconds: 7200},
  })
  assert.equal(
    nagiosLine(critical),
    'ATOM-OPS CRITICAL - no worker for 18 job classes | workers=0;;1: waiting=3 zombies=U;;0 oldest_in_progress=7200s',
  )
})

test('the Nagios line stays one line: a pipe or a newline in a summary cannot start the performance data or a second line', () => {
  const line = nagiosLine(
    report({status: 'warning', mostLikelyCause: {id: 'x', summary: 'unit a|b failed\nsecond line\r\n', fix: null}}),
  )
  assert.equal(line.split('\n').length, 1)
  assert.equal(line.split('|').length, 2)
  assert.ok(line.startsWith('ATOM-OPS WARNING - unit a/b failed second line '), line)
})
