#!/usr/bin/env bash
# The whole test suite: set-up (packages, MariaDB, npm, build), type check, then every test file (arguments go to
# run-tests.sh: --tier unit or --tier service for one tier, or test files).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build >/dev/null
npx tsc -p tsconfig.json --noEmit
# Lint and format, as oclif's template has them (eslint-config-oclif, prettier at 120 columns).
npm run --silent lint
# The suite passes with and without php; say which case this run covers.
if command -v php >/dev/null 2>&1; then
  echo "test.sh: php $(php -r 'echo PHP_VERSION;' 2>/dev/null) is installed: cache clear's 'php symfony cc' path is tested too"
else
  echo "test.sh: php is not installed: cache clear's 'php symfony cc' path is skipped (its file-removal fallback is tested)"
fi
bash scripts/run-tests.sh "$@"
