import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

/**
 * scripts/setup.sh and scripts/setup-mariadb.sh deciding what to do about the database, run for real
 * (mariadb-install-db, mariadbd, the mariadb client) inside private pid, network and mount namespaces:
 * 127.0.0.1:3306 there is a loopback of its own, /var/lib/mysql and /run/mysqld are empty tmpfs, /usr/sbin
 * is an overlay (setup.sh's policy-rc.d lands in it), and when the namespace's first process ends, every
 * server it started ends with it. The machine's own MariaDB is neither seen nor touched. What counts as an
 * installed server is pointed at a fake dpkg status and binary list where a case needs it; the record of
 * "setup installed mariadb-server" always lives in the test's directory. apt-get and npm are recording
 * stand-ins (nothing can be installed here, and node_modules is shared); the tests that rely on that say so.
 * Needs root, util-linux's unshare, overlayfs and mariadb-server (CI runs as root).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const canRun =
  process.getuid?.() === 0 &&
  spawnSync('unshare', [
    '--net',
    '--mount',
    '--pid',
    '--fork',
    '--mount-proc',
    'sh',
    '-c',
    'd=$(mktemp -d) && mount -t tmpfs tmpfs "$d" && mkdir "$d/u" "$d/w" && mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$d/u,workdir=$d/w" /usr/sbin; r=$?; umount -R "$d" 2>/dev/null; rmdir "$d"; exit $r',
  ]).status === 0 &&
  spawnSync('sh', ['-c', 'command -v mariadbd && command -v mariadb-install-db && command -v mariadb']).status === 0

/** A root password with quotes, a backslash, a hash, a dollar, a space and URL delimiters: the option file must carry it intact. */
const PASSWORD = `Zq7$'pw" \\ü#@:/%-${Math.random().toString(16).slice(2, 8)}`
const sqlString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`

interface Run {
  code: number | null
  out: string
  aptCalls: string
  npmCalls: string
  file(name: string): string
}

/**
 * Runs `script` in fresh namespaces with $T a scratch directory holding bin/ (first on PATH: the apt-get and
 * npm stand-ins), the call records, dpkg-status-empty, dpkg-status-mariadb, dpkg-status-mysql8 and
 * root-password.sql. Helpers there: start_server (a real mariadbd on 127.0.0.1:3306, waited on through its socket).
 */
function inFreshNamespace(script: string, setup?: (dir: string) => void): Run {
  const dir = mkdtempSync(join(tmpdir(), 'atom-ops-setup-'))
  try {
    mkdirSync(join(dir, 'bin'))
    mkdirSync(join(dir, 'ovl'))
    for (const tool of ['apt-get', 'npm']) {
      writeFileSync(join(dir, `${tool}.calls`), '')
      writeFileSync(join(dir, 'bin', tool), `#!/bin/sh\nprintf '%s\\n' "$*" >> "$T/${tool}.calls"\n`)
      chmodSync(join(dir, 'bin', tool), 0o755)
    }

    const paragraph = (name: string, status = 'install ok installed') =>
      `Package: ${name}\nStatus: ${status}\nArchitecture: amd64\nVersion: 1\n`
    writeFileSync(
      join(dir, 'dpkg-status-empty'),
      [paragraph('bash'), paragraph('mariadb-server', 'deinstall ok config-files'), paragraph('mysql-common')].join(
        '\n',
      ),
    )
    writeFileSync(
      join(dir, 'dpkg-status-mariadb'),
      [paragraph('bash'), paragraph('mariadb-server-core'), paragraph('mariadb-server')].join('\n'),
    )
    writeFileSync(
      join(dir, 'dpkg-status-mysql8'),
      [
        paragraph('mysql-client-8.0'),
        paragraph('mysql-server-core-8.0'),
        paragraph('mysql-server-8.0'),
        paragraph('mysql-server'),
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'root-password.sql'),
      `CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY ${sqlString(PASSWORD)}; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n`,
    )
    setup?.(dir)
    const prologue = [
      'set -u',
      'ip link set lo up',
      'mount -t tmpfs tmpfs /var/lib/mysql && chown mysql:mysql /var/lib/mysql',
      'mount -t tmpfs tmpfs /run/mysqld && chown mysql:mysql /run/mysqld',
      'mount -t tmpfs tmpfs "$T/ovl" && mkdir "$T/ovl/u" "$T/ovl/w"',
      'mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$T/ovl/u,workdir=$T/ovl/w" /usr/sbin',
      // A real server of the namespace's own, as a package's would be; root logs in only through the socket.
      'start_server() {',
      '  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket >/dev/null 2>&1',
      '  setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql "$@" >/dev/null 2>&1 </dev/null &',
      '  for _ in $(seq 1 120); do mariadb-admin -uroot ping >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "UNEXPECTED: the server did not come up"; exit 99',
      '}',
      `cd ${JSON.stringify(ROOT)}`,
    ].join('\n')
    const env = {PATH: `${dir}/bin:${process.env.PATH}`, T: dir, ATOM_OPS_SETUP_MARKER: `${dir}/marker`}
    const r = spawnSync(
      'unshare',
      ['--net', '--mount', '--pid', '--fork', '--mount-proc', 'bash', '-c', `${prologue}\n${script}`],
      {encoding: 'utf8', timeout: 120_000, env, stdio: ['ignore', 'pipe', 'pipe']},
    )
    // Every file the run left in $T, read before the directory goes.
    const files = new Map<string, string>()
    for (const entry of readdirSync(dir, {withFileTypes: true}))
      if (entry.isFile()) files.set(entry.name, readFileSync(join(dir, entry.name), 'utf8'))
    const file = (name: string) => files.get(name) ?? ''
    return {
      code: r.status,
      out: `${r.stdout}${r.stderr}`,
      aptCalls: file('apt-get.calls'),
      npmCalls: file('npm.calls'),
      file,
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** Exactly one line, the refusal: what was found and what to do. */
function assertOneLineRefusal(err: string, found: RegExp): void {
  const lines = err.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${err}`)
  assert.match(
    lines[0],
    /^\[setup\] a database server is here \(.*\) and root cannot log in on 127\.0\.0\.1:3306 without a password; setup installs and starts nothing beside it: set ATOM_OPS_TEST_MYSQL_URL=mysql:\/\/user:password@127\.0\.0\.1:3306\/mysql to a user that may create databases and users, or run on a machine without a database server$/,
  )
  assert.match(lines[0], found)
}

describe(
  'scripts/setup.sh and setup-mariadb.sh (real mariadbd, private namespaces)',
  {skip: canRun ? false : 'needs root, unshare, overlayfs and mariadb-server'},
  () => {
    test("a machine without a database server (fake empty dpkg status, no binaries; stand-in apt-get and npm): setup.sh asks apt-get for mariadb-server, records it as its own, starts it, root logs in on 127.0.0.1:3306 without a password; a second run does nothing; stopped, it is started again as setup's own", () => {
      const r = inFreshNamespace(`
      export ATOM_OPS_SETUP_DPKG_STATUS=$T/dpkg-status-empty ATOM_OPS_SETUP_SERVER_BINARIES=
      bash scripts/setup-mariadb.sh --answers && echo "UNEXPECTED: one answers already"
      bash scripts/setup.sh || exit 10
      mariadb -h127.0.0.1 -P3306 -uroot -N -e 'SELECT current_user()' || exit 11
      echo "calls after first run: $(wc -l < "$T/apt-get.calls")"
      bash scripts/setup.sh 2>&1 | grep -q 'starting MariaDB' && echo "UNEXPECTED: started again"
      echo "calls after second run: $(wc -l < "$T/apt-get.calls")"
      bash scripts/setup-mariadb.sh --answers || exit 12
      # After a reboot, say: setup's own server (recorded) is started again, seen through the real dpkg status.
      unset ATOM_OPS_SETUP_DPKG_STATUS ATOM_OPS_SETUP_SERVER_BINARIES
      mariadb-admin -uroot shutdown || exit 13
      while pgrep -x mariadbd >/dev/null; do sleep 0.2; done
      bash scripts/setup-mariadb.sh 2>&1 | grep -q 'starting MariaDB' || echo "UNEXPECTED: not started again"
      bash scripts/setup-mariadb.sh --answers || exit 14
      echo "servers=$(pgrep -xc mariadbd)"
    `)
      assert.equal(r.code, 0, r.out)
      assert.doesNotMatch(r.out, /UNEXPECTED/)
      assert.match(r.out, /\[setup\] starting MariaDB/)
      assert.match(r.out, /^root@127\.0\.0\.1$/m)
      assert.match(r.aptCalls, /^install -y -qq --no-install-recommends (.* )?mariadb-server( |$)/m)
      assert.match(r.out, /^calls after first run: (\d+)$/m)
      assert.equal(
        r.out.match(/^calls after first run: (\d+)$/m)?.[1],
        r.out.match(/^calls after second run: (\d+)$/m)?.[1],
        'the second run installs nothing',
      )
      assert.match(r.file('marker'), /installed mariadb-server/)
      assert.match(r.out, /^servers=1$/m)
    })

    test('a database server installed but not running, nothing answers (fake dpkg status or binary; stand-in apt-get): setup.sh stops with one line naming it, exit 1, no apt-get call, nothing started', () => {
      const r = inFreshNamespace(`
      touch "$T/mysqld" && chmod +x "$T/mysqld"
      for c in "dpkg-status-mariadb|" "dpkg-status-mysql8|" "dpkg-status-empty|$T/mysqld"; do
        status=\${c%%|*} bins=\${c#*|}
        ATOM_OPS_SETUP_DPKG_STATUS=$T/$status ATOM_OPS_SETUP_SERVER_BINARIES=$bins bash scripts/setup.sh 2>"$T/err.$status"; echo "$status exit=$?"
        ATOM_OPS_SETUP_DPKG_STATUS=$T/$status ATOM_OPS_SETUP_SERVER_BINARIES=$bins bash scripts/setup-mariadb.sh 2>/dev/null; echo "$status alone exit=$?"
      done
      # Defaults: the machine's real dpkg status and binaries (mariadb-server is installed here; not setup's own).
      bash scripts/setup.sh 2>"$T/err.real"; echo "real exit=$?"
      echo "servers=$(pgrep -xc mariadbd)"
    `)
      assert.match(r.out, /^dpkg-status-mariadb exit=1$/m, r.out)
      assert.match(r.out, /^dpkg-status-mariadb alone exit=1$/m, r.out)
      assert.match(r.out, /^dpkg-status-mysql8 exit=1$/m, r.out)
      assert.match(r.out, /^dpkg-status-mysql8 alone exit=1$/m, r.out)
      assert.match(r.out, /^dpkg-status-empty exit=1$/m, r.out)
      assert.match(r.out, /^real exit=1$/m, r.out)
      assertOneLineRefusal(
        r.file('err.dpkg-status-mariadb'),
        /\(package mariadb-server installed, package mariadb-server-core installed\)/,
      )
      assertOneLineRefusal(
        r.file('err.dpkg-status-mysql8'),
        /\(package mysql-server installed, package mysql-server-8\.0 installed, package mysql-server-core-8\.0 installed\)/,
      )
      assertOneLineRefusal(r.file('err.dpkg-status-empty'), /\(\/tmp\/\S+\/mysqld present\)/)
      assertOneLineRefusal(r.file('err.real'), /package mariadb-server installed.*\/usr\/sbin\/mariadbd present/)
      for (const name of ['err.dpkg-status-mariadb', 'err.dpkg-status-mysql8', 'err.real'])
        assert.doesNotMatch(r.file(name), /mysql-common|mariadb-client|bash/)
      assert.equal(r.aptCalls, '', 'apt-get was called')
      assert.equal(r.npmCalls, '', 'setup.sh went on after refusing')
      assert.match(r.out, /^servers=0$/m)
    })

    test('a server that runs and refuses root without a password (real mariadbd with a root password; stand-in apt-get): one line naming the process, the listener and the socket, exit 1, no apt-get call, no second server', () => {
      const r = inFreshNamespace(`
      start_server --bind-address=127.0.0.1 --port=3306
      mariadb -uroot < "$T/root-password.sql" || exit 10
      bash scripts/setup-mariadb.sh --answers && echo "UNEXPECTED: passwordless root answers"
      # Only the running server is evidence: no package or binary is shown.
      ATOM_OPS_SETUP_DPKG_STATUS=$T/dpkg-status-empty ATOM_OPS_SETUP_SERVER_BINARIES= bash scripts/setup.sh 2>"$T/err"; echo "exit=$?"
      bash scripts/setup-mariadb.sh 2>"$T/err2"; echo "alone exit=$?"
      echo "servers=$(pgrep -xc mariadbd)"
    `)
      assert.doesNotMatch(r.out, /UNEXPECTED/)
      assert.match(r.out, /^exit=1$/m, r.out)
      assert.match(r.out, /^alone exit=1$/m, r.out)
      assertOneLineRefusal(
        r.file('err'),
        /\(mariadbd running \(pid \d+\), something listening on port 3306, socket \/run\/mysqld\/mysqld\.sock listening\)/,
      )
      assertOneLineRefusal(r.file('err2'), /mariadbd running/)
      assert.equal(r.aptCalls, '', 'apt-get was called')
      assert.match(r.out, /^servers=1$/m)
    })

    test('a server that runs but does not answer on 127.0.0.1:3306 (socket only): one line saying what to do, exit 1, no second server', () => {
      const r = inFreshNamespace(`
      start_server --skip-networking
      bash scripts/setup-mariadb.sh 2>"$T/err"; echo "exit=$?"
      echo "servers=$(pgrep -xc mariadbd)"
    `)
      assertOneLineRefusal(r.file('err'), /mariadbd running \(pid \d+\)/)
      assert.match(r.out, /^exit=1$/m)
      assert.match(r.out, /^servers=1$/m)
    })

    test('ATOM_OPS_TEST_MYSQL_URL naming a server with a password (stand-in apt-get and npm; a wrapper around the real mariadb client records ps and the option file while the check runs): accepted, nothing installed or started, the password only in a 0600 option file that is removed; a wrong password is one line without it', () => {
      const url = (password: string) => `mysql://root:${encodeURIComponent(password)}@127.0.0.1:3306/mysql`
      const r = inFreshNamespace(
        `
      start_server --bind-address=127.0.0.1 --port=3306
      mariadb -uroot < "$T/root-password.sql" || exit 10
      ATOM_OPS_TEST_MYSQL_URL=$(cat "$T/url") PATH="$T/wrap:$PATH" bash scripts/setup.sh 2>"$T/setup.err"; echo "exit=$?"
      cat "$T/setup.err" >&2
      [ -e "$(cat "$T/optfile.path")" ] && echo "UNEXPECTED: the option file is left behind"
      ATOM_OPS_TEST_MYSQL_URL=$(cat "$T/url-wrong") bash scripts/setup-mariadb.sh 2>"$T/err"; echo "wrong exit=$?"
      ATOM_OPS_TEST_MYSQL_URL=not-a-url bash scripts/setup-mariadb.sh 2>"$T/err2"; echo "invalid exit=$?"
      echo "servers=$(pgrep -xc mariadbd)"
    `,
        (dir) => {
          writeFileSync(join(dir, 'url'), url(PASSWORD))
          writeFileSync(join(dir, 'url-wrong'), url(`${PASSWORD}-wrong`))
          mkdirSync(join(dir, 'wrap'))
          writeFileSync(
            join(dir, 'wrap', 'mariadb'),
            [
              '#!/bin/bash',
              'set -euo pipefail',
              'ps -eo pid,args > "$T/ps.txt"',
              'for a in "$@"; do case $a in --defaults-file=*|--defaults-extra-file=*) f=${a#*=}; echo "$f" > "$T/optfile.path"; stat -c %a "$f" > "$T/optfile.mode"; cp "$f" "$T/optfile.copy" ;; esac; done',
              'exec /usr/bin/mariadb "$@"',
              '',
            ].join('\n'),
          )
          chmodSync(join(dir, 'wrap', 'mariadb'), 0o755)
        },
      )
      assert.doesNotMatch(r.out, /UNEXPECTED/)
      assert.match(r.out, /^exit=0$/m, r.out)
      assert.doesNotMatch(r.aptCalls, /mariadb|mysql/, 'a database package was installed')
      assert.doesNotMatch(r.out, /starting MariaDB/)
      assert.match(r.out, /^servers=1$/m)
      // While the check ran: the client's command line names the option file, never the password.
      const ps = r.file('ps.txt')
      assert.match(ps, /mariadb --defaults-file=\S+ --connect-timeout=5 -N -e SELECT 1/)
      assert.match(ps, /bash scripts\/setup-mariadb\.sh/)
      assert.ok(
        !ps.includes(PASSWORD) && !ps.includes(encodeURIComponent(PASSWORD)) && !ps.includes('Zq7'),
        `password in ps output:\n${ps}`,
      )
      assert.equal(r.file('optfile.mode').trim(), '600')
      assert.match(r.file('optfile.copy'), /^password="Zq7\$\\'pw\\" \\\\ü#@:\/%-/m)
      assert.match(r.file('optfile.copy'), /^host="127\.0\.0\.1"$/m)
      // A wrong password: one line, the client's reason, no password.
      const wrong = r
        .file('err')
        .split('\n')
        .filter((l) => l !== '')
      assert.equal(wrong.length, 1, r.file('err'))
      assert.match(
        wrong[0],
        /^\[setup\] ATOM_OPS_TEST_MYSQL_URL \(root@127\.0\.0\.1:3306\) does not answer: .*Access denied.*; check its user, password, host and port$/,
      )
      assert.ok(!wrong[0].includes('Zq7'), wrong[0])
      assert.match(r.out, /^wrong exit=1$/m)
      assert.match(r.out, /^invalid exit=1$/m)
      assert.match(
        r.file('err2'),
        /^\[setup\] ATOM_OPS_TEST_MYSQL_URL: not a valid URL; expected mysql:\/\/user:password@127\.0\.0\.1:3306\/mysql\n$/,
      )
    })
  },
)
