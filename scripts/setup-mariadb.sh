#!/usr/bin/env bash
# The database the test bed and the demo use: root with an empty password on 127.0.0.1:3306, or the server
# ATOM_OPS_TEST_MYSQL_URL names. Never touches a database server it did not install: when a MySQL or MariaDB
# server is installed or runs here and root cannot log in on 127.0.0.1:3306 without a password, it stops with
# one line saying what it found and what to do. Only on a machine without one does it let setup.sh install
# mariadb-server, then initialises /var/lib/mysql if empty and starts mariadbd detached.
#   setup-mariadb.sh             make sure the database answers (check the URL, or start the server setup.sh installed)
#   setup-mariadb.sh --packages  print the Debian packages setup.sh should install for it (maybe none), or refuse
#   setup-mariadb.sh --installed record that setup.sh installed mariadb-server, so later runs may start it
#   setup-mariadb.sh --answers   exit 0 when root logs in on 127.0.0.1:3306 without a password, 1 otherwise
# What counts as an installed server can be pointed elsewhere (test/scripts/setup-mariadb.test.ts does, in
# private namespaces): ATOM_OPS_SETUP_DPKG_STATUS, ATOM_OPS_SETUP_SERVER_BINARIES (space-separated paths) and
# ATOM_OPS_SETUP_MARKER (the record --installed writes). The defaults are right for Debian and Ubuntu.
set -euo pipefail
log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; exit 1; fi; }

dpkg_status=${ATOM_OPS_SETUP_DPKG_STATUS:-/var/lib/dpkg/status}
marker=${ATOM_OPS_SETUP_MARKER:-/var/lib/atom-ops/mariadb-server-installed-by-setup}
if [ -n "${ATOM_OPS_SETUP_SERVER_BINARIES+set}" ]; then
  read -r -a server_binaries <<<"$ATOM_OPS_SETUP_SERVER_BINARIES"
else
  server_binaries=(/usr/sbin/mariadbd /usr/sbin/mysqld /usr/bin/mariadbd /usr/bin/mysqld /usr/libexec/mysqld
    /usr/local/sbin/mariadbd /usr/local/sbin/mysqld /usr/local/bin/mariadbd /usr/local/bin/mysqld
    /usr/local/mysql/bin/mariadbd /usr/local/mysql/bin/mysqld)
  while IFS= read -r found; do server_binaries+=("$found"); done < <(type -ap mariadbd mysqld || true)
fi
mariadbd=/usr/sbin/mariadbd
url_example='ATOM_OPS_TEST_MYSQL_URL=mysql://user:password@127.0.0.1:3306/mysql'

# The command-line client, MariaDB's or MySQL's (a MySQL server comes with the latter).
client() { if command -v mariadb >/dev/null; then echo mariadb; elif command -v mysql >/dev/null; then echo mysql; else return 1; fi; }

# Root logs in over TCP with an empty password, as the test bed does: no option file may supply one.
root_answers() {
  local c; c=$(client) || return 1
  "$c" --no-defaults --protocol=tcp -h127.0.0.1 -P3306 -uroot --connect-timeout=2 -N -e 'SELECT 1' >/dev/null 2>&1
}

# setup.sh installed mariadb-server here (on a machine that had no database server), so it is ours to start.
ours() { [ -f "$marker" ]; }

# Installed database server packages (dpkg status other than not-installed or config-files).
server_packages() {
  [ -r "$dpkg_status" ] || return 0
  awk 'BEGIN { RS = ""; FS = "\n" }
    { pkg = ""; st = ""
      for (i = 1; i <= NF; i++) { if ($i ~ /^Package: /) pkg = substr($i, 10); else if ($i ~ /^Status: /) st = $i }
      n = split(st, w, " ")
      if (pkg ~ /^(mysql-server|mysql-community-server|mariadb-server|percona-server-server|percona-xtradb-cluster-server)/ && n > 0 && w[n] != "not-installed" && w[n] != "config-files") print pkg }' "$dpkg_status" | sort -u
}

