#!/usr/bin/env bash
# Runs every test suite, even after one fails, then prints one summary line
# `N passed, N failed, N skipped` for all of them and exits non-zero if anything failed.
#
#   scripts/test.sh          # everything: unit suites, toolchain checks, end-to-end sandbox suite
#   scripts/test.sh --unit   # program and policy suites only (needs only restic and promtool from the toolchain)
set -uo pipefail
cd "$(dirname "$0")/.."
# A fresh clone needs nothing else first: Node and the npm dependencies are installed here when missing.
. scripts/bootstrap.sh

unit_only=0
[ "${1:-}" = "--unit" ] && unit_only=1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0

suite() {
  local name="$1"; shift
  echo "=== ${name}: $*"
  local before; before="$(wc -l <"$log")"
  "$@" 2>&1 | tee -a "$log"
  local rc="${PIPESTATUS[0]}"
  if [ "$rc" -ne 0 ]; then
    echo "=== ${name}: FAILED (exit ${rc})"
    status=1
    # A suite that dies before its runner reports still counts as a failure in the summary.
    tail -n "+$((before + 1))" "$log" | grep -qE "^\s+[0-9]+ failing|^[0-9]+ passed, [1-9]" || echo "  1 failing" >>"$log"
  fi
}

# Built from Go modules, a no-op when up to date. The day-2 operation tests need restic and the alert rule
# tests promtool; the policy pack's real-CLI tests and the end-to-end suite need the rest.
if [ "$unit_only" -eq 1 ]; then
  suite "toolchain build" bash toolchain/build.sh restic promtool
else
  suite "toolchain build" bash toolchain/build.sh --parallel pulumi providers minio restic etcd kube helm promtool eso
fi
suite "program typecheck" npx --no-install tsc --noEmit -p tsconfig.json
suite "program tests" npx --no-install mocha
suite "policy typecheck" npm --prefix policy run --silent typecheck
suite "policy tests" npm --prefix policy test --silent
if [ "$unit_only" -eq 0 ]; then
  suite "toolchain checks" bash toolchain/verify.sh
  suite "end-to-end (sandbox)" bash scripts/sandbox.sh e2e
fi

# mocha prints "N passing / N failing / N pending"; toolchain/verify.sh prints "N passed, N failed, N skipped".
count() {
  { grep -Eo "^\s+[0-9]+ $1" "$log" | awk '{ print $1 }'; grep -Eo "^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$log" | awk -v f="$2" '{ print $f }'; } |
    awk '{ total += $1 } END { print total + 0 }'
}
echo "$(count passing 1) passed, $(count failing 3) failed, $(count pending 5) skipped"
exit "$status"
