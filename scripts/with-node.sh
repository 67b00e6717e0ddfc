#!/usr/bin/env bash
# Runs a command on a supported Node: `bash scripts/with-node.sh <command> [args...]`, the npm scripts'
# wrapper. npm runs a script with whatever `node` is first on PATH (the system's may be too old), so this
# puts the pinned LTS first when needed (scripts/ensure-node.sh) or stops, naming the Node it found.
set -euo pipefail
# shellcheck disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh"
exec "$@"