# Every sign of a database server: packages, binaries, processes, a listener on 3306, a listening socket.
# Leaves out mariadb-server and its binaries when setup.sh installed them. Prints one finding a line.
server_findings() {
  local pkg bin seen=' ' real name pids t
  while IFS= read -r pkg; do
    [ -n "$pkg" ] || continue
    if ours && [[ $pkg == mariadb-server* ]]; then continue; fi
    echo "package $pkg installed"
  done < <(server_packages)
  for bin in "${server_binaries[@]}"; do
    [ -e "$bin" ] || continue
    if ours && [ "$(readlink -f "$bin")" = "$(readlink -f "$mariadbd")" ]; then continue; fi
    real=$(readlink -f "$bin"); case $seen in *" $real "*) continue ;; esac; seen+="$real "
    echo "$bin present"
  done
  for name in mariadbd mysqld mysqld_safe mariadbd-safe; do
    pids=$(pgrep -x -d' ' "$name" || true)
    [ -z "$pids" ] || echo "$name running (pid $pids)"
  done
  # /proc/net/tcp{,6}: local port 3306 is :0CEA, state 0A is LISTEN.
  local tables=(); for t in /proc/net/tcp /proc/net/tcp6; do [ -r "$t" ] && tables+=("$t"); done
  if [ ${#tables[@]} -gt 0 ] && awk 'FNR > 1 && $4 == "0A" && $2 ~ /:0CEA$/ { found = 1 } END { exit !found }' "${tables[@]}"; then
    echo "something listening on port 3306"
  fi
  if [ -r /proc/net/unix ]; then awk '$NF ~ /^\/.*(mysql|mariadb)[^\/]*\.sock$/ { print "socket " $NF " listening" }' /proc/net/unix | sort -u; fi
}

# Stops when a database server is here (root already failed to log in without a password).
refuse_if_server() {
  local findings why
  findings=$(server_findings | paste -sd, - | sed 's/,/, /g')
  [ -z "$findings" ] && return 0
  why="root cannot log in on 127.0.0.1:3306 without a password"
  client >/dev/null || why="no mariadb or mysql client is installed to log in as root on 127.0.0.1:3306"
  log "a database server is here ($findings) and $why; setup installs and starts nothing beside it: set $url_example to a user that may create databases and users, or run on a machine without a database server"
  exit 1
}

# ATOM_OPS_TEST_MYSQL_URL answers: its parts go into a temporary option file (mode 0600, removed on exit),
# so the password is never on a command line; --defaults-file keeps ~/.my.cnf from overriding them.
check_url() {
  local c optfile where out
  c=$(client) || { log "no mariadb or mysql client to check ATOM_OPS_TEST_MYSQL_URL; install the one that goes with your server (mysql-client or mariadb-client)"; exit 1; }
  command -v node >/dev/null || { log "node is needed to read ATOM_OPS_TEST_MYSQL_URL; install Node.js 20 first"; exit 1; }
  optfile=$(mktemp)
  trap 'rm -f "$optfile"' EXIT
  chmod 600 "$optfile"
  # Parsed as the test bed does (src/lib/db/target.ts): WHATWG URL, %-decoded user and password, ?socket=.
  where=$(node -e '
    const fs = require("node:fs")
    const fail = (why) => { process.stderr.write(`[setup] ATOM_OPS_TEST_MYSQL_URL: ${why}; expected mysql://user:password@127.0.0.1:3306/mysql\n`); process.exit(1) }
    let url
    try { url = new URL(process.env.ATOM_OPS_TEST_MYSQL_URL) } catch { fail("not a valid URL") }
    if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") fail(`scheme must be mysql://, not ${url.protocol}//`)
    const decode = (s, what) => { try { return decodeURIComponent(s) } catch { fail(`the ${what} has a malformed %-escape`) } }
    const user = decode(url.username, "user name"), password = decode(url.password, "password")
    if (!user) fail("no user name")
    // Option-file values in double quotes, with the escapes the client unescapes.
    const quote = (s) => `"${s.replace(/[\\"\x27\n\r\t]/g, (c) => ({"\\": "\\\\", "\"": "\\\"", "\x27": "\\\x27", "\n": "\\n", "\r": "\\r", "\t": "\\t"})[c])}"`
    const lines = ["[client]", `user=${quote(user)}`, `password=${quote(password)}`]
    const socket = url.searchParams.get("socket")
    let where
    if (socket) { lines.push(`socket=${quote(socket)}`, "protocol=socket"); where = `socket ${socket}` }
    else {
      if (!url.hostname) fail("no host (or ?socket=)")
      const host = url.hostname.replace(/^\[|\]$/g, ""), port = url.port || "3306"
      lines.push(`host=${quote(host)}`, `port=${port}`, "protocol=tcp"); where = `${host}:${port}`
    }
    fs.writeFileSync(process.argv[1], lines.join("\n") + "\n", {mode: 0o600})
    console.log(`${user}@${where}`)
  ' "$optfile") || exit 1
  if ! out=$("$c" --defaults-file="$optfile" --connect-timeout=5 -N -e 'SELECT 1' 2>&1 >/dev/null); then
    log "ATOM_OPS_TEST_MYSQL_URL ($where) does not answer: $(printf '%s' "$out" | head -1); check its user, password, host and port"
    exit 1
  fi
  rm -f "$optfile"; trap - EXIT
}

case "${1:-}" in
  --answers) root_answers; exit ;;
  --installed) as_root mkdir -p "$(dirname "$marker")"; printf 'atom-ops scripts/setup.sh installed mariadb-server here on %s; scripts/setup-mariadb.sh may start it\n' "$(date -u +%FT%TZ)" | as_root tee "$marker" >/dev/null; exit 0 ;;
  --packages)
    if [ -n "${ATOM_OPS_TEST_MYSQL_URL:-}" ]; then
      # Its server is used as it is; a client to check it is installed only where no server package could conflict.
      if ! client >/dev/null; then
        if [ -n "$(server_packages)" ]; then log "no mariadb or mysql client to check ATOM_OPS_TEST_MYSQL_URL; install the one that goes with your server (mysql-client or mariadb-client)"; exit 1; fi
        echo mariadb-client
      fi
      exit 0
    fi
    root_answers && exit 0
    refuse_if_server
    pkgs=()
    { ours && [ -x "$mariadbd" ]; } || pkgs+=(mariadb-server)
    { command -v mariadb >/dev/null && command -v mariadb-admin >/dev/null; } || pkgs+=(mariadb-client)
    echo "${pkgs[*]}"
    exit 0 ;;
  '') ;;
  *) log "unknown option $1; use --packages, --installed, --answers or none"; exit 2 ;;
esac

if [ -n "${ATOM_OPS_TEST_MYSQL_URL:-}" ]; then check_url; exit 0; fi
root_answers && exit 0
refuse_if_server
[ -x "$mariadbd" ] || { log "mariadb-server is not installed; run scripts/setup.sh (it installs it when no database server is here)"; exit 1; }

log "starting MariaDB"
as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=socket >/dev/null; fi
# Detached from this shell, so it outlives the test run like a service would.
as_root setsid "$mariadbd" --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 --port=3306 >/run/mysqld/atom-ops-start.log 2>&1 < /dev/null &
# A fresh install lets root in only through the local socket (TCP from 127.0.0.1 is refused outright):
# wait on the socket, then allow root on 127.0.0.1 with an empty password (a test machine only).
socket_up() { as_root mariadb-admin --connect-timeout=2 -uroot ping >/dev/null 2>&1; }
for _ in $(seq 1 120); do socket_up && break; sleep 0.5; done
socket_up || { log "MariaDB did not come up: $(tail -3 /run/mysqld/atom-ops-start.log | paste -sd' ' -)"; exit 1; }
as_root mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
root_answers || { log "MariaDB runs but root cannot log in on 127.0.0.1:3306 without a password"; exit 1; }
