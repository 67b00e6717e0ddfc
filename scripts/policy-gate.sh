#!/usr/bin/env bash
# The pull-request policy gate, as the workflow and the e2e run it:
#   bash scripts/policy-gate.sh --stack <name> [--cwd <project dir>] [--policy-config <file>] [--summary-file <file>]
# Builds the policy pack (plain JavaScript in policy/bin, so no preview type-checks it; a no-op when
# nothing changed), then previews the stack with the pack and policy/config/<stack>.json (policy/gate/main.ts).
# Exit 0: no violation, or advisory ones only; 1: a mandatory violation or a failed preview; 2: bad arguments.
# Needs Node >= 22, `npm ci` done in policy/, and the `pulumi` CLI on PATH with the stack's backend settings.
set -euo pipefail
policy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../policy" && pwd)"
npm run --silent --prefix "${policy_dir}" build >&2
exec node "${policy_dir}/bin/gate/main.js" "$@"
