import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {describe, test} from 'node:test'

/**
 * scripts/setup-mariadb.sh on a machine where no MariaDB runs: the path CI takes when its machine has
 * none. Run for real (mariadb-install-db, mariadbd) inside private pid, network and mount namespaces:
 * 127.0.0.1:3306 there is a loopback of its own, /var/lib/mysql and /run/mysqld are empty tmpfs, and
 * when the namespace's first process ends, every server it started ends with it. The machine's own
 * MariaDB is neither seen nor touched. Needs root and util-linux's unshare (CI runs as root).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const canRun = process.getuid?.() === 0 && spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', 'true']).status === 0 && spawnSync('sh', ['-c', 'command -v mariadbd && command -v mariadb-install-db']).status === 0

function inFreshNamespace(script: string): {code: number | null; out: string} {
  const prologue = [
    'set -u',
    'ip link set lo up',
    'mount -t tmpfs tmpfs /var/lib/mysql && chown mysql:mysql /var/lib/mysql',
    'mount -t tmpfs tmpfs /run/mysqld && chown mysql:mysql /run/mysqld',
    `cd ${JSON.stringify(ROOT)}`,
  ].join('\n')
  const r = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', 'bash', '-c', `${prologue}\n${script}`], {encoding: 'utf8', timeout: 120_000, env: {PATH: process.env.PATH}})
  return {code: r.status, out: `${r.stdout}${r.stderr}`}
}

describe('scripts/setup-mariadb.sh (real mariadbd, private namespaces)', {skip: canRun ? false : 'needs root, unshare and mariadb-server'}, () => {
  test('no server anywhere: it initialises the data directory, starts one, root logs in on 127.0.0.1:3306 without a password; a second run does nothing', () => {
    const r = inFreshNamespace(`
      bash scripts/setup-mariadb.sh --answers && echo "UNEXPECTED: one answers already"
      bash scripts/setup-mariadb.sh || exit 10
      mariadb -h127.0.0.1 -P3306 -uroot -N -e 'SELECT current_user()' || exit 11
      bash scripts/setup-mariadb.sh 2>&1 | grep -q 'starting MariaDB' && echo "UNEXPECTED: started again"
      bash scripts/setup-mariadb.sh --answers || exit 12
    `)
    assert.equal(r.code, 0, r.out)
    assert.doesNotMatch(r.out, /UNEXPECTED/)
    assert.match(r.out, /\[setup\] starting MariaDB/)
    assert.match(r.out, /^root@127\.0\.0\.1$/m)
  })

  test('a server that runs but does not answer on 127.0.0.1:3306: one line saying what to do, exit 1, no second server', () => {
    const r = inFreshNamespace(`
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket >/dev/null 2>&1
      setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql --skip-networking >/dev/null 2>&1 </dev/null &
      for _ in $(seq 1 60); do mariadb-admin -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
      bash scripts/setup-mariadb.sh; echo "exit=$?"
      echo "servers=$(pgrep -xc mariadbd)"
    `)
    assert.match(r.out, /^\[setup\] a MariaDB\/MySQL server runs but does not answer on 127\.0\.0\.1:3306; .*ATOM_OPS_TEST_MYSQL_URL=/m)
    assert.match(r.out, /^exit=1$/m)
    assert.match(r.out, /^servers=1$/m)
  })
})
