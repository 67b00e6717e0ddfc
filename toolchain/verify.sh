#!/usr/bin/env bash
# Verifies the toolchain that toolchain/build.sh built. Prints one line per check and, last,
# "N passed, N failed, N skipped"; exits non-zero if any check failed.
#
#   toolchain/verify.sh            # all checks
#   toolchain/verify.sh --quick    # versions and plugin cache only (no pulumi up, no servers)
#
# Nothing here downloads: plugin acquisition is disabled, the Pulumi backend is a temporary directory, and
# the servers listen on 127.0.0.1 only.
set -uo pipefail

TC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC1091
. "${TC_DIR}/env.sh" || exit 1

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

PASS=0; FAIL=0; SKIP=0
WORK="$(mktemp -d "${TMPDIR:-/tmp}/toolchain-verify.XXXXXX")"
PIDS=()
cleanup() {
  local i p n
  # Newest first: kube-apiserver never exits on SIGTERM once etcd is gone, so stop it before etcd.
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do kill "${PIDS[$i]}" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for n in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "${WORK}"
}
trap cleanup EXIT

ok()   { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/       | /'; }
skip() { SKIP=$((SKIP + 1)); echo "skip - $1"; }

# expect_output NAME WANT CMD...: the command succeeds and its output contains WANT.
expect_output() {
  local name=$1 want=$2; shift 2
  local out
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
    bad "${name}: $1 not found (run toolchain/build.sh)"; return
  fi
  out="$("$@" 2>&1)"
  if [ $? -eq 0 ] && grep -qF -- "${want}" <<<"${out}"; then ok "${name}: ${want}"; else bad "${name}: expected '${want}'" "${out}"; fi
}

# Free TCP port on 127.0.0.1, chosen by the kernel.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# wait_for CMD...: retries a readiness probe for up to 60 s.
wait_for() { local i; for i in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }

echo "# binaries report their pinned versions"
expect_output "pulumi version" "v3.276.0" pulumi version
expect_output "language host" "3.276.0" pulumi-language-nodejs --version
expect_output "random provider" "4.21.2" "${TOOLCHAIN_BIN}/plugins/pulumi-resource-random" -version
expect_output "minio" "7aac2a2c5b7c" minio --version
expect_output "mc" "RELEASE.2025-08-13T08-35-41Z" mc --version
expect_output "restic" "restic 0.18.1" restic version
expect_output "etcd" "etcd Version: 3.6.16" etcd --version
expect_output "kube-apiserver" "Kubernetes v1.36.3" kube-apiserver --version
expect_output "kube-controller-manager" "Kubernetes v1.36.3" kube-controller-manager --version
expect_output "kube-scheduler" "Kubernetes v1.36.3" kube-scheduler --version
expect_output "kwok" "v0.8.0" kwok --version
expect_output "helm" "v3.21.4" helm version --short
expect_output "promtool" "version 3.16.0" promtool --version
# The ESO binary has no version flag; its build info names the module version it was built from.
expect_output "external-secrets" "github.com/external-secrets/external-secrets	v0.16.2" go version -m "${TOOLCHAIN_BIN}/external-secrets"
# Velero from its build info and its own stamp (pkg/buildinfo); the AWS plugin has only its build info.
expect_output "velero (build info)" "github.com/vmware-tanzu/velero	v1.18.3" go version -m "${TOOLCHAIN_BIN}/velero"
expect_output "velero" "Version: v1.18.3" "${TOOLCHAIN_BIN}/velero" version --client-only
expect_output "velero-plugin-for-aws" "github.com/vmware-tanzu/velero-plugin-for-aws	v1.14.3" go version -m "${TOOLCHAIN_BIN}/velero-plugins/velero-plugin-for-aws"

echo "# helm renders a chart that requires a current Kubernetes (its default would be v1.20)"
if command -v helm >/dev/null; then
  mkdir -p "${WORK}/chart/templates"
  printf 'apiVersion: v2\nname: verify\nversion: 0.1.0\nkubeVersion: ">=1.30.0-0"\n' > "${WORK}/chart/Chart.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: verify\ndata:\n  kube: "{{ .Capabilities.KubeVersion.Version }}"\n' > "${WORK}/chart/templates/cm.yaml"
  out="$(helm template verify "${WORK}/chart" 2>&1)"
  if [ $? -eq 0 ] && grep -q 'kube: "v1.36.0"' <<<"${out}"; then ok "helm template with kubeVersion >=1.30 (defaults to v1.36)"; else bad "helm template" "${out}"; fi
else
  bad "helm missing: cannot run the template check"
fi

echo "# provider plugins are in the local plugin cache at their pinned versions"
plugins="$(pulumi plugin ls 2>&1)"
for p in "random 4.21.2" "kubernetes 4.24.1"; do
  set -- $p
  if grep -Eq "^$1 +resource +${2//./\\.} " <<<"${plugins}"; then ok "plugin ls: $p"; else bad "plugin ls: $p" "${plugins}"; fi
done
# These two cannot be built offline (their modules are not served); see toolchain/README.md.
for p in "minio 0.17.1" "onepassword 1.1.3"; do
  set -- $p
  if grep -Eq "^$1 +resource +${2//./\\.} " <<<"${plugins}"; then ok "plugin ls: $p"; else skip "plugin ls: $p (not buildable offline)"; fi
done

echo "# CRDs are those of the pinned modules"
CRDS="${TOOLCHAIN_BIN}/crds"
want_sources="snapshot.storage.k8s.io	github.com/kubernetes-csi/external-snapshotter/client/v8@v8.7.0
monitoring.coreos.com	github.com/prometheus-operator/prometheus-operator@v0.85.0
external-secrets.io	github.com/external-secrets/external-secrets@v0.16.2"
if [ "$(cat "${CRDS}/SOURCES" 2>&1)" = "${want_sources}" ]; then ok "crds/SOURCES: the pinned module versions"; else bad "crds/SOURCES (run toolchain/build.sh crds)" "$(cat "${CRDS}/SOURCES" 2>&1)"; fi
for want in "snapshot.storage.k8s.io VolumeSnapshot VolumeSnapshotClass VolumeSnapshotContent" \
  "monitoring.coreos.com PrometheusRule ServiceMonitor" "external-secrets.io ClusterSecretStore ExternalSecret SecretStore"; do
  set -- ${want}
  group=$1; shift
  # spec.names.kind sits at this indentation in every CRD file.
  kinds="$(cat "${CRDS}/${group}"/*.yaml 2>/dev/null | sed -n 's/^    kind: //p' | sort -u)"
  missing="$(for k in "$@"; do grep -qx "$k" <<<"${kinds}" || printf '%s ' "$k"; done)"
  if [ -z "${missing}" ]; then ok "crds/${group}: $*"; else bad "crds/${group} lacks: ${missing% } (run toolchain/build.sh crds)" "${kinds}"; fi
done

if [ "${QUICK}" = 1 ]; then
  echo "${PASS} passed, ${FAIL} failed, ${SKIP} skipped"
  [ "${FAIL}" -eq 0 ]; exit
fi

echo "# the real engine runs a TypeScript program with the random provider, offline"
VERIFY_DIR="${TC_DIR}/verify"
if [ ! -d "${VERIFY_DIR}/node_modules/@pulumi/random" ]; then
  # --ignore-scripts: provider packages' install scripts try to download plugins.
  (cd "${VERIFY_DIR}" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) > "${WORK}/npm.log" 2>&1 ||
    bad "npm ci in toolchain/verify" "$(cat "${WORK}/npm.log")"
fi
export PULUMI_BACKEND_URL="file://${WORK}/backend"
export PULUMI_CONFIG_PASSPHRASE="toolchain-verify"
mkdir -p "${WORK}/backend"
# A copy, so no stack files land in the repo and parallel runs don't collide.
cp -r "${VERIFY_DIR}/program" "${WORK}/program"
ln -s "${VERIFY_DIR}/node_modules" "${WORK}/node_modules"
cp -r "${VERIFY_DIR}/policy" "${WORK}/policy"
STACK="verify"
(
  cd "${WORK}/program" || exit 1
  pulumi stack init "${STACK}" --non-interactive > "${WORK}/init.log" 2>&1 || { cat "${WORK}/init.log"; exit 1; }
) && ok "stack init on a file backend" || bad "stack init on a file backend" "$(cat "${WORK}/init.log")"

out="$(cd "${WORK}/program" && pulumi up --yes --non-interactive --skip-preview --stack "${STACK}" 2>&1)"
if [ $? -eq 0 ] && grep -q "3 created" <<<"${out}"; then ok "pulumi up (random provider) created 3 resources"; else bad "pulumi up" "${out}"; fi

out="$(cd "${WORK}/program" && pulumi stack output petName --stack "${STACK}" 2>&1)"
if [ $? -eq 0 ] && grep -Eq '^[a-z]+-[a-z]+$' <<<"${out}"; then ok "stack output from the provider: ${out}"; else bad "stack output petName" "${out}"; fi

echo "# a mandatory policy violation fails a preview"
out="$(cd "${WORK}/program" && pulumi preview --non-interactive --stack "${STACK}" --policy-pack "${WORK}/policy" 2>&1)"
rc=$?
if [ ${rc} -ne 0 ] && grep -q "no-random-passwords" <<<"${out}" && grep -q "mandatory" <<<"${out}"; then
  ok "preview with a mandatory policy violation exits ${rc}"
else
  bad "preview with a mandatory violation should fail (rc=${rc})" "${out}"
fi

out="$(cd "${WORK}/program" && pulumi destroy --yes --non-interactive --skip-preview --stack "${STACK}" 2>&1)"
if [ $? -eq 0 ] && grep -q "3 deleted" <<<"${out}"; then ok "pulumi destroy deleted 3 resources"; else bad "pulumi destroy" "${out}"; fi

echo "# MinIO over TLS, driven by mc and restic"
if command -v minio >/dev/null && command -v mc >/dev/null && command -v restic >/dev/null && command -v openssl >/dev/null; then
  mkdir -p "${WORK}/minio/certs" "${WORK}/minio/data" "${WORK}/mc"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "${WORK}/minio/certs/private.key" -out "${WORK}/minio/certs/public.crt" > "${WORK}/openssl.log" 2>&1
  port="$(free_port)"; cport="$(free_port)"
  MINIO_ROOT_USER=verifyadmin MINIO_ROOT_PASSWORD=verify-secret-123 \
    minio server --quiet --certs-dir "${WORK}/minio/certs" --address "127.0.0.1:${port}" \
    --console-address "127.0.0.1:${cport}" "${WORK}/minio/data" > "${WORK}/minio.log" 2>&1 &
  PIDS+=($!)
  ca="${WORK}/minio/certs/public.crt"
  if wait_for curl -sf --cacert "${ca}" "https://127.0.0.1:${port}/minio/health/ready"; then
    ok "minio serves TLS on 127.0.0.1:${port}"
    mkdir -p "${WORK}/mc/certs/CAs" && cp "${ca}" "${WORK}/mc/certs/CAs/"
    out="$(mc --config-dir "${WORK}/mc" alias set v "https://127.0.0.1:${port}" verifyadmin verify-secret-123 2>&1 &&
      mc --config-dir "${WORK}/mc" mb v/restic 2>&1)"
    if [ $? -eq 0 ]; then ok "mc: alias over TLS and bucket created"; else bad "mc over TLS" "${out}"; fi
    export AWS_ACCESS_KEY_ID=verifyadmin AWS_SECRET_ACCESS_KEY=verify-secret-123 RESTIC_PASSWORD=verify-restic
    repo="s3:https://127.0.0.1:${port}/restic"
    echo "backup me" > "${WORK}/payload.txt"
    out="$(restic -r "${repo}" --cacert "${ca}" init 2>&1 && restic -r "${repo}" --cacert "${ca}" backup "${WORK}/payload.txt" 2>&1 &&
      restic -r "${repo}" --cacert "${ca}" check 2>&1)"
    if [ $? -eq 0 ]; then ok "restic init/backup/check against MinIO over TLS"; else bad "restic against MinIO over TLS" "${out}"; fi
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY RESTIC_PASSWORD
  else
    bad "minio did not become ready" "$(cat "${WORK}/minio.log")"
  fi
