// The ESO controller, as upstream's own main: the root command runs the reconcilers only (the webhook and
// the cert controller are separate subcommands, which the sandbox never starts).
package main

import "github.com/external-secrets/external-secrets/cmd/controller"

func main() {
	controller.Execute()
}
