#!/usr/bin/env bash
# `npm run bench:preview -- [--runs 3] [--apps 1,20,100] [--restic-mib 256]`: issue 7 items 3–5 on one
# sandbox (see bench/preview.ts). Builds or reuses the toolchain the sandbox needs, as scripts/sandbox.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. toolchain/env.sh
toolchain/build.sh --parallel pulumi providers minio restic etcd kube helm eso crds velero
if ! command -v kubectl >/dev/null; then
  # The GitOps baseline is kubectl's server-side dry-run; Debian packages it.
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq kubectl >/dev/null
  else
    echo "bench:preview needs kubectl on PATH (apt-get install -y kubectl)" >&2; exit 2
  fi
fi
exec node --require ts-node/register/transpile-only bench/preview.ts "$@"
