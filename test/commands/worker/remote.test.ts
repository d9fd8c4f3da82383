import assert from 'node:assert/strict'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../../helpers/cli.js'
import {freePort, startBlackhole} from '../../support/testbed/processes.js'
import {STOCK_REGISTERED_CLASSES} from '../../support/testbed/schema.js'
import {type RunningSshd, startSshd} from '../../support/testbed/sshd.js'
import {gearmanWorkerCommand, type RunningSupervisord, startSupervisord} from '../../support/testbed/supervisord.js'
import {TestBed} from '../../support/testbed/testbed.js'

let bed: TestBed
let sshd: RunningSshd
let sup: RunningSupervisord

before(async () => {
  bed = await TestBed.start()
  try {
    sup = await startSupervisord(join(bed.dir, 'supervisor'), {
      programs: [
        {
          name: 'atom-worker',
          command: gearmanWorkerCommand(
            bed.servers[0],
            STOCK_REGISTERED_CLASSES.map((c) => bed.fn(c)),
          ),
        },
      ],
    })
    sshd = await startSshd(join(bed.dir, 'sshd'))
  } catch (error) {
    await sup?.stop()
    await bed.stop()
    throw error
  }
})
after(async () => {
  await sshd?.stop()
  await sup?.stop()
  await bed?.stop()
})

const env = () => bed.env({ATOM_OPS_SSH_OPTIONS: sshd.sshOptions.join(' ')})
const sv = () => ['--manager', 'supervisor', '--supervisor-config', sup.configFile]

describe('worker commands on remote hosts over ssh (real sshd on loopback)', () => {
  test('status through ssh, and a closed port in the same run: that host is reported, the other still handled, exit 4', async () => {
    const closed = await freePort()
    const started = Date.now()
    const r = await runCli(
      [
        'worker',
        'status',
        ...sv(),
        '--host',
        sshd.destination,
        '--host',
        `ssh://${sshd.user}@127.0.0.1:${closed}`,
        '--json',
      ],
      {env: env(), timeoutMs: 60_000},
    )
    const took = Date.now() - started
    assert.equal(r.code, 4, r.stderr + r.stdout)
    const [good, bad] = r.json.hosts
    assert.equal(good.host, sshd.destination)
    assert.equal(good.ok, true, JSON.stringify(good))
    assert.equal(good.manager, 'supervisor')
    assert.equal(good.value.status[0].rawState, 'RUNNING')
    assert.ok(good.value.status[0].mainPid > 0)
    assert.equal(bad.ok, false)
    assert.equal(bad.error.kind, 'unreachable')
    assert.match(
      bad.error.message,
      new RegExp(
        `^ssh://${sshd.user}@127\\.0\\.0\\.1:${closed}: ssh failed: ssh: connect to host 127\\.0\\.0\\.1 port ${closed}: Connection refused$`,
      ),
    )
    // the install's workers come from Gearman all the same
    assert.equal(
      r.json.gearman.servers[0].classes.find((c: any) => c.jobClass === 'arFindingAidJob').availableWorkers,
      1,
    )
    process.stderr.write(`# worker status over ssh + a refused host: ${took} ms\n`)

    const human = await runCli(
      ['worker', 'status', ...sv(), '--host', sshd.destination, '--host', `ssh://${sshd.user}@127.0.0.1:${closed}`],
      {env: env(), timeoutMs: 60_000},
    )
    assert.equal(human.code, 4)
    assert.match(human.stdout, /RUNNING/)
    assert.match(human.stdout, new RegExp(`127\\.0\\.0\\.1:${closed}: UNREACHABLE/ERROR: .*Connection refused`))
    assert.doesNotMatch(human.stdout + human.stderr, /\n\s+at /)
  })

  test('a host that accepts TCP but never speaks ssh is given up after --timeout (ConnectTimeout), the other host still answers', async () => {
    const hole = await startBlackhole()
    try {
      const started = Date.now()
      const r = await runCli(
        [
          'worker',
          'status',
          ...sv(),
          '--timeout',
          '2',
          '--host',
          sshd.destination,
          '--host',
          `ssh://${sshd.user}@127.0.0.1:${hole.port}`,
          '--json',
        ],
        {env: env(), timeoutMs: 60_000},
      )
      const took = Date.now() - started
      assert.equal(r.code, 4, r.stderr + r.stdout)
      assert.equal(r.json.hosts[0].ok, true)
      assert.equal(r.json.hosts[1].ok, false)
      assert.equal(r.json.hosts[1].error.kind, 'unreachable')
      process.stderr.write(
        `# worker status with a silent ssh host, --timeout 2: ${took} ms (${r.json.hosts[1].error.message})\n`,
      )
    } finally {
      await hole.close()
    }
  })

  test('restart through ssh: arguments survive the remote shell, verified through Gearman', async () => {
    const before = (await sup.ctl('pid', 'atom-worker')).stdout.trim()
    const r = await runCli(['worker', 'restart', ...sv(), '--host', sshd.destination, '--force', '--json'], {
      env: env(),
      timeoutMs: 90_000,
    })
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.equal(r.json.verification.verified, true)
    const after = (await sup.ctl('pid', 'atom-worker')).stdout.trim()
    assert.notEqual(after, before)
  })

  test('a --unit with shell metacharacters reaches supervisorctl as one literal argument over ssh', async () => {
    const r = await runCli(
      [
        'worker',
        'status',
        ...sv(),
        '--host',
        sshd.destination,
        '--unit',
        "x';touch${IFS}/tmp/atom-ops-pwned;'",
        '--json',
      ],
      {env: env(), timeoutMs: 60_000},
    )
    // no program matches that literal name: reported for that host, nothing executed
    assert.equal(r.code, 2, r.stderr + r.stdout)
    assert.equal(r.json.hosts[0].ok, false)
    assert.match(
      r.json.hosts[0].error.message,
      /no supervisord program matches "x';touch\$\{IFS\}\/tmp\/atom-ops-pwned;'"/,
    )
    const {existsSync} = await import('node:fs')
    assert.equal(existsSync('/tmp/atom-ops-pwned'), false)
  })

  test(
    String.raw`restart on a host that does not resolve: the error and its hint on two real lines, no literal \n`,
    async () => {
      const r = await runCli(['worker', 'restart', ...sv(), '--host', 'nosuchhost.invalid', '--force'], {
        env: env(),
        timeoutMs: 60_000,
      })
      assert.equal(r.code, 4, r.stderr + r.stdout)
      assert.ok(!r.stdout.includes(String.raw`\n`), r.stdout)
      const lines = r.stdout.trimEnd().split('\n')
      const at = lines.findIndex((l) => l.startsWith('nosuchhost.invalid: UNREACHABLE/ERROR: '))
      assert.ok(at !== -1, r.stdout)
      assert.match(lines[at + 1], /^ {2}hint: Check that `ssh nosuchhost\.invalid true` works/)
    },
  )

  test('an invalid --host is a usage error before anything runs', async () => {
    const r = await runCli(['worker', 'status', '--host', '-oProxyCommand=touch /tmp/x'], {
      env: env(),
      timeoutMs: 30_000,
    })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^atom-ops: --host "-oProxyCommand=touch \/tmp\/x" is not a valid ssh destination/)
  })
})
