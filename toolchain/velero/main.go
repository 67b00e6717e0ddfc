// The Velero server and CLI, as upstream's cmd/velero: that package is a main and cannot be imported, so
// this is the same few lines against pkg/cmd/velero. The sandbox runs `velero server` from it.
package main

import (
	"os"
	"path/filepath"

	"k8s.io/klog/v2"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/vmware-tanzu/velero/pkg/cmd"
	"github.com/vmware-tanzu/velero/pkg/cmd/velero"
)

func main() {
	// The one change from upstream: `velero server` leaves controller-runtime's own metrics listener at its
	// default, :8080 on every interface, and no flag moves it. Velero's metrics (the ones the stack's alerts
	// use) are served at --metrics-address regardless; the sandbox keeps every listener on loopback.
	metricsserver.DefaultBindAddress = "0"
	defer klog.Flush()
	cmd.CheckError(velero.NewCommand(filepath.Base(os.Args[0])).Execute())
}
