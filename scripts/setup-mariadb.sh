#!/usr/bin/env bash
# Makes sure a MariaDB answers on 127.0.0.1:3306 as root with an empty password, for the test bed and the demo:
# nothing to do when one answers (or ATOM_OPS_TEST_MYSQL_URL names another); otherwise initialises
# /var/lib/mysql if empty and starts mariadbd detached. Needs mariadb-server and mariadb-client (setup.sh
# installs them). Tested by test/scripts/setup-mariadb.test.ts in private namespaces.
set -euo pipefail
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; exit 1; fi; }
mysql_up() { (command -v mariadb-admin >/dev/null && mariadb-admin --connect-timeout=2 -h127.0.0.1 -P3306 -uroot ping) >/dev/null 2>&1; }
# --answers: only say (exit 0 or 1) whether one answers, for setup.sh deciding what to install.
if [ "${1:-}" = --answers ]; then mysql_up; exit; fi

if [ -z "${ATOM_OPS_TEST_MYSQL_URL:-}" ] && ! mysql_up; then
  if pgrep -x mariadbd >/dev/null || pgrep -x mysqld >/dev/null; then
    # Its data directory is in use: a second server cannot start on it. Say what to do instead.
    log "a MariaDB/MySQL server runs but does not answer on 127.0.0.1:3306; make it listen there (root, empty password) or set ATOM_OPS_TEST_MYSQL_URL=mysql://user:pass@host:port/mysql"
    exit 1
  fi
  log "starting MariaDB"
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket >/dev/null; fi
  # Detached from this shell, so it outlives the test run like a service would.
  as_root setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 --port=3306 >/run/mysqld/atom-ops-start.log 2>&1 < /dev/null &
  # A fresh install lets root in only through the local socket (TCP from 127.0.0.1 is refused outright):
  # wait on the socket, then allow root on 127.0.0.1 with an empty password (a test machine only).
  socket_up() { as_root mariadb-admin --connect-timeout=2 -uroot ping >/dev/null 2>&1; }
  for _ in $(seq 1 120); do socket_up && break; sleep 0.5; done
  socket_up || { log "MariaDB did not come up: $(tail -3 /run/mysqld/atom-ops-start.log)"; exit 1; }
  as_root mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  as_root mariadb -h127.0.0.1 -P3306 -uroot -e 'SELECT 1' >/dev/null || { log "MariaDB runs but root cannot log in on 127.0.0.1:3306 without a password"; exit 1; }
fi
