#!/usr/bin/env bash
# Builds the project's offline toolchain from Go modules into toolchain/bin (git-ignored).
#
#   toolchain/build.sh                     # everything: crds pulumi providers minio restic etcd kube kwok helm promtool eso velero
#   toolchain/build.sh pulumi providers    # a subset: groups or single tools (see `--list`)
#   toolchain/build.sh --force etcd        # rebuild even if up to date
#   toolchain/build.sh --parallel          # two build streams at once (module downloads overlap compiles)
#
# Every tool is pinned by a wrapper module under toolchain/<tool>/ (go.mod + go.sum, committed). A tool is
# rebuilt only when its stamp (version + build flags + hash of its wrapper's go.mod/go.sum/*.go) changed or a
# binary is missing, so a second run is a no-op and a version bump rebuilds only that tool.
# Only the Go module proxy is used (via the go command's defaults); with -mod=readonly and the committed
# go.sum, every downloaded module is checked against a hash in this repo.
set -uo pipefail

TC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${TC_DIR}/bin"
PLUGIN_BIN="${BIN}/plugins"      # provider binaries: not on PATH, installed into PULUMI_HOME instead
STATE="${TC_DIR}/.build"
STAMPS="${STATE}/stamps"
LOGS="${STATE}/logs"
export PULUMI_HOME="${TOOLCHAIN_PULUMI_HOME:-${STATE}/pulumi-home}"

# Never let go fetch a newer toolchain; 2 cores: at most 2 parallel compiles; no VCS stamping (module zips
# have no .git). Every binary links with -s -w: no symbol table or DWARF, which the tests never read and
# which the linker spends much of its time writing (build info and stack traces stay). GOMODCACHE/GOCACHE are the user's defaults, so they persist between runs and are shared.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS="-mod=readonly -p=2 -trimpath -buildvcs=false"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

mkdir -p "${BIN}" "${PLUGIN_BIN}" "${STAMPS}" "${LOGS}" "${PULUMI_HOME}"

# ---- pins -------------------------------------------------------------------------------------------------
# Versions that the binaries report; the module versions themselves live in each wrapper's go.mod.
PULUMI_VERSION="v3.276.0"           # github.com/pulumi/pulumi/pkg/v3, the same release as the npm @pulumi/pulumi
RANDOM_VERSION="4.21.2"             # matches @pulumi/random
KUBERNETES_VERSION="4.24.1"         # matches @pulumi/kubernetes (see README: commit f47bc2d6, the one served)
MINIO_COMMIT="7aac2a2c5b7c"; MINIO_TIME="2026-02-12T20:18:48Z"
MC_COMMIT="7394ce0dd2a8";    MC_TIME="2025-08-13T08:35:41Z"
RESTIC_VERSION="0.18.1"
ETCD_VERSION="3.6.16"
KUBE_VERSION="v1.36.3"
HELM_VERSION="v3.21.4"
KWOK_VERSION="v0.8.0"
ESO_VERSION="v0.16.2"               # github.com/external-secrets/external-secrets (the binary has no version flag)
PROMTOOL_VERSION="3.16.0"           # github.com/prometheus/prometheus v0.316.0 (module v0.3XX.Y = Prometheus 3.XX.Y)
VELERO_VERSION="v1.18.3"            # github.com/vmware-tanzu/velero, the server the sandbox runs
VELERO_AWS_VERSION="v1.14.3"        # github.com/vmware-tanzu/velero-plugin-for-aws (no version flag)
# CRD sources, in the order snapshot (external-snapshotter/client/v8), monitoring (prometheus-operator), ESO.
CRDS_VERSION="v8.7.0+v0.85.0+${ESO_VERSION}"

