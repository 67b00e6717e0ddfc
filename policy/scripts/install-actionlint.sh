#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy into the git-ignored
# <repo>/.cache/bin and prints the binary's path. Exit 3 when Go is missing, so callers can tell
# "can't install here" from a failed build.
set -euo pipefail

ACTIONLINT_VERSION="v1.7.12"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${ACTIONLINT_BIN_DIR:-${repo_root}/.cache/bin}"
binary="${bin_dir}/actionlint"

if ! command -v go >/dev/null 2>&1; then
  echo "install-actionlint: Go is not installed; cannot build actionlint ${ACTIONLINT_VERSION}" >&2
  exit 3
fi
if [ ! -x "${binary}" ] || [ "$("${binary}" -version | head -n 1)" != "${ACTIONLINT_VERSION}" ]; then
  echo "install-actionlint: building actionlint ${ACTIONLINT_VERSION} into ${bin_dir}" >&2
  mkdir -p "${bin_dir}"
  GOBIN="${bin_dir}" go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" >&2
fi
echo "${binary}"
