// Wrapper module pinning the modules whose CustomResourceDefinitions the tests and the sandbox use. Nothing
// is built from it: build.sh downloads these module zips (checked against go.sum) and copies their CRD files.
module local/toolchain/crds

go 1.26.0

require (
	// VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent (config/crd/); the main /v8 module's zip lacks them.
	github.com/kubernetes-csi/external-snapshotter/client/v8 v8.7.0
	// ServiceMonitor, PrometheusRule (example/prometheus-operator-crd/).
	github.com/prometheus-operator/prometheus-operator v0.85.0
	// The release the sandbox runs (toolchain/eso pins the same version): config/crds/bases/.
	github.com/external-secrets/external-secrets v0.16.2
)