# ---- tool table: name -> wrapper dir | reported version | outputs ----------------------------------------
declare -A DIR=(
  [pulumi]=pulumi [random]=providers/random [kubernetes]=providers/kubernetes [minio]=minio [mc]=mc
  [restic]=restic [etcd]=etcd [kube]=kube [kwok]=kube [helm]=kube [promtool]=promtool [eso]=eso [crds]=crds
  [velero]=velero [velero-aws]=velero
)
declare -A VERSION=(
  [pulumi]="${PULUMI_VERSION}" [random]="${RANDOM_VERSION}" [kubernetes]="${KUBERNETES_VERSION}"
  [minio]="${MINIO_TIME}" [mc]="${MC_TIME}" [restic]="${RESTIC_VERSION}" [etcd]="${ETCD_VERSION}"
  [kube]="${KUBE_VERSION}" [kwok]="${KWOK_VERSION}" [helm]="${HELM_VERSION}" [promtool]="${PROMTOOL_VERSION}" [eso]="${ESO_VERSION}"
  [crds]="${CRDS_VERSION}"
  [velero]="${VELERO_VERSION}" [velero-aws]="${VELERO_AWS_VERSION}"
)
declare -A OUTPUTS=(
  [pulumi]="bin/pulumi bin/pulumi-language-nodejs"
  [random]="bin/plugins/pulumi-resource-random ${PULUMI_HOME}/plugins/resource-random-v${RANDOM_VERSION}"
  [kubernetes]="bin/plugins/pulumi-resource-kubernetes ${PULUMI_HOME}/plugins/resource-kubernetes-v${KUBERNETES_VERSION}"
  [minio]="bin/minio" [mc]="bin/mc" [restic]="bin/restic" [etcd]="bin/etcd"
  [kube]="bin/kube-apiserver bin/kube-controller-manager bin/kube-scheduler"
  [kwok]="bin/kwok bin/kwok-stages" [helm]="bin/helm" [promtool]="bin/promtool"
  [eso]="bin/external-secrets"
  [crds]="bin/crds/snapshot.storage.k8s.io bin/crds/monitoring.coreos.com bin/crds/external-secrets.io bin/crds/SOURCES"
  [velero]="bin/velero" [velero-aws]="bin/velero-plugins/velero-plugin-for-aws"
)
declare -A GROUPS_=(
  [pulumi]="pulumi" [providers]="random kubernetes" [minio]="minio mc" [restic]="restic" [etcd]="etcd"
  [kube]="kube kwok" [helm]="helm" [promtool]="promtool" [eso]="eso" [crds]="crds"
  [velero]="velero velero-aws"
  [all]="crds pulumi random kubernetes minio mc restic etcd kube kwok helm promtool eso velero velero-aws"
)
ORDER="crds pulumi random kubernetes minio mc restic etcd kube kwok helm promtool eso velero velero-aws"   # cheapest and most useful first
# With --parallel, these tools form one stream and the rest the other (about equal cold times). Pulumi
# leads its stream: the providers install into its plugin cache. Tools built from one wrapper module share
# compiled packages, so they stay in one stream (kube, kwok and helm; velero and its AWS plugin): in two
# streams both would compile the shared packages at the same time.
STREAM_A="pulumi random kubernetes eso"

# Providers that the npm SDKs need but that cannot be built here: say so instead of failing every run.
NOT_BUILDABLE="minio provider (github.com/aminueza/terraform-provider-minio: AGPL-licensed, not to be used here; a labelled stand-in plays it)
onepassword provider (github.com/1Password/terraform-provider-onepassword/v2 v2.1.2: not served by the module proxy)"

# ---- build steps (one function per tool; each writes into ${BIN}) -------------------------------------------
build_pulumi() {
  local ld="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}"
  go build -tags osusergo,grpcnotrace -ldflags "${ld}" -o "${BIN}/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi &&
    # Our own language host (see pulumi/langhost/main.go for why); it reports the CLI's version.
    go build -ldflags "-s -w -X main.version=${PULUMI_VERSION#v}" -o "${BIN}/pulumi-language-nodejs" ./langhost
}

build_random() {
  # The bridge only serves this schema from GetSchema; create/read/update/delete never use it.
  printf '{"name":"random","version":"%s"}\n' "${RANDOM_VERSION}" > cmd/pulumi-resource-random/schema-embed.json &&
    go build -ldflags "-s -w -X main.version=${RANDOM_VERSION}" -o "${PLUGIN_BIN}/pulumi-resource-random" ./cmd/pulumi-resource-random &&
    install_plugin random "${RANDOM_VERSION}"
}

