import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {SENDMAIL_PATHS} from '../../../src/lib/guard/notify.js'
import {runCli} from '../../helpers/cli.js'
import {startSmtpReceiver} from '../../helpers/smtp-receiver.js'
import {freePort, waitFor} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES, TERM} from '../../support/testbed/schema.js'
import {insertJob} from '../../support/testbed/seed.js'
import {
  gatedCommand,
  gearmanWorkerCommand,
  type RunningSupervisord,
  startSupervisord,
} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'
import {auditRecords, startWebhook, type Webhook, writeReceivers} from './helpers.js'

/**
 * guard run against real services: MariaDB, gearmand, the worker under a real supervisord (gated so
 * that it can be made to fail its starts until supervisord gives up: FATAL, its start limit), a real
 * HTTP receiver, and real programs for notify_exec and sendmail.
 */
let bed: TestBed
let sup: RunningSupervisord
let hook: Webhook
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>
let receivers: Awaited<ReturnType<typeof writeReceivers>>
let gate: string
let stateDir: string

before(async () => {
  bed = await TestBed.start()
  gate = join(bed.dir, 'worker-gate-closed')
  stateDir = bed.env().ATOM_OPS_STATE_DIR!
  try {
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gatedCommand(
            gearmanWorkerCommand(
              bed.servers[0],
              STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)),
            ),
            gate,
          ),
          startretries: 1,
        },
      ],
    })
    hook = await startWebhook()
    smtp = await startSmtpReceiver()
    receivers = await writeReceivers(bed.dir, smtp.port)
  } catch (error) {
    await sup?.stop()
    await bed.stop()
    throw error
  }
})
after(async () => {
  await hook?.close()
  await smtp?.close()
  await sup?.stop()
  await bed?.stop()
})

/** atom-ops' config file: one profile for the bed with this guard policy (YAML; JSON is YAML too). */
async function policy(guard: unknown, extra: Record<string, string> = {}): Promise<void> {
  const lines = [
    'default: main',
    'profiles:',
    '  main:',
    `    atom_root: ${bed.root}`,
    '    manager: supervisor',
    `    supervisor_config: ${sup.configFile}`,
    '    unit: atom-worker',
  ]
  for (const [k, v] of Object.entries(extra)) lines.push(`    ${k}: ${v}`)
  if (guard !== undefined) lines.push(`    guard: ${typeof guard === 'string' ? guard : JSON.stringify(guard)}`)
  await writeFile(bed.env().ATOM_OPS_CONFIG!, lines.join('\n') + '\n')
}

const guard = (args: string[] = []) => runCli(['guard', 'run', ...args], {env: bed.env(), timeoutMs: 240_000})
const auditLog = () => bed.env().ATOM_OPS_AUDIT_LOG!

async function programState(): Promise<string> {
  return (await sup.ctl('status', 'atom-worker')).stdout.split(/\s+/)[1] ?? ''
}

/** The worker fails its starts until supervisord gives up (FATAL); then the cause goes away, the worker stays down. */
async function knockOutWorker(): Promise<void> {
  await writeFile(gate, '')
  await sup.ctl('restart', 'atom-worker')
  await waitFor('atom-worker FATAL', async () => ((await programState()) === 'FATAL' ? true : undefined), 30_000, 100)
  await rm(gate)
}

async function ensureRunning(): Promise<void> {
  if ((await programState()) !== 'RUNNING') await sup.ctl('start', 'atom-worker')
  await waitFor(
    'atom-worker RUNNING',
    async () => ((await programState()) === 'RUNNING' ? true : undefined),
    30_000,
    100,
  )
}

/** Forgets earlier runs: the next run is the first (its verdict is a change when it is not OK). */
async function freshState(): Promise<void> {
  await rm(join(stateDir, 'guard'), {recursive: true, force: true})
}

const everyChannel = () => ({
  notify_exec: receivers.exec,
  notify_url: hook.url,
  notify_mail: ['ops@example.org', 'oncall@example.org'],
  notify_sendmail: receivers.sendmail,
})

