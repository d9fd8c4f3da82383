import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseExits, parseRunningDescription, parseSupervisorStatus} from '../../../src/lib/service/supervisor.js'

describe('supervisord output', () => {
  test('status lines, including group members and descriptions with spaces', () => {
    const lines = parseSupervisorStatus(
      'bad                              FATAL     Exited too quickly (process log may have details)\ngrp:good                         RUNNING   pid 21818, uptime 1 day, 2:03:04\nnosuch: ERROR (no such process)\n',
    )
    assert.deepEqual(lines, [
      {name: 'bad', state: 'FATAL', description: 'Exited too quickly (process log may have details)'},
      {name: 'grp:good', state: 'RUNNING', description: 'pid 21818, uptime 1 day, 2:03:04'},
    ])
    assert.deepEqual(parseRunningDescription(lines[1].description), {
      pid: 21_818,
      uptimeSeconds: 86_400 + 2 * 3600 + 3 * 60 + 4,
    })
  })

  test("exit statuses from supervisord's log: the last one per program wins", () => {
    const log = [
      '2026-11-29 02:29:16,291 WARN exited: bad (exit status 1; not expected)',
      '2026-11-29 02:29:17,801 WARN exited: e111 (exit status 111; not expected)',
      '2026-11-29 02:30:17,801 INFO exited: e111 (exit status 0; expected)',
    ].join('\n')
    const exits = parseExits(log)
    assert.deepEqual(exits.get('bad'), {status: 1, at: '2026-11-29 02:29:16'})
    assert.equal(exits.get('e111')!.status, 0)
  })
})
