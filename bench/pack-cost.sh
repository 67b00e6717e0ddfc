#!/usr/bin/env bash
# `bash bench/pack-cost.sh [--runs 5]`: what the policy pack and the gate add to the sandbox stack's preview
# (issue 13; see bench/pack-cost.ts). Builds or reuses the toolchain the sandbox needs, as bench/preview.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. toolchain/env.sh
toolchain/build.sh --parallel pulumi providers minio restic etcd kube helm eso crds velero
exec node --require ts-node/register/transpile-only bench/pack-cost.ts "$@"
