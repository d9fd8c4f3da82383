#!/usr/bin/env bash
# The demo: starts a sandbox AtoM-like environment (gearmand, a MariaDB database with AtoM's job
# tables, workers under a supervisord, jobs in every state) and runs atom-ops against it.
# Run it again to stop the sandbox. Installs what is missing first (Debian/Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${ATOM_OPS_DEMO_DIR:-$repo/.atom-ops-demo}

if [ -f "$dir/state.json" ]; then
  node_modules/.bin/tsx test/support/testbed/demo.ts down "$dir"
  echo "Sandbox stopped (servers, workers and its database are gone)."
  exit 0
fi

bash scripts/setup.sh
npm run --silent build >/dev/null
node_modules/.bin/tsx test/support/testbed/demo.ts up "$dir"
set -a
# shellcheck disable=SC1091
source "$dir/env"
set +a

# Each step shows the command, then its output; a non-zero exit is shown, not fatal.
atom_ops() {
  printf '\n\033[1m$ atom-ops %s\033[0m\n' "$*"
  local rc=0
  node "$repo/bin/run.js" "$@" || rc=$?
  [ "$rc" = 0 ] || printf '(exit code %s)\n' "$rc"
}
section() { printf '\n\033[1;34m== %s ==\033[0m\n' "$*"; }

for step in scripts/demo.d/*.sh; do
  # shellcheck disable=SC1090
  source "$step"
done

cat <<EOT

The sandbox keeps running. Point atom-ops at it by hand with:

  source $dir/env
  node $repo/bin/run.js config show        # or: npm install -g . && atom-ops config show

Run 'bash scripts/demo.sh' again to stop it.
EOT