else
  bad "minio/mc/restic/openssl missing: cannot run the TLS check"
fi

echo "# etcd + kube-apiserver + kube-controller-manager serve a cluster API"
if command -v etcd >/dev/null && command -v kube-apiserver >/dev/null && command -v kube-controller-manager >/dev/null; then
  k="${WORK}/kube"; mkdir -p "${k}/etcd" "${k}/certs"
  eport="$(free_port)"; epeer="$(free_port)"; aport="$(free_port)"
  etcd --data-dir "${k}/etcd" --listen-client-urls "http://127.0.0.1:${eport}" \
    --advertise-client-urls "http://127.0.0.1:${eport}" --listen-peer-urls "http://127.0.0.1:${epeer}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${epeer}" --initial-cluster "default=http://127.0.0.1:${epeer}" \
    > "${WORK}/etcd.log" 2>&1 &
  PIDS+=($!)
  if wait_for curl -sf "http://127.0.0.1:${eport}/health"; then
    ok "etcd healthy"
    openssl genrsa -out "${k}/sa.key" 2048 > /dev/null 2>&1
    openssl rsa -in "${k}/sa.key" -pubout -out "${k}/sa.pub" > /dev/null 2>&1
    token="verify-$(date +%s%N)"
    echo "${token},admin,admin,system:masters" > "${k}/tokens.csv"
    kube-apiserver --etcd-servers "http://127.0.0.1:${eport}" --bind-address 127.0.0.1 --secure-port "${aport}" \
      --cert-dir "${k}/certs" --service-account-issuer https://kubernetes.default.svc \
      --service-account-key-file "${k}/sa.pub" --service-account-signing-key-file "${k}/sa.key" \
      --token-auth-file "${k}/tokens.csv" --authorization-mode RBAC --service-cluster-ip-range 10.0.0.0/24 \
      > "${WORK}/apiserver.log" 2>&1 &
    PIDS+=($!)
    if wait_for curl -skf -H "Authorization: Bearer ${token}" "https://127.0.0.1:${aport}/readyz"; then
      v="$(curl -sk -H "Authorization: Bearer ${token}" "https://127.0.0.1:${aport}/version")"
      if grep -q '"gitVersion": "v1.36.3"' <<<"${v}"; then ok "kube-apiserver ready, /version v1.36.3"; else bad "kube-apiserver /version" "${v}"; fi
      cat > "${k}/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: verify, cluster: {server: "https://127.0.0.1:${aport}", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "${token}"}}]
