#!/usr/bin/env bash
# Entry point of `npm run sandbox` and `npm run test:e2e`: builds or reuses the toolchain the sandbox needs,
# then runs the given command with it on PATH.
#   scripts/sandbox.sh sandbox [up|down]
#   scripts/sandbox.sh e2e [mocha args...]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. toolchain/env.sh

toolchain/build.sh pulumi providers minio restic etcd kube

# helm renders the charts; not in toolchain/build.sh yet, so it is built here from the Go module proxy.
HELM_VERSION="v3.21.4"
tools=".cache/sandbox-tools/bin"
if [ "$("${tools}/helm" version --short 2>/dev/null | cut -d+ -f1)" != "${HELM_VERSION}" ]; then
  echo "sandbox: building helm ${HELM_VERSION} into ${tools}"
  mkdir -p "${tools}"
  p=helm.sh/helm/v3
  GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -p=2" GOBIN="$(pwd)/${tools}" go install \
    -ldflags "-X ${p}/internal/version.version=${HELM_VERSION} -X ${p}/pkg/chartutil.k8sVersionMajor=1 -X ${p}/pkg/chartutil.k8sVersionMinor=36" \
    "${p}/cmd/helm@${HELM_VERSION}"
fi
# The e2e policy test runs the policy pack, which needs its own node_modules.
[ -d policy/node_modules/@pulumi/policy ] || npm --prefix policy ci --no-audit --no-fund --loglevel=error

what="$1"; shift
case "${what}" in
  sandbox) exec node --require ts-node/register/transpile-only scripts/sandbox.ts "$@" ;;
  e2e) exec npx --no-install mocha --config test/e2e/.mocharc.json "$@" ;;
  *) echo "usage: scripts/sandbox.sh sandbox [up|down] | e2e [mocha args]" >&2; exit 2 ;;
esac