describe('guard run (real supervisord, gearmand, MariaDB, HTTP receiver, sendmail stand-in handing mail to the real msmtp and an SMTP receiver on loopback)', () => {
  beforeEach(async () => {
    hook.mode = 'ok'
  })

  test('an invalid policy is refused with the file, the profile and the key, by guard run and by every other command (exit 3)', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        {fix: ['restart-worker', 'reboot-server']},
        /profile "main" guard fix: "reboot-server" is not a fix the guard knows/,
      ],
      [{max_restarts: 3}, /profile "main" guard has an unknown setting "max_restarts"/],
      [{zombie_grace: 'six hours'}, /profile "main" guard zombie_grace "six hours" is not a duration/],
      [{notify_exec: 'page-me'}, /notify_exec: "page-me" is not an absolute path/],
      [{notify_url: 'ftp://example.org/x'}, /only http and https URLs can be POSTed to/],
      [{notify_mail: 'ops@example.org\nBcc: all@example.org'}, /notify_mail: .* is not a mail address/],
      [{retention: {keep_backups: 3}}, /retention needs older_than/],
      [{max_restarts_per_hour: -1}, /max_restarts_per_hour must be a whole number from 0/],
      ['[restart-worker]', /profile "main" guard must be a map of settings/],
    ]
    for (const [bad, message] of cases) {
      await policy(bad)
      const r = await guard()
      assert.equal(r.code, 3, `${JSON.stringify(bad)}: ${r.stderr}`)
      assert.match(r.stderr, message)
      assert.match(
        r.stderr,
        new RegExp(`^atom-ops: ${bed.env().ATOM_OPS_CONFIG!.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)}: `),
      )
      assert.match(r.stderr, /\n {2}hint: /)
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
    }

    const list = await runCli(['jobs', 'list'], {env: bed.env()})
    assert.equal(list.code, 3, 'a broken policy is refused by every command, not found at 3 a.m.')
  })

  test('first run on a healthy install: exit 0, nothing notified, the run recorded in the state and the audit log', async () => {
    await freshState()
    await ensureRunning()
    await policy({fix: ['restart-worker'], ...everyChannel()})
    const before = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.equal(r.json.verdict, 'ok', JSON.stringify(r.json.before.checks.filter((c: any) => c.status !== 'ok')))
    assert.equal(r.json.previous, null)
    assert.deepEqual(r.json.changes, [])
    assert.deepEqual(r.json.notifications, [])
    assert.equal(hook.requests.length, before)
    const state = JSON.parse(await readFile(join(stateDir, 'guard', 'main.json'), 'utf8'))
    assert.equal(state.verdict, 'ok')
    assert.equal(state.runs.length, 1)
    const summary = (await auditRecords(auditLog(), 'guard:run')).filter((a) => a.run === 'summary').pop()
    assert.equal(summary?.outcome, 'done')
    assert.equal(summary?.verdict, 'ok')
  })

  test('the worker at its start limit (FATAL): --dry-run shows the restart and changes, sends and saves nothing', async () => {
    await knockOutWorker()
    const requests = hook.requests.length
    const stateBefore = await readFile(join(stateDir, 'guard', 'main.json'), 'utf8')
    const r = await guard(['--dry-run'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    assert.match(r.stdout, /would\s+restart-worker: would be applied/)
    assert.match(r.stdout, /Would notify:\n {2}- CRITICAL: /)
    assert.match(
      r.stdout,
      /via exec .*page-me; POST http:\/\/127\.0\.0\.1:\d+\/…; mail ops@example\.org, oncall@example\.org/,
    )
    assert.doesNotMatch(r.stdout, /s3cr3t-token/, "a webhook's path is its secret: never shown")
    assert.match(r.stdout, /Dry run: nothing was changed, nothing was sent, the state was not saved\./)
    assert.equal(await programState(), 'FATAL')
    assert.equal(hook.requests.length, requests)
    assert.equal(await readFile(join(stateDir, 'guard', 'main.json'), 'utf8'), stateBefore)
    const dry = (await auditRecords(auditLog(), 'guard:run')).filter(
      (a) => a.outcome === 'dry-run' && a.action === 'restart-worker',
    )
    assert.equal(dry.length, 1)
  })

  test('guard run brings it back (verified through Gearman) and notifies once on every channel: exec, webhook, mail', async () => {
    const mailsBefore = (await receivers.received('mail')).length
    const execBefore = (await receivers.received('exec')).length
    const requests = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const restart = r.json.actions.find((a: any) => a.action === 'restart-worker')
    assert.equal(restart.outcome, 'done')
    assert.match(restart.message, /restart verified through Gearman/)
    assert.equal(r.json.before.status, 'critical')
    assert.equal(r.json.after.status, 'ok')
    assert.equal(r.json.verdict, 'ok')
    assert.equal(await programState(), 'RUNNING')
    assert.deepEqual(
      r.json.changes.map((c: any) => c.kind),
      ['fix-applied'],
    )
    assert.deepEqual(
      r.json.notifications.map((n: any) => [n.channel, n.ok]),
      [
        ['exec', true],
        ['url', true],
        ['mail', true],
      ],
    )
    // The webhook got the event as JSON.
    assert.equal(hook.requests.length, requests + 1)
    const post = hook.requests[hook.requests.length - 1]
    assert.equal(post.method, 'POST')
    assert.equal(post.path, '/hooks/s3cr3t-token')
    assert.equal(post.contentType, 'application/json')
    const event = JSON.parse(post.body)
    assert.equal(event.type, 'atom-ops.guard')
    assert.equal(event.verdict, 'ok')
    assert.equal(event.install.profile, 'main')
    assert.equal(event.install.prefix, bed.prefix)
    assert.match(event.changes[0].summary, /^restart-worker: /)
    // notify_exec got the same event on stdin.
    const execs = await receivers.received('exec')
    assert.equal(execs.length, execBefore + 1)
    assert.deepEqual(JSON.parse(execs[execs.length - 1]), event)
    // sendmail -t -oi got a mail with both addresses, a one-line subject and the event.
    const mails = await receivers.received('mail')
    assert.equal(mails.length, mailsBefore + 1)
    const mail = mails[mails.length - 1]
    assert.match(
      mail,
      /^To: ops@example\.org, oncall@example\.org\nSubject: \[atom-ops guard\] [^\n]+ \(main\): OK - restart-worker: [^\n]+\n/,
    )
    assert.match(mail, /Auto-Submitted: auto-generated/)
    assert.deepEqual(JSON.parse(mail.slice(mail.indexOf('The event as JSON:\n') + 19)), event)
    const args = (await readdir(join(bed.dir, 'received')))
      .filter((n) => n.endsWith('.args'))
      .sort()
      .pop()!
    assert.equal((await readFile(join(bed.dir, 'received', args), 'utf8')).trim(), '-t -oi')
    // A real sendmail-compatible client (msmtp) took the same mail and delivered it over SMTP on loopback:
    // the envelope's recipients are read from the To: line, the message arrives whole.
    assert.equal(smtp.mails.length, mailsBefore + 1)
    const delivered = smtp.mails[smtp.mails.length - 1]
    assert.deepEqual(delivered.to, ['ops@example.org', 'oncall@example.org'])
    assert.match(delivered.data, /^Subject: \[atom-ops guard\] [^\n]+ \(main\): OK - restart-worker: /m)
    assert.deepEqual(JSON.parse(delivered.data.slice(delivered.data.indexOf('The event as JSON:\n') + 19)), event)
    // Every action is on record.
    const done = (await auditRecords(auditLog(), 'guard:run')).filter(
      (a) => a.action === 'restart-worker' && a.outcome === 'done',
    )
    assert.equal(done.length, 1)
  })

  test('the next run with nothing changed notifies nobody', async () => {
    const requests = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.json.changes, [])
    assert.equal(hook.requests.length, requests)
    const human = await guard()
    assert.match(human.stdout, /No change since the last run: nothing notified\./)
  })

  test('rate limit: past max_restarts_per_hour it stops restarting, alerts once, and keeps quiet after', async () => {
    // One restart was made in the test before, within the hour.
    await policy({fix: ['restart-worker'], max_restarts_per_hour: 1, notify_url: hook.url})
    await knockOutWorker()
    const requests = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 1, r.stderr)
    const skipped = r.json.actions.find((a: any) => a.action === 'restart-worker')
    assert.equal(skipped.outcome, 'skipped')
    assert.match(
      skipped.message,
      /^rate limit: 1 restart\(s\) by the guard in the last hour, max_restarts_per_hour is 1/,
    )
    assert.equal(await programState(), 'FATAL', 'not restarted')
    assert.deepEqual(
      r.json.changes.map((c: any) => c.kind),
      ['problem', 'rate-limited'],
    )
    assert.equal(hook.requests.length, requests + 1)
    const refused = (await auditRecords(auditLog(), 'guard:run')).filter(
      (a) => a.action === 'restart-worker' && a.outcome === 'refused',
    )
    assert.match(refused[refused.length - 1].message, /^rate limit/)
    const again = await guard(['--json'])
    assert.equal(again.code, 1)
    assert.deepEqual(again.json.changes, [], 'still at the limit, still critical: nothing new to say')
    assert.equal(hook.requests.length, requests + 1)
    const status = await runCli(['guard', 'status', '--json'], {env: bed.env()})
    assert.equal(status.json.restartsInLastHour, 1)
    assert.equal(status.json.rateLimited, true)
  })

  test('a fix the policy does not list is only reported (and audited as refused)', async () => {
    await policy({fix: [], notify_url: hook.url})
    const r = await guard(['--json'])
    assert.equal(r.code, 1)
    const skipped = r.json.actions.find((a: any) => a.action === 'restart-worker')
    assert.equal(skipped.outcome, 'skipped')
    assert.equal(skipped.message, 'not allowed by the policy (fix: none)')
    assert.equal(await programState(), 'FATAL')
  })

  test('back to OK without the guard (a person started the worker): the recovery is notified', async () => {
    await ensureRunning()
    const requests = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.previous, 'critical')
    assert.deepEqual(r.json.changes, [{kind: 'recovered', summary: 'back to OK (was CRITICAL)'}])
    assert.equal(hook.requests.length, requests + 1)
    assert.equal(JSON.parse(hook.requests[hook.requests.length - 1].body).verdict, 'ok')
  })

  test('fail-zombies: rows in progress past zombie_grace with nothing in Gearman are marked failed as jobs kill does; younger ones stay', async () => {
    await freshState()
    await ensureRunning()
    const old = await insertJob(bed.database, {
      name: 'arObjectMoveJob',
      status: 'running',
      createdAt: new Date(Date.now() - 3 * 3_600_000),
    })
    const young = await insertJob(bed.database, {
      name: 'arFindingAidJob',
      status: 'running',
      createdAt: new Date(Date.now() - 40 * 60_000),
    })
    await policy({fix: ['fail-zombies'], zombie_grace: '2h'})
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.actions))
    const action = r.json.actions.find((a: any) => a.action === 'fail-zombies')
    assert.equal(action.outcome, 'done')
    assert.deepEqual(action.details, {jobs: [old]})
    const [row] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [old])
    assert.equal(Number(row.status_id), TERM.jobError)
    const [note] = await bed.database.rows<{content: string}>(
      'SELECT i.content FROM note n JOIN note_i18n i ON i.id = n.id WHERE n.object_id = ? AND n.type_id = ?',
      [old, TERM.jobErrorNote],
    )
    assert.match(
      note.content,
      /^Killed by atom-ops \(.+\) at .+: guard: zombie for over 2h with nothing in Gearman behind it \(policy fail-zombies\)$/,
    )
    const [kept] = await bed.database.rows<{status_id: number}>('SELECT status_id FROM job WHERE id = ?', [young])
    assert.equal(Number(kept.status_id), TERM.jobInProgress)
    const audit = (await auditRecords(auditLog(), 'guard:run')).filter(
      (a) => a.action === 'fail-zombies' && a.outcome === 'done',
    )
    assert.deepEqual(audit[audit.length - 1].jobs, [old])
    await bed.database.execute('UPDATE job SET status_id = ? WHERE id = ?', [TERM.jobCompleted, young])
  })

  test('retention: inactive jobs past older_than deleted with a backup, backups pruned to keep_backups; once a day', async () => {
    await freshState()
    const oldDone = await insertJob(bed.database, {
      name: 'arUpdateEsIoDocumentsJob',
      status: 'completed',
      createdAt: new Date(Date.now() - 100 * 86_400_000),
    })
    const oldRunning = await insertJob(bed.database, {
      name: 'arUpdateEsIoDocumentsJob',
      status: 'running',
      createdAt: new Date(Date.now() - 100 * 86_400_000),
    })
    const recent = await insertJob(bed.database, {
      name: 'arUpdateEsIoDocumentsJob',
      status: 'completed',
      createdAt: new Date(Date.now() - 86_400_000),
    })
    await policy({fix: [], retention: {older_than: '90d', keep_backups: 1}})
    const dry = await guard(['--dry-run', '--json'])
    assert.match(dry.json.actions.find((a: any) => a.action === 'retention').message, /^would delete 1 job\(s\)/)
    assert.equal((await bed.database.rows('SELECT id FROM job WHERE id = ?', [oldDone])).length, 1)
    const r = await guard(['--json'])
    const clear = r.json.actions.find((a: any) => a.action === 'retention')
    assert.equal(clear.outcome, 'done', clear.message)
    assert.equal(clear.details.deleted, 1)
    assert.ok(existsSync(clear.details.backup), 'the backup is written')
    assert.deepEqual(
      (
        await bed.database.rows<{id: number}>('SELECT id FROM job WHERE id IN (?, ?, ?) ORDER BY id', [
          oldDone,
          oldRunning,
          recent,
        ])
      ).map((x) => Number(x.id)),
      [oldRunning, recent],
    )
    const prune = r.json.actions.find((a: any) => a.action === 'prune-backups')
    assert.equal(prune.outcome, 'done')
    const backups = (await readdir(join(stateDir, 'backups'))).filter((n) => n.startsWith('jobs-'))
    assert.equal(backups.length, 1)
    const again = await guard(['--json'])
    const skipped = again.json.actions.find((a: any) => a.action === 'retention')
    assert.equal(skipped.outcome, 'skipped')
    assert.match(skipped.message, /runs once every 1d$/)
    await bed.database.execute('UPDATE job SET status_id = ? WHERE id = ?', [TERM.jobCompleted, oldRunning])
  })

  test('delivery failures: webhook 500, webhook down, webhook silent past notify_timeout, exec failing, exec missing, sendmail missing, the mail server refusing msmtp: exit 6, each said', async () => {
    await ensureRunning()
    const refusedMail = await writeReceivers(join(bed.dir, 'mail-refused'), await freePort())
    await sup.ctl('stop', 'atom-worker')
    try {
      const cases: Array<[Record<string, unknown>, Webhook['mode'], RegExp]> = [
        [{notify_url: hook.url}, 'error', /^the webhook answered HTTP 500$/],
        [{notify_url: `http://127.0.0.1:${await freePort()}/hook`}, 'ok', /^POST failed: ECONNREFUSED$/],
        [{notify_url: hook.url, notify_timeout: '1s'}, 'hang', /^POST failed: no answer within 1s$/],
        [{notify_exec: receivers.failing}, 'ok', /page-me-broken exited 3: pager service refused the page$/],
        [{notify_exec: [join(bed.dir, 'no-such-pager'), '--urgent']}, 'ok', /no-such-pager could not be run: ENOENT$/],
        [
          {notify_mail: 'ops@example.org', notify_sendmail: join(bed.dir, 'no-sendmail')},
          'ok',
          /no-sendmail could not be run: ENOENT$/,
        ],
        [
          {notify_mail: 'ops@example.org', notify_sendmail: refusedMail.sendmail},
          'ok',
          /sendmail exited \d+: msmtp: cannot connect to 127\.0\.0\.1, port \d+: Connection refused/,
        ],
      ]
      if (!SENDMAIL_PATHS.some((p) => existsSync(p)))
        cases.push([
          {notify_mail: 'ops@example.org'},
          'ok',
          /^no sendmail program: none of \/usr\/sbin\/sendmail, \/usr\/lib\/sendmail exists/,
        ])
      for (const [channels, mode, message] of cases) {
        await freshState()
        hook.mode = mode
        await policy({fix: [], ...channels})
        const r = await guard(['--json'])
        assert.equal(r.code, 6, `${JSON.stringify(channels)}: ${r.stderr}`)
        assert.equal(r.json.verdict, 'critical')
        assert.equal(r.json.notifications.length, 1)
        assert.equal(r.json.notifications[0].ok, false)
        assert.match(r.json.notifications[0].message, message)
        const summary = (await auditRecords(auditLog(), 'guard:run')).filter((a) => a.run === 'summary').pop()
        assert.equal(summary?.outcome, 'partial')
        const status = await runCli(['guard', 'status', '--json'], {env: bed.env()})
        assert.match(status.json.runs[0].notified[0], /FAILED/)
      }
    } finally {
      hook.mode = 'ok'
      await ensureRunning()
    }
  })

  test('the database down: the checks say so, the notification says CRITICAL, retention and zombies report why they could not run (exit 1)', async () => {
    await freshState()
    const dead = await freePort()
    await policy(
      {fix: ['fail-zombies'], retention: {older_than: '90d'}, notify_url: hook.url},
      {db: `mysql://atom@127.0.0.1:${dead}/atom`, timeout: '2'},
    )
    const requests = hook.requests.length
    const r = await guard(['--json'])
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.json.verdict, 'critical')
    assert.ok(r.json.before.checks.some((c: any) => c.id === 'database' && c.status === 'critical'))
    assert.match(r.json.actions.find((a: any) => a.action === 'fail-zombies').message, /^cannot look for zombies: /)
    assert.equal(r.json.actions.find((a: any) => a.action === 'retention').outcome, 'failed')
    assert.equal(hook.requests.length, requests + 1)
    assert.equal(JSON.parse(hook.requests[hook.requests.length - 1].body).changes[0].kind, 'problem')
  })

  test("one run at a time: a live lock holder makes the run give way (exit 1, audited); a dead one's lock is taken over", async () => {
    await policy({fix: []})
    const lock = join(stateDir, 'guard', 'main.lock')
    await writeFile(lock, JSON.stringify({pid: process.pid, since: '2026-01-01T00:00:00.000Z'}))
    const busy = await guard()
    assert.equal(busy.code, 1)
    assert.match(
      busy.stderr,
      new RegExp(
        `^atom-ops: another guard run \\(pid ${process.pid}, since 2026-01-01T00:00:00\\.000Z\\) is in progress: this run did nothing\\n`,
      ),
    )
    const refused = (await auditRecords(auditLog(), 'guard:run')).pop()
    assert.equal(refused?.outcome, 'refused')
    const status = await runCli(['guard', 'status', '--json'], {env: bed.env()})
    assert.equal(status.json.running.pid, process.pid)
    // A pid that is no more: the lock is stale.
    await writeFile(lock, JSON.stringify({pid: 2 ** 22 + 12_345, since: '2026-01-01T00:00:00.000Z'}))
    const r = await guard(['--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(existsSync(lock), false, 'released after the run')
  })
})
