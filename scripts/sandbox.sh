#!/usr/bin/env bash
# Entry point of `npm run sandbox` and `npm run test:e2e`: builds or reuses the toolchain the sandbox needs,
# then runs the given command with it on PATH.
#   scripts/sandbox.sh sandbox [up|down]
#   scripts/sandbox.sh e2e [mocha args...]
#   scripts/sandbox.sh crash [mocha args...]   # the crash-safety suite (test/e2e/crashSafety.faults.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. scripts/bootstrap.sh
# shellcheck disable=SC1091
. toolchain/env.sh

toolchain/build.sh --parallel pulumi providers minio restic etcd kube helm eso crds velero


what="$1"; shift
case "${what}" in
  sandbox) exec node --require ts-node/register/transpile-only scripts/sandbox.ts "$@" ;;
  e2e) exec npx --no-install mocha --config test/e2e/.mocharc.json "$@" ;;
  # Its own file pattern, so the e2e suite's spec does not pick it up: it runs on its own budget (scripts/test.sh).
  # No config file: mocha would add the e2e spec to the file named here.
  crash) exec npx --no-install mocha --no-config --require ts-node/register/transpile-only --extension ts --timeout 900000 \
    test/e2e/crashSafety.faults.ts "$@" ;;
  *) echo "usage: scripts/sandbox.sh sandbox [up|down] | e2e [mocha args] | crash [mocha args]" >&2; exit 2 ;;
esac
