#!/usr/bin/env bash
# The clone on its own: runs the chart tests and the end-to-end sandbox suite as on a machine with nothing
# beside the clone. Only a machine that has the mirror folder needs this: elsewhere every run is already
# stand-alone, downloading from the pinned repositories.
#   - A temporary copy of the mirror folder is served on 127.0.0.1 and plays the charts' upstream
#     repository (CHART_MIRROR=<its URL>), with an empty chart cache, so every chart is downloaded
#     through the index and checked against its digest.
#   - ../shared is hidden: an empty folder is mounted over it in a private mount namespace, so a read of it
#     anywhere fails instead of silently succeeding.
#
#   scripts/standalone-check.sh [mirror folder]    # default: ../shared/helm-repo
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. scripts/bootstrap.sh

shared="$(cd .. && pwd)/shared"
mirror="${1:-${shared}/helm-repo}"
[ -f "${mirror}/index.yaml" ] || { echo "standalone-check: no mirror folder at ${mirror} (nothing to play upstream)" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/standalone-check.XXXXXX")"
upstream_pid=""
cleanup() {
  # The tests' status, not that of stopping the loopback upstream, is the script's.
  local status=$?
  # Under set -e, the status wait reports for the killed server (143) would otherwise end the script.
  if [ -n "${upstream_pid}" ]; then kill "${upstream_pid}" 2>/dev/null || true; wait "${upstream_pid}" 2>/dev/null || true; fi
  rm -rf "${work}"
  exit "${status}"
}
trap cleanup EXIT

cp -r "${mirror}" "${work}/upstream"
chmod -R u+w "${work}/upstream"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
CHART_REPO_DIR="${work}/upstream" CHART_REPO_PORT="${port}" \
  node --require ts-node/register/transpile-only test/sandbox/chartRepository.ts >"${work}/upstream.log" 2>&1 &
upstream_pid=$!
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:${port}/index.yaml" >/dev/null 2>&1 && break
  kill -0 "${upstream_pid}" 2>/dev/null || { echo "standalone-check: the loopback upstream exited:" >&2; cat "${work}/upstream.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:${port}/index.yaml" >/dev/null || { echo "standalone-check: nothing listening on 127.0.0.1:${port} after 120s" >&2; exit 1; }
echo "standalone-check: upstream = a copy of ${mirror} on http://127.0.0.1:${port}; chart cache ${work}/cache (empty)"

export CHART_MIRROR="http://127.0.0.1:${port}" CHART_CACHE="${work}/cache"
mkdir -p "${work}/empty"
# The program suite's settings without its spec (mocha adds file arguments to a config's spec, never replaces it).
tests='npx --no-install mocha --no-config --require ts-node/register/transpile-only --require test/helpers/chartsFetched.ts --extension ts --timeout 20000 test/chartFetch.test.ts test/chartMirror.test.ts test/chartValues.test.ts test/crdSchemas.test.ts test/serviceMonitors.test.ts; unit=$?
bash scripts/sandbox.sh e2e; e2e=$?
[ "${unit}" = 0 ] && [ "${e2e}" = 0 ]'
if [ -d "${shared}" ] && unshare --mount --propagation private true 2>/dev/null; then
  echo "standalone-check: ${shared} hidden behind an empty folder for this run"
  SHARED="${shared}" EMPTY="${work}/empty" exec_tests="${tests}" \
    unshare --mount --propagation private bash -c 'mount --bind "${EMPTY}" "${SHARED}" && eval "${exec_tests}"'
else
  echo "standalone-check: cannot hide ${shared} here (no mount namespace); no setting points at it, CHART_MIRROR is the loopback upstream"
  bash -c "${tests}"
fi
