#!/usr/bin/env bash
# Runs every test suite (program, policy pack), even after one fails, then prints one summary line
# `N passed, N failed, N skipped` for all of them and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0

suite() {
  local name="$1"; shift
  echo "=== ${name}: $*"
  "$@" 2>&1 | tee -a "$log"
  local rc="${PIPESTATUS[0]}"
  if [ "$rc" -ne 0 ]; then
    echo "=== ${name}: FAILED (exit ${rc})"
    status=1
    # A suite that dies before its runner reports still counts as a failure in the summary.
    grep -q "passing\|failing" <(tail -n 30 "$log") || echo "  1 failing" >>"$log"
  fi
}

suite "program typecheck" npx --no-install tsc --noEmit -p tsconfig.json
suite "program tests" npx --no-install mocha
suite "policy typecheck" npm --prefix policy run --silent typecheck
suite "policy tests" npm --prefix policy test --silent

sum() { grep -Eo "^\s+[0-9]+ $1" "$log" | awk '{ total += $1 } END { print total + 0 }'; }
echo "$(sum passing) passed, $(sum failing) failed, $(sum pending) skipped"
exit "$status"