build_kubernetes() {
  # The binary embeds a generated schema that the module zip lacks; gen writes it from the module's sources.
  local ld="-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${KUBERNETES_VERSION}"
  go run ./gen "${KUBERNETES_VERSION}" &&
    go build -ldflags "${ld}" -o "${PLUGIN_BIN}/pulumi-resource-kubernetes" . &&
    install_plugin kubernetes "${KUBERNETES_VERSION}"
}

build_minio() {
  local p=github.com/minio/minio/cmd tag="DEVELOPMENT.${MINIO_TIME//:/-}"
  go build -tags kqueue -ldflags "-s -w -X ${p}.Version=${MINIO_TIME} -X ${p}.ReleaseTag=${tag} -X ${p}.CommitID=${MINIO_COMMIT} -X ${p}.ShortCommitID=${MINIO_COMMIT} -X ${p}.CopyrightYear=${MINIO_TIME:0:4}" \
    -o "${BIN}/minio" github.com/minio/minio
}

build_mc() {
  local p=github.com/minio/mc/cmd tag="RELEASE.${MC_TIME//:/-}"
  go build -ldflags "-s -w -X ${p}.Version=${MC_TIME} -X ${p}.ReleaseTag=${tag} -X ${p}.CommitID=${MC_COMMIT} -X ${p}.ShortCommitID=${MC_COMMIT} -X ${p}.CopyrightYear=${MC_TIME:0:4}" \
    -o "${BIN}/mc" github.com/minio/mc
}

build_restic() {
  # restic's version string is a constant in its source at the release tag; nothing to stamp.
  go build -ldflags "-s -w" -o "${BIN}/restic" github.com/restic/restic/cmd/restic
}

build_etcd() {
  go build -ldflags "-s -w" -o "${BIN}/etcd" go.etcd.io/etcd/server/v3
}

build_kube() {
  local ld="-s -w" minor
  minor="$(echo "${KUBE_VERSION}" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X ${p}.gitVersion=${KUBE_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor} -X ${p}.gitTreeState=clean"
  done
  go build -ldflags "${ld}" -o "${BIN}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
    go build -ldflags "${ld}" -o "${BIN}/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager &&
    go build -ldflags "${ld}" -o "${BIN}/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler
}

build_kwok() {
  # kwok refuses to start without Stage definitions; the ones its module ships make nodes Ready and pods
  # Running/Ready at once, and keep node heartbeats going.
  local mod stages="${BIN}/kwok-stages"
  go build -ldflags "-s -w" -o "${BIN}/kwok" sigs.k8s.io/kwok/cmd/kwok &&
    mod="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)" &&
    rm -rf "${stages}" && mkdir -p "${stages}" &&
    cp "${mod}"/kustomize/stage/node/fast/node-initialize.yaml "${mod}"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
      "${mod}"/kustomize/stage/pod/fast/pod-ready.yaml "${mod}"/kustomize/stage/pod/fast/pod-complete.yaml \
      "${mod}"/kustomize/stage/pod/fast/pod-delete.yaml "${stages}/" &&
    chmod -R u+w "${stages}"
}

build_helm() {
  # Without the Kubernetes version stamped, helm assumes v1.20 and refuses charts with a newer kubeVersion.
  local minor ld="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  minor="$(echo "${KUBE_VERSION}" | cut -d. -f2)"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ld+=" -X ${p}.k8sVersionMajor=1 -X ${p}.k8sVersionMinor=${minor}"
  done
  go build -ldflags "${ld}" -o "${BIN}/helm" helm.sh/helm/v3/cmd/helm
}

build_promtool() {
  # remove_all_sd is upstream's tag for leaving out the service-discovery plugins (every cloud's SDK): the
  # tests only check and unit-test rule files, and the tag halves what is compiled.
  local p=github.com/prometheus/common/version
  go build -tags remove_all_sd -ldflags "-s -w -X ${p}.Version=${PROMTOOL_VERSION} -X ${p}.Revision=v0.316.0 -X ${p}.Branch=HEAD" \
    -o "${BIN}/promtool" github.com/prometheus/prometheus/cmd/promtool
}

build_eso() {
  # Our main is upstream's (cmd/controller's Execute). Stripped like the kubernetes provider (220 MB
  # unstripped). The CRDs of this release come from build_crds, so unit tests need not build ESO.
  go build -ldflags "-s -w" -o "${BIN}/external-secrets" .
}