contexts: [{name: verify, context: {cluster: verify, user: admin}}]
current-context: verify
EOF
      kube-controller-manager --kubeconfig "${k}/kubeconfig" --bind-address 127.0.0.1 --secure-port 0 \
        --service-account-private-key-file "${k}/sa.key" > "${WORK}/kcm.log" 2>&1 &
      PIDS+=($!)
      # Namespace deletion only completes when the controller manager's namespace controller runs.
      api() { curl -sk -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" "$@"; }
      api -X POST "https://127.0.0.1:${aport}/api/v1/namespaces" -d '{"metadata":{"name":"verify-ns"}}' > /dev/null
      api -X DELETE "https://127.0.0.1:${aport}/api/v1/namespaces/verify-ns" > /dev/null
      gone() { [ "$(api -o /dev/null -w '%{http_code}' "https://127.0.0.1:${aport}/api/v1/namespaces/verify-ns")" = 404 ]; }
      if wait_for gone; then ok "kube-controller-manager finalized a namespace deletion"; else bad "namespace deletion did not finish" "$(tail -n 20 "${WORK}/kcm.log")"; fi

      echo "# External Secrets syncs an ExternalSecret from its built-in fake provider into a Secret"
      if command -v external-secrets >/dev/null && [ -d "${CRDS}/external-secrets.io" ]; then
        for crd in "${CRDS}"/external-secrets.io/*.yaml; do
          curl -sk -H "Authorization: Bearer ${token}" -H "Content-Type: application/yaml" --data-binary "@${crd}" \
            "https://127.0.0.1:${aport}/apis/apiextensions.k8s.io/v1/customresourcedefinitions" > /dev/null
        done
        # Only the reconcilers (no webhook, no cert controller: separate subcommands); metrics on loopback.
        KUBECONFIG="${k}/kubeconfig" external-secrets --metrics-addr "127.0.0.1:$(free_port)" > "${WORK}/eso.log" 2>&1 &
        PIDS+=($!)
        es="https://127.0.0.1:${aport}/apis/external-secrets.io/v1/namespaces/default"
        store='{"apiVersion":"external-secrets.io/v1","kind":"SecretStore","metadata":{"name":"fake"},"spec":{"provider":{"fake":{"data":[{"key":"verify","value":"synced-by-eso"}]}}}}'
        external='{"apiVersion":"external-secrets.io/v1","kind":"ExternalSecret","metadata":{"name":"verify"},"spec":{"refreshInterval":"1h","secretStoreRef":{"kind":"SecretStore","name":"fake"},"target":{"name":"verify-synced"},"data":[{"secretKey":"value","remoteRef":{"key":"verify"}}]}}'
        created() { [ "$(api -o /dev/null -w '%{http_code}' -X POST "${es}/$1" -d "$2")" = 201 ]; }
        # The CRDs take a moment to be served.
        wait_for created secretstores "${store}" && wait_for created externalsecrets "${external}"
        synced() { api "https://127.0.0.1:${aport}/api/v1/namespaces/default/secrets/verify-synced" | grep -qF "$(printf synced-by-eso | base64)"; }
        if wait_for synced; then ok "external-secrets wrote the Secret from its fake provider"; else bad "external-secrets did not sync the ExternalSecret" "$(tail -n 20 "${WORK}/eso.log")"; fi
      else
        bad "external-secrets or its CRDs missing (run toolchain/build.sh eso crds)"
      fi
    else
      bad "kube-apiserver did not become ready" "$(tail -n 30 "${WORK}/apiserver.log")"
    fi
  else
    bad "etcd did not become healthy" "$(cat "${WORK}/etcd.log")"
  fi
else
  bad "etcd/kube-apiserver/kube-controller-manager missing: cannot run the cluster check"
fi

echo "${PASS} passed, ${FAIL} failed, ${SKIP} skipped"
[ "${FAIL}" -eq 0 ]
