#!/usr/bin/env bash
# Whether a Node binary is one the project supports (package.json `engines.node`):
#   bash scripts/check-node.sh [NODE]     # NODE: a path or a command name; default `node` from PATH
# Exit 0 and silent when it is; otherwise one line on stderr naming the binary (path and version) and the
# range needed, and exit 1 (2: the range in package.json is not one this script reads).
# Plain bash on purpose: it has to work when the Node it checks is too old, broken or missing.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
range="$(sed -n '/"engines"/,/}/s/^ *"node": *"\([^"]*\)".*/\1/p' "${root}/package.json")"
hint="put a Node in that range first on PATH (scripts/ensure-node.sh installs the pinned LTS into .cache)"

refuse() {
  echo "check-node: $1, but this project needs Node ${range} (package.json engines); ${hint}" >&2
  exit 1
}

# "v24.1.0" or "24.1" -> 24001000, so that versions compare as integers.
as_number() {
  local major minor patch
  IFS=. read -r major minor patch <<<"${1#v}"
  echo $(( ${major:-0} * 1000000 + ${minor:-0} * 1000 + ${patch:-0} ))
}

node_bin="${1:-node}"
if [[ "${node_bin}" == */* ]]; then where=""; else where=" on PATH (${PATH})"; fi
resolved="$(command -v -- "${node_bin}" 2>/dev/null)" || refuse "no executable '${node_bin}'${where}"
# `command -v` leaves a bare name for builtins; a real file is what is checked.
[ -x "${resolved}" ] && node_bin="$(cd "$(dirname "${resolved}")" && pwd)/$(basename "${resolved}")"
version="$("${node_bin}" --version 2>&1)" || refuse "${node_bin} --version failed: ${version:-no output}"
version="${version%%$'\n'*}"
[[ "${version}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || refuse "${node_bin} printed '${version}' for --version, not a Node version"

[ -n "${range}" ] || { echo "check-node: no engines.node in ${root}/package.json" >&2; exit 2; }
found="$(as_number "${version}")"
for comparator in ${range}; do
  # Comparators only (">=22 <27"): a bare "22" would mean 22.x in npm's semver, which this does not model.
  [[ "${comparator}" =~ ^(>=|<=|>|<|=)v?([0-9]+(\.[0-9]+){0,2})$ ]] || {
    echo "check-node: cannot read engines.node '${range}' in ${root}/package.json" >&2; exit 2; }
  bound="$(as_number "${BASH_REMATCH[2]}")"
  case "${BASH_REMATCH[1]}" in
    ">=") (( found >= bound )) ;;
    "<=") (( found <= bound )) ;;
    ">") (( found > bound )) ;;
    "<") (( found < bound )) ;;
    "=") (( found == bound )) ;;
  esac || refuse "${node_bin} is Node ${version}"
done
