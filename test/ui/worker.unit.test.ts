/**
 * The worker and cache renderers golden.unit.test.ts does not cover (worker status is there): start,
 * stop and restart, reset, logs and cache clear. At 80 columns and for a pipe.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {CacheClearReport} from '../../src/lib/cache/clear.js'
import type {HostOutcome} from '../../src/lib/service/targets.js'
import type {UnitStatus} from '../../src/lib/service/types.js'
import type {
  HostControl,
  HostReset,
  WorkerControlReport,
  WorkerLogsReport,
  WorkerResetReport,
} from '../../src/lib/service/worker.js'

import {PLAIN_VIEW} from '../../src/ui/view.js'
import {renderCacheClear, renderWorkerControl, renderWorkerLogs, renderWorkerReset} from '../../src/ui/worker.js'
import {assertTablesFit} from '../helpers/table-lines.js'

const AT_80 = {...PLAIN_VIEW, width: 80}
const HOST = 'deploy@worker-1.archives.example.org'
const DOWN_HOST: HostOutcome<never> = {
  host: 'deploy@worker-2',
  ok: false,
  error: {
    kind: 'unreachable',
    message: 'ssh: connect to host worker-2 port 22: Connection refused',
    hint: 'Check the host name and that sshd runs there.',
    exitCode: 4,
  },
}

const unit = (n: number, over: Partial<UnitStatus> = {}): UnitStatus => ({
  unit: `atom-worker@${n}.service`,
  condition: 'running',
  rawState: 'active/running',
  since: 'Tue 2026-12-01 09:15:35 PST',
  mainPid: 20_430 + n,
  restarts: 0,
  memoryBytes: 187_000_000,
  lastExitStatus: 111,
  startLimitHit: false,
  ...over,
})

describe('worker start, stop, restart', () => {
  const control: HostControl = {
    units: ['atom-worker@1.service', 'atom-worker@2.service'],
    before: [
      unit(1, {condition: 'failed', rawState: 'failed/failed', startLimitHit: true, mainPid: undefined}),
      unit(2),
    ],
    plan: [
      {
        action: 'reset-failed',
        units: ['atom-worker@1.service'],
        argv: ['systemctl', 'reset-failed', 'atom-worker@1.service'],
        why: 'at its start limit',
      },
      {
        action: 'restart',
        units: ['atom-worker@1.service', 'atom-worker@2.service'],
        argv: ['systemctl', 'restart', 'atom-worker@1.service', 'atom-worker@2.service'],
      },
    ],
    steps: [],
    resetStartLimit: ['atom-worker@1.service'],
  }
  const dryRun: WorkerControlReport = {
    action: 'restart',
    dryRun: true,
    unitPattern: 'atom-worker@*',
    hosts: [{host: HOST, ok: true, manager: 'systemd', value: control}, DOWN_HOST],
    outcome: 'dry-run',
  }

  test('a dry run at 80 columns: the commands it would run and why, the units as they are, the host that failed', () => {
    const text = renderWorkerControl(dryRun, AT_80)
    assert.match(
      text,
      /^deploy@worker-1\.archives\.example\.org: would run: systemctl reset-failed atom-worker@1\.service {3}# at its start limit$/m,
    )
    assert.match(
      text,
      /^deploy@worker-1\.archives\.example\.org: would run: systemctl restart atom-worker@1\.service atom-worker@2\.service$/m,
    )
    assert.match(
      text,
      /^deploy@worker-1\.archives\.example\.org: atom-worker@1\.service was at the start limit: reset-failed first$/m,
    )
    assertTablesFit(text, 80)
    assert.match(text, /atom-worker@1\.service +failed\/failed START-LIMIT-HIT/)
    assert.match(
      text,
      /^deploy@worker-2: UNREACHABLE\/ERROR: ssh: connect to host worker-2 port 22: Connection refused\n {2}hint: Check the host name and that sshd runs there\.$/m,
    )
    assert.match(text, /\nDry run: nothing was changed\.$/)
  })

  test('done: each step, the units after, and the check through Gearman (verified, or what is still missing)', () => {
    const after = {
      ...control,
      steps: [
        {unit: 'atom-worker@1.service', action: 'restart', ok: true, message: 'done'},
        {unit: 'atom-worker@2.service', action: 'restart', ok: false, message: 'Job for atom-worker@2.service failed'},
      ],
      after: [unit(1), unit(2, {condition: 'failed', rawState: 'failed/failed'})],
    }
    const base: WorkerControlReport = {
      ...dryRun,
      dryRun: false,
      hosts: [{host: HOST, ok: true, manager: 'systemd', value: after}],
      durationMs: 4200,
      outcome: 'partial',
    }
    const verified = renderWorkerControl(
      {
        ...base,
        verification: {
          verified: true,
          elapsedMs: 1500,
          missing: [],
          waitedForMs: 60_000,
          checked: '10.20.30.40:4730',
          expectedClasses: 18,
        },
      },
      PLAIN_VIEW,
    )
    assert.match(
      verified,
      /^deploy@worker-1\.archives\.example\.org: restart atom-worker@2\.service: FAILED \(Job for atom-worker@2\.service failed\)$/m,
    )
    assert.match(
      verified,
      /│ deploy@worker-1\.archives\.example\.org \(systemd\) │ atom-worker@2\.service │ failed\/failed/,
    )
    assert.match(
      verified,
      /^restart verified on 10\.20\.30\.40:4730 in 1\.5s after the service manager returned \(4\.2s in all\): all 18 job classes the worker registers have an available worker$/m,
    )

    const missing = Array.from({length: 25}, (_, i) => `10.20.30.40:4730 arJob${i}: no worker`)
    const notVerified = renderWorkerControl(
      {
        ...base,
        verification: {
          verified: false,
          elapsedMs: 60_000,
          missing,
          waitedForMs: 60_000,
          checked: '10.20.30.40:4730',
          expectedClasses: 18,
        },
      },
      AT_80,
    )
    assert.match(
      notVerified,
      /^restart NOT verified on 10\.20\.30\.40:4730 after 60\.0s; still missing:\n {2}- 10\.20\.30\.40:4730 arJob0: no worker$/m,
    )
    assert.match(notVerified, /arJob19: no worker\n {2}\.\.\. 5 more \(--verbose lists them\)$/)
    assert.doesNotMatch(notVerified, /arJob20/)
    assert.match(
      renderWorkerControl(
        {...base, verification: {verified: false, elapsedMs: 0, missing, waitedForMs: 0, checked: 's'}},
        {...AT_80, verbose: true},
      ),
      /arJob24: no worker$/,
    )
    assert.match(
      renderWorkerControl(
        {
          ...base,
          action: 'stop',
          verification: {verified: true, elapsedMs: 100, missing: [], waitedForMs: 1000, checked: 's'},
        },
        AT_80,
      ),
      /no worker is left for this install's functions$/,
    )
    assert.match(
      renderWorkerControl(
        {
          ...base,
          verification: {verified: false, elapsedMs: 0, missing: [], waitedForMs: 0, skipped: 'not checked (--wait 0)'},
        },
        AT_80,
      ),
      /\nrestart: not checked \(--wait 0\)$/,
    )
  })
})

describe('worker reset', () => {
  test('what was reset or explained per host, and the hosts that failed', () => {
    const reset: HostReset = {
      units: ['atom-worker.service'],
      before: [],
      argv: ['systemctl', 'reset-failed', 'atom-worker.service'],
      steps: [{unit: 'atom-worker.service', action: 'reset-failed', ok: true, message: 'done'}],
    }
    const report: WorkerResetReport = {
      dryRun: false,
      unitPattern: 'atom-worker',
      hosts: [
        {host: HOST, ok: true, manager: 'systemd', value: reset},
        {
          host: 'local',
          ok: true,
          manager: 'supervisor',
          value: {
            units: ['atom-worker'],
            before: [],
            argv: [],
            steps: [],
            explanation: 'supervisord keeps no start limit: start a FATAL program with atom-ops worker start',
          },
        },
        DOWN_HOST,
      ],
      outcome: 'partial',
    }
    assert.deepEqual(renderWorkerReset(report).split('\n'), [
      `${HOST}: reset-failed atom-worker.service: ok (done)`,
      'local: supervisord keeps no start limit: start a FATAL program with atom-ops worker start',
      'deploy@worker-2: UNREACHABLE/ERROR: ssh: connect to host worker-2 port 22: Connection refused',
      '  hint: Check the host name and that sshd runs there.',
    ])
    const dry = renderWorkerReset({
      ...report,
      dryRun: true,
      hosts: [{host: HOST, ok: true, manager: 'systemd', value: {...reset, steps: []}}],
    })
    assert.equal(dry, `${HOST}: would run: systemctl reset-failed atom-worker.service\nDry run: nothing was changed.`)
  })
})

describe('worker logs', () => {
  const logs = (hosts: WorkerLogsReport['hosts'], over: Partial<WorkerLogsReport> = {}): WorkerLogsReport => ({
    unitPattern: 'atom-worker',
    followed: false,
    hosts,
    ...over,
  })

  test('one host: its lines as they are, made inert; several hosts: each line says its host', () => {
    const one = renderWorkerLogs(
      logs([
        {
          host: 'local',
          ok: true,
          manager: 'systemd',
          value: {
            units: ['atom-worker.service'],
            lines: ['Dec 01 09:15:35 atom php[20431]: New ability: arFindingAidJob', 'job failed: \u001B[31mred'],
          },
        },
      ]),
    )
    assert.equal(one, 'Dec 01 09:15:35 atom php[20431]: New ability: arFindingAidJob\njob failed: \\u001b[31mred')
    const two = renderWorkerLogs(
      logs([
        {host: 'w1', ok: true, manager: 'systemd', value: {units: ['a'], lines: ['x']}},
        {host: 'w2', ok: true, manager: 'systemd', value: {units: ['a'], lines: ['y']}},
        DOWN_HOST,
      ]),
    )
    assert.match(two, /^w1: x\nw2: y\ndeploy@worker-2: UNREACHABLE\/ERROR: /)
  })

  test('an empty log is said, never shown as nothing', () => {
    const empty = [
      {
        host: 'local',
        ok: true as const,
        manager: 'systemd' as const,
        value: {units: ['atom-worker.service'], lines: []},
      },
    ]
    assert.equal(renderWorkerLogs(logs(empty)), 'local: no log lines for atom-worker.service: the log is empty.')
    assert.equal(
      renderWorkerLogs(logs(empty, {since: '1 hour ago'})),
      'local: no log lines for atom-worker.service since 1 hour ago.',
    )
    assert.equal(renderWorkerLogs(logs(empty, {followed: true})), '')
  })
})

describe('cache clear', () => {
  const tally = (files: number) => ({files, directories: 3, symlinks: 1, bytes: files * 2048})
  const report: CacheClearReport = {
    dryRun: false,
    root: '/usr/share/nginx/atom',
    symfony: {
      result: {
        cacheDir: '/usr/share/nginx/atom/cache',
        method: 'files',
        why: 'php is not installed',
        dryRun: false,
        before: tally(120),
        removed: tally(119),
        after: tally(1),
        errors: ['EACCES: /usr/share/nginx/atom/cache/qubit/prod/locked.php'],
      },
    },
    phpFpm: {
      manager: 'systemd',
      units: ['php8.2-fpm.service'],
      steps: [{unit: 'php8.2-fpm.service', action: 'restart', ok: true, message: 'done'}],
    },
    memcached: [
      {server: '127.0.0.1:11211', answer: 'OK'},
      {server: '10.0.0.9:11211', error: {kind: 'unreachable', message: 'connect ETIMEDOUT', exitCode: 4}},
    ],
    outcome: 'partial',
  }

  test('each cache: what was removed and how, what is left, APCu through php-fpm, memcached per server', () => {
    assert.deepEqual(renderCacheClear(report).split('\n'), [
      'Symfony cache: removed 119 files, 3 directories, 1 symlink (238.0 KiB) files under /usr/share/nginx/atom/cache (symlinks removed, never followed); not php symfony cc: php is not installed',
      '  left behind: 1 file, 3 directories, 1 symlink (2.0 KiB)',
      '  error: EACCES: /usr/share/nginx/atom/cache/qubit/prod/locked.php',
      'APCu (php-fpm): restart php8.2-fpm.service: ok',
      'memcached 127.0.0.1:11211: flush_all answered OK',
      'memcached 10.0.0.9:11211: FAILED: connect ETIMEDOUT',
    ])
  })

  test('a dry run says what would be done and changes nothing', () => {
    const dry = renderCacheClear({
      ...report,
      dryRun: true,
      symfony: {
        result: {
          cacheDir: '/c',
          method: 'php symfony cc',
          argv: ['php', 'symfony', 'cc'],
          dryRun: true,
          before: tally(120),
          errors: [],
        },
      },
      phpFpm: {units: ['php8.2-fpm.service'], argv: ['systemctl', 'restart', 'php8.2-fpm.service']},
      memcached: [{server: '127.0.0.1:11211'}],
    })
    assert.deepEqual(dry.split('\n'), [
      'Symfony cache: would remove 120 files, 3 directories, 1 symlink (240.0 KiB) via php symfony cc in /usr/share/nginx/atom',
      'APCu (php-fpm): would run: systemctl restart php8.2-fpm.service',
      'memcached 127.0.0.1:11211: would send flush_all',
      'Dry run: nothing was changed.',
    ])
  })

  test('what was skipped or failed is said, with why', () => {
    const text = renderCacheClear({
      ...report,
      symfony: {error: {kind: 'failed', message: 'cache is a symlink', exitCode: 6}},
      phpFpm: {units: [], skipped: 'cache engine is memcached'},
      memcached: {skipped: 'cache engine is sfAPCCache'},
    })
    assert.deepEqual(text.split('\n'), [
      'Symfony cache: FAILED: cache is a symlink',
      'APCu (php-fpm): skipped: cache engine is memcached',
      'memcached: skipped: cache engine is sfAPCCache',
    ])
  })
})
