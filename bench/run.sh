#!/usr/bin/env bash
# `npm run bench -- [--runs N] [--apps 1,10,...]`: the program's scaling, as is and with V8's stack-trace
# limit at 1 (see bench/stack-scaling.ts for why both).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-node.sh
npx --no-install ts-node --transpile-only bench/stack-scaling.ts "$@"
NODE_OPTIONS=--stack-trace-limit=1 npx --no-install ts-node --transpile-only bench/stack-scaling.ts "$@"
