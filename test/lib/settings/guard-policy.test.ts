import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {cronSchedule, nextCronRun} from '../../../src/lib/guard/install.js'
import {percentile} from '../../../src/lib/jobs/stats.js'
import {parsePolicy} from '../../../src/lib/settings/guard-policy.js'
import {formatDurationMs, parseDuration} from '../../../src/lib/util/duration.js'

describe('guard policy', () => {
  test('defaults: nothing fixed, 6h grace, 3 restarts an hour, no retention, no channel', () => {
    const p = parsePolicy({}, 'file: guard')
    assert.deepEqual(
      {
        fix: p.fix,
        grace: p.zombieGraceMs,
        max: p.maxRestartsPerHour,
        retention: p.retention,
        exec: p.notifyExec,
        url: p.notifyUrl,
        mail: p.notifyMail,
        timeout: p.notifyTimeoutMs,
      },
      {
        fix: [],
        grace: 6 * 3_600_000,
        max: 3,
        retention: undefined,
        exec: undefined,
        url: undefined,
        mail: undefined,
        timeout: 10_000,
      },
    )
  })

  test("the issue's example reads as written", () => {
    const p = parsePolicy(
      {
        fix: ['restart-worker', 'clear-config-cache', 'fail-zombies'],
        zombie_grace: '6h',
        retention: {older_than: '90d', keep_backups: 10},
        max_restarts_per_hour: 3,
        notify_exec: '/usr/local/bin/page-me',
        notify_url: 'https://hooks.example.org/x',
        notify_mail: 'ops@example.org',
      },
      'f',
    )
    assert.deepEqual(p.fix, ['restart-worker', 'clear-config-cache', 'fail-zombies'])
    assert.deepEqual(p.retention, {olderThanMs: 90 * 86_400_000, keepBackups: 10, everyMs: 86_400_000})
    assert.deepEqual(p.notifyExec, ['/usr/local/bin/page-me'])
    assert.deepEqual(p.notifyMail, ['ops@example.org'])
  })

  test('mistakes are ConfigErrors (exit 3) naming the key, with what is allowed', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{fix: 'restart'}, /fix: "restart" is not a fix the guard knows/],
      [{retention: {older_than: '90d', keep: 3}}, /retention has an unknown setting "keep"/],
      [{retention: {older_than: '90d', keep_backups: 0}}, /keep_backups must be a whole number from 1/],
      [{notify_exec: []}, /notify_exec must be a program path or a list/],
      [{notify_exec: ['/bin/x', 3]}, /notify_exec must be a program path or a list/],
      [{notify_mail: 'a@b.org, c@d.org'}, /is not a mail address/],
      [{notify_sendmail: '/usr/sbin/sendmail'}, /has notify_sendmail but no notify_mail/],
      [{notify_timeout: '1h'}, /notify_timeout is over 5 minutes/],
      [{notify_url: 'not a url'}, /is not a URL/],
    ]
    for (const [raw, message] of bad) {
      assert.throws(
        () => parsePolicy(raw, 'f: guard'),
        (e: Error & {exitCode?: number}) => {
          assert.match(e.message, /^f: guard /)
          assert.match(e.message, message)
          assert.equal(e.exitCode, 3)
          return true
        },
      )
    }
  })
})

describe('schedules and figures', () => {
  test('cron schedules for intervals that divide an hour or a day; others refused', () => {
    assert.equal(cronSchedule(60_000), '* * * * *')
    assert.equal(cronSchedule(5 * 60_000), '*/5 * * * *')
    assert.equal(cronSchedule(3_600_000), '0 * * * *')
    assert.equal(cronSchedule(6 * 3_600_000), '0 */6 * * *')
    assert.equal(cronSchedule(86_400_000), '0 0 * * *')
    assert.throws(() => cronSchedule(7 * 60_000), /cannot be written as a cron schedule/)
    assert.throws(() => cronSchedule(5 * 3_600_000), /cannot be written as a cron schedule/)
    assert.equal(nextCronRun(5 * 60_000, Date.UTC(2026, 0, 1, 23, 58, 1)), '2026-01-02T00:00:00.000Z')
  })

  test('durations written back as typed', () => {
    for (const text of ['6h', '90d', '1h30m', '2w', '10d', '45s'])
      assert.equal(formatDurationMs(parseDuration(text, 'x')), text)
  })

  test("percentiles from a histogram are PERCENTILE_CONT's", () => {
    // 10, 20, 30, 40: median 25, 95th 38.5; 7 x 1 and 1 x 100: median 1, 95th 65.35
    assert.equal(
      percentile(
        [
          [10, 1],
          [20, 1],
          [30, 1],
          [40, 1],
        ],
        4,
        0.5,
      ),
      25,
    )
    assert.equal(
      percentile(
        [
          [10, 1],
          [20, 1],
          [30, 1],
          [40, 1],
        ],
        4,
        0.95,
      ),
      38.5,
    )
    assert.equal(
      percentile(
        [
          [1, 7],
          [100, 1],
        ],
        8,
        0.5,
      ),
      1,
    )
    assert.ok(
      Math.abs(
        percentile(
          [
            [1, 7],
            [100, 1],
          ],
          8,
          0.95,
        ) - 65.35,
      ) < 1e-9,
    )
    assert.equal(percentile([[42, 1]], 1, 0.95), 42)
  })
})
