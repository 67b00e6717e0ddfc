# Source this file (`. toolchain/env.sh`) to use the binaries that toolchain/build.sh built.
# It only sets variables: nothing is built or downloaded here.
#
#   PATH         toolchain/bin first (pulumi, pulumi-language-nodejs, pulumi-resource-*, minio, mc,
#                restic, etcd, kube-apiserver, kube-controller-manager), and a supported Node (22-26) via
#                scripts/ensure-node.sh when the system one is not (the SDK needs it).
#   PULUMI_HOME  a git-ignored directory holding the plugin cache that build.sh filled, so the user's
#                ~/.pulumi is never read or written.
#   PULUMI_*     no update check, no plugin download: a missing plugin is an error, not a fetch.

_tc_dir="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
_tc_repo="$(cd "${_tc_dir}/.." && pwd)"

export TOOLCHAIN_DIR="${_tc_dir}"
export TOOLCHAIN_BIN="${_tc_dir}/bin"
case ":${PATH}:" in
  *":${TOOLCHAIN_BIN}:"*) ;;
  *) export PATH="${TOOLCHAIN_BIN}:${PATH}" ;;
esac

export PULUMI_HOME="${TOOLCHAIN_PULUMI_HOME:-${_tc_dir}/.build/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# No telemetry or service calls from tests.
export PULUMI_SKIP_CONFIRMATIONS=true

if [ -f "${_tc_repo}/scripts/ensure-node.sh" ]; then
  # shellcheck disable=SC1091
  . "${_tc_repo}/scripts/ensure-node.sh" || { unset _tc_dir _tc_repo; return 1 2>/dev/null || exit 1; }
fi

unset _tc_dir _tc_repo
