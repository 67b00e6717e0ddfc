#!/usr/bin/env bash
# Entry point of `npm run sandbox` and `npm run test:e2e`: builds or reuses the toolchain the sandbox needs,
# then runs the given command with it on PATH.
#   scripts/sandbox.sh sandbox [up|down]
#   scripts/sandbox.sh e2e [mocha args...]
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
  *) echo "usage: scripts/sandbox.sh sandbox [up|down] | e2e [mocha args]" >&2; exit 2 ;;
esac
