# Makes a checkout ready to run, so that `npm test` and `npm run sandbox` work as the first command after
# `git clone`: a supported Node LTS first on PATH, and the program's and the policy pack's npm dependencies
# installed from their lockfiles (again whenever a lockfile changed). Source it: `. scripts/bootstrap.sh`.
_bootstrap_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "${_bootstrap_root}/scripts/ensure-node.sh" || return 1 2>/dev/null || exit 1

_bootstrap_install() {
  local dir="$1" label="$2" stamp="$1/node_modules/.installed-from-lockfile" want
  want="$(sha256sum "${dir}/package-lock.json" | cut -d' ' -f1) node $(node --version)"
  if [ "$(cat "${stamp}" 2>/dev/null)" != "${want}" ]; then
    echo "bootstrap: installing the npm dependencies of ${label} from its lockfile" >&2
    npm ci --prefix "${dir}" --no-audit --no-fund --loglevel=error >&2 || return 1
    echo "${want}" > "${stamp}"
  fi
}
_bootstrap_install "${_bootstrap_root}" "the program" && _bootstrap_install "${_bootstrap_root}/policy" "the policy pack" ||
  return 1 2>/dev/null || exit 1
unset -f _bootstrap_install
unset _bootstrap_root
