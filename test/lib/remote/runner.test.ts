import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {LocalRunner, shellQuote, splitWords, SshRunner, validateDestination} from '../../../src/lib/remote/runner.js'

describe('command runner', () => {
  test('shellQuote: whatever the argument, a real sh sees it back unchanged', async () => {
    const runner = new LocalRunner()
    const nasty = [
      "it's",
      'a b',
      '$(touch /tmp/atom-ops-q)',
      '`id`',
      'semi;colon',
      String.raw`back\slash`,
      '*',
      'new\nline',
      '',
      '-n',
      'ünïcode',
      '"dq"',
    ]
    for (const arg of nasty) {
      const r = await runner.run(['sh', '-c', `printf '%s' ${shellQuote(arg)}`], {timeoutMs: 5000})
      assert.equal(r.stdout, arg, JSON.stringify(arg))
    }
  })

  test('a program that overruns its timeout is killed and reported as timed out', async () => {
    const r = await new LocalRunner().run(['sleep', '3000'], {timeoutMs: 300})
    assert.equal(r.timedOut, true)
    assert.equal(r.signal, 'SIGTERM')
  })

  test('a missing program is exit 127, not an exception', async () => {
    const r = await new LocalRunner().run(['atom-ops-no-such-program'], {timeoutMs: 1000})
    assert.equal(r.code, 127)
    assert.match(r.stderr, /command not found/)
  })

  test('stream delivers lines and stops when aborted', async () => {
    const lines: string[] = []
    const abort = new AbortController()
    // The grandchild (sleep) holds the pipe for ever: the stream must not wait for it to return.
    const r = await new LocalRunner().stream(['sh', '-c', 'echo one; echo two; sleep 3000'], {
      signal: abort.signal,
      onLine(line) {
        lines.push(line)
        if (line === 'two') abort.abort()
      },
    })
    assert.deepEqual(lines, ['one', 'two'])
    assert.equal(r.signal, 'SIGTERM')
  })

  test('ssh argv: BatchMode, ConnectTimeout from the timeout, options, `--`, then one quoted remote command', () => {
    const ssh = new SshRunner('deploy@worker-1', ['-p', '2222'], 3500)
    assert.deepEqual(ssh.sshArgv(['supervisorctl', '-c', '/etc/sup ervisor.conf', 'status']), [
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=4',
      '-o',
      'ServerAliveInterval=15',
      '-T',
      '-p',
      '2222',
      '--',
      'deploy@worker-1',
      "env LC_ALL=C SYSTEMD_PAGER= SYSTEMD_COLORS=0 supervisorctl -c '/etc/sup ervisor.conf' status",
    ])
  })

  test('destinations that ssh could read as options, or with spaces, are refused', () => {
    for (const ok of ['host', 'user@host', 'ssh://user@host:2222', 'user@10.0.0.1', 'alias.example'])
      assert.equal(validateDestination(ok), ok)
    for (const bad of ['-oProxyCommand=x', 'user@host; rm', 'a b', ''])
      assert.throws(() => validateDestination(bad), /not a valid ssh destination/)
  })

  test('ATOM_OPS_SSH_OPTIONS words: quotes group, nothing else is interpreted', () => {
    assert.deepEqual(splitWords(`-p 2222 -i "/k/my key" -o 'UserKnownHostsFile=/a b' $HOME`), [
      '-p',
      '2222',
      '-i',
      '/k/my key',
      '-o',
      'UserKnownHostsFile=/a b',
      '$HOME',
    ])
    assert.throws(() => splitWords('-i "unclosed'), /unbalanced/)
  })

  test('a program run locally gets the allow-listed environment only: no ATOM_OPS_*, no MYSQL_PWD', async () => {
    const set = {
      ATOM_OPS_DB: 'mysql://u:s3cret@db/atom',
      ATOM_OPS_DB_PASSWORD: 's3cret',
      ATOM_OPS_DB_PASSWORD_FILE: '/x',
      MYSQL_PWD: 's3cret',
      UNRELATED_TOKEN: 't',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      TZ: 'Europe/Paris',
    }
    const saved = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]))
    Object.assign(process.env, set)
    try {
      for (const r of [
        await new LocalRunner().run(['sh', '-c', 'env'], {timeoutMs: 5000}),
        await collect(['sh', '-c', 'env']),
      ]) {
        const env = Object.fromEntries(
          r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        )
        const names = Object.keys(env)
        assert.deepEqual(
          names.filter((n) => n.startsWith('ATOM_OPS_') || n === 'MYSQL_PWD' || n === 'UNRELATED_TOKEN'),
          [],
        )
        assert.ok(!r.stdout.includes('s3cret'))
        assert.equal(env.SSH_AUTH_SOCK, '/tmp/agent.sock', "ssh's agent still reaches ssh")
        assert.equal(env.TZ, 'Europe/Paris')
        assert.equal(env.PATH, process.env.PATH)
        assert.equal(env.LC_ALL, 'C')
        assert.equal(env.PAGER, 'cat')
        assert.deepEqual(
          names.filter(
            (n) =>
              ![
                '_',
                'DBUS_SESSION_BUS_ADDRESS',
                'HOME',
                'LANG',
                'LC_ALL',
                'LOGNAME',
                'PAGER',
                'PATH',
                'PWD',
                'SHELL',
                'SHLVL',
                'SSH_AGENT_PID',
                'SSH_AUTH_SOCK',
                'SYSTEMD_COLORS',
                'SYSTEMD_PAGER',
                'TERM',
                'TZ',
                'USER',
                'XDG_RUNTIME_DIR',
              ].includes(n),
          ),
          [],
          'nothing beyond the allow-list (and what sh sets itself)',
        )
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })
})

/** stream(): the same environment as run(). */
async function collect(argv: string[]): Promise<{stdout: string}> {
  const lines: string[] = []
  await new LocalRunner().stream(argv, {onLine: (line, stream) => stream === 'stdout' && lines.push(line)})
  return {stdout: lines.join('\n')}
}
