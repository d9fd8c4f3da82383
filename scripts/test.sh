#!/usr/bin/env bash
# The whole test suite: set-up (packages, MariaDB, npm, build), type check, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build >/dev/null
npx tsc -p tsconfig.json --noEmit
bash scripts/run-tests.sh "$@"
