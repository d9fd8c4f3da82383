#!/usr/bin/env bash
# Runs the test files with node's test runner: those given, or every file of a tier.
#   --tier unit     test/**/*.unit.test.ts: in-process, no services, no child processes, no network (seconds; no build needed)
#   --tier service  every other test/**/*.test.ts: real MariaDB, gearmand, workers, supervisord, ... (expects a build)
#   --tier all      both (the default; scripts/test.sh builds first)
# TIER=unit|service|all does the same as --tier.
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${TIER:-all}"
case "${1:-}" in
  --tier) tier="${2:-}" && shift $(($# >= 2 ? 2 : 1)) ;;
  --tier=*) tier="${1#--tier=}" && shift ;;
esac
case "$tier" in
  unit) select=(-name '*.unit.test.ts') ;;
  service) select=(-name '*.test.ts' ! -name '*.unit.test.ts') ;;
  all) select=(-name '*.test.ts') ;;
  *)
    echo "run-tests.sh: unknown tier '$tier'" >&2
    echo "  hint: --tier unit, --tier service or --tier all (or TIER=...)" >&2
    exit 2
    ;;
esac
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test "${select[@]}" | sort); fi
exec node --import tsx --test --test-concurrency=2 --test-timeout=600000 --test-reporter=spec "${files[@]}"
