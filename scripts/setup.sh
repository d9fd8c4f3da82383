#!/usr/bin/env bash
# Installs and starts what atom-ops' tests and demo need, on Debian or Ubuntu, as root.
# Idempotent: skips what is already there. Used by scripts/test.sh, scripts/demo.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; exit 1; fi; }

# The database first, before anything is installed: when a MySQL or MariaDB server is here that the tests may
# not use, this stops with one line (installing mariadb-server beside MySQL would make apt remove MySQL).
db_packages=$(bash scripts/setup-mariadb.sh --packages)
read -r -a need <<<"$db_packages"

# Debian packages: gearmand and its tools; supervisor, memcached and sshd for the worker and cache tests.
command -v gearmand >/dev/null || need+=(gearman-job-server)
command -v gearman >/dev/null || need+=(gearman-tools)
command -v supervisord >/dev/null || need+=(supervisor)
command -v memcached >/dev/null || need+=(memcached)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
# systemd itself (not as PID 1): the worker tests run a real systemd user manager in a private namespace.
[ -x /lib/systemd/systemd ] || need+=(systemd)
# Packaging (npm run package) and its tests: dpkg-dev (dpkg-shlibdeps) and binutils (strip, objdump) build the
# .deb, lintian checks it, man-db and groff render the man pages, zsh and bash-completion complete with them.
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v objdump >/dev/null || need+=(binutils)
command -v lintian >/dev/null || need+=(lintian)
command -v man >/dev/null || need+=(man-db)
command -v groff >/dev/null || need+=(groff-base)
command -v zsh >/dev/null || need+=(zsh)
# guard's mail notifications are tested through a real sendmail-compatible client delivering over SMTP on loopback.
command -v msmtp >/dev/null || need+=(msmtp)
[ -f /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  # Package scripts must not start services on their default ports: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null; as_root chmod +x /usr/sbin/policy-rc.d
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
  # Ours to start from now on, this run and later ones.
  if [[ " ${need[*]} " == *" mariadb-server "* ]]; then bash scripts/setup-mariadb.sh --installed; fi
fi

# The database the test bed creates throwaway databases on: root with no password on 127.0.0.1:3306 (started
# here if setup installed it), or the server ATOM_OPS_TEST_MYSQL_URL names (checked, never installed or started).
bash scripts/setup-mariadb.sh

# npm packages from the lock file.
if [ ! -d node_modules/@oclif/core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