build_crds() {
  # Nothing is compiled: the CRDs are data in three module zips, downloaded (and checked against go.sum) and
  # copied by API group. SOURCES records the module version each folder came from (verify.sh checks it).
  local out="${BIN}/crds" group mod files dir
  local table="snapshot.storage.k8s.io github.com/kubernetes-csi/external-snapshotter/client/v8 config/crd/snapshot.storage.k8s.io_*.yaml
monitoring.coreos.com github.com/prometheus-operator/prometheus-operator example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
external-secrets.io github.com/external-secrets/external-secrets config/crds/bases/*external-secrets.io_*.yaml"
  go mod download -json $(cut -d' ' -f2 <<<"${table}") && rm -rf "${out}" && mkdir -p "${out}" || return 1
  while read -r group mod files; do
    dir="$(go list -m -f '{{.Dir}}' "${mod}")" && mkdir -p "${out}/${group}" &&
      (cd "${dir}" && cp ${files} "${out}/${group}/") &&
      printf '%s\t%s\n' "${group}" "$(go list -m -f '{{.Path}}@{{.Version}}' "${mod}")" >> "${out}/SOURCES" || return 1
  done <<<"${table}"
  # Module files are read-only in the module cache.
  chmod -R u+w "${out}"
}

build_velero() {
  # Our main is upstream's cmd/velero (a main package, which cannot be imported). The version goes where
  # velero's own hack/build.sh puts it, so `velero version` and the server's start-up line report it.
  local p=github.com/vmware-tanzu/velero/pkg/buildinfo
  go build -ldflags "-s -w -X ${p}.Version=${VELERO_VERSION} -X ${p}.GitTreeState=clean" -o "${BIN}/velero" .
}

build_velero-aws() {
  # Alone in its folder: velero runs every executable in --plugin-dir as a plugin.
  mkdir -p "${BIN}/velero-plugins" &&
    go build -ldflags "-s -w" -o "${BIN}/velero-plugins/velero-plugin-for-aws" github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws
}

# Registers a provider binary in the plugin cache under its pinned version, so that `pulumi plugin ls`
# shows it and the engine finds it without ever downloading.
install_plugin() {
  local name=$1 ver=$2
  "${BIN}/pulumi" plugin install resource "${name}" "${ver}" --file "${PLUGIN_BIN}/pulumi-resource-${name}" --reinstall
}

# ---- machinery -------------------------------------------------------------------------------------------
# Runs this script twice at once, on the wanted tools of STREAM_A and on the others; fails if either does.
build_in_two_streams() {
  local a=() b=() t pids=() status=0 force=()
  [ "${FORCE}" = 1 ] && force=(--force)
  for t in ${ORDER}; do
    [ -n "${WANT[$t]:-}" ] || continue
    if [[ " ${STREAM_A} " == *" ${t} "* ]]; then a+=("$t"); else b+=("$t"); fi
  done
  # An empty list would mean "everything" to the sub-run.
  [ ${#a[@]} -gt 0 ] && { bash "${BASH_SOURCE[0]}" "${force[@]}" "${a[@]}" & pids+=($!); }
  [ ${#b[@]} -gt 0 ] && { bash "${BASH_SOURCE[0]}" "${force[@]}" "${b[@]}" & pids+=($!); }
  for t in "${pids[@]}"; do wait "$t" || status=1; done
  [ "${status}" = 0 ] || { echo "toolchain: FAILED (see the stream output above)" >&2; exit 1; }
}

stamp_of() {
  local t=$1 d="${TC_DIR}/${DIR[$1]}"
  {
    echo "tool=${t} version=${VERSION[$t]} go=$(go env GOVERSION) flags=${GOFLAGS}"
    declare -f "build_${t}"
    (cd "${d}" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -not -name '*_test.go' | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

outputs_present() {
  local o
  for o in ${OUTPUTS[$1]}; do
    case "$o" in /*) ;; *) o="${TC_DIR}/${o}" ;; esac
    [ -e "$o" ] || return 1
  done
}

usage() {
  echo "usage: toolchain/build.sh [--force] [--parallel] [--list] [GROUP|TOOL]..."
  echo "groups: crds pulumi providers minio restic etcd kube helm promtool eso velero all (default: all)"
  echo "tools:  ${ORDER}"
}

main() {
  FORCE=0
  PARALLEL=0
  REQ=()
  for a in "$@"; do
    case "$a" in
      --force) FORCE=1 ;;
      --parallel) PARALLEL=1 ;;
      --list) for t in ${ORDER}; do printf '%-8s %-22s %s\n' "$t" "${VERSION[$t]}" "${OUTPUTS[$t]}"; done; exit 0 ;;
      -h|--help) usage; exit 0 ;;
      *) REQ+=("$a") ;;
    esac
  done
  [ ${#REQ[@]} -eq 0 ] && REQ=(all)

  # Expand groups and keep the canonical order.
  declare -A WANT=()
  for r in "${REQ[@]}"; do
    if [ -n "${GROUPS_[$r]:-}" ]; then
      for t in ${GROUPS_[$r]}; do WANT[$t]=1; done
    elif [ -n "${DIR[$r]:-}" ]; then
      WANT[$r]=1
    else
      echo "toolchain: unknown tool or group '$r'" >&2; usage >&2; exit 2
    fi
  done

  command -v go >/dev/null || { echo "toolchain: FAILED: 'go' is not on PATH (need Go >= 1.26)" >&2; exit 1; }

  # Providers are installed with the pulumi binary: make sure it exists first.
  if { [ -n "${WANT[random]:-}" ] || [ -n "${WANT[kubernetes]:-}" ]; } && [ -z "${WANT[pulumi]:-}" ] && [ ! -x "${BIN}/pulumi" ]; then
    WANT[pulumi]=1
  fi

  if [ "${PARALLEL}" = 1 ]; then
    build_in_two_streams
    return
  fi

  FAILED=()
  SUMMARY=()
  T0=$(date +%s)
  for t in ${ORDER}; do
    [ -n "${WANT[$t]:-}" ] || continue
    s="$(stamp_of "$t")"
    if [ "${FORCE}" = 0 ] && outputs_present "$t" && [ "$(cat "${STAMPS}/${t}" 2>/dev/null)" = "$s" ]; then
      SUMMARY+=("$(printf '%-8s %-22s %s' "$t" "${VERSION[$t]}" "up to date")")
      continue
    fi
    echo "toolchain: building ${t} ${VERSION[$t]} (log: ${LOGS}/${t}.log)"
    start=$(date +%s)
    if (cd "${TC_DIR}/${DIR[$t]}" && "build_${t}") > "${LOGS}/${t}.log" 2>&1; then
      took=$(( $(date +%s) - start ))
      echo "$s" > "${STAMPS}/${t}"
      echo "toolchain: built ${t} in ${took}s"
      SUMMARY+=("$(printf '%-8s %-22s built in %ss' "$t" "${VERSION[$t]}" "$took")")
      printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${VERSION[$t]}" "$took" >> "${STATE}/timings.tsv"
    else
      took=$(( $(date +%s) - start ))
      rm -f "${STAMPS}/${t}"
      echo "toolchain: FAILED building ${t} ${VERSION[$t]} after ${took}s; last lines of ${LOGS}/${t}.log:" >&2
      tail -n 25 "${LOGS}/${t}.log" | sed 's/^/  | /' >&2
      FAILED+=("$t")
      SUMMARY+=("$(printf '%-8s %-22s FAILED' "$t" "${VERSION[$t]}")")
    fi
  done

  echo "toolchain: summary ($(( $(date +%s) - T0 ))s total)"
  printf '  %s\n' "${SUMMARY[@]}"
  if [ -n "${WANT[random]:-}" ]; then
    echo "toolchain: not built here (stand-ins labelled as such play them in the sandbox):"
    echo "${NOT_BUILDABLE}" | sed 's/^/  - /'
  fi
  if [ ${#FAILED[@]} -gt 0 ]; then
    echo "toolchain: FAILED: ${FAILED[*]}" >&2
    exit 1
  fi
}

# One line: bash reads a script as it runs it, so main and exit go together and an edit made during a
# build is never half-read.
main "$@"; exit $?
