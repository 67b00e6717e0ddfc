// Command pulumi-resource-kubernetes serves the real Pulumi Kubernetes provider.
//
// The provider module keeps its entry point beside a schema that it embeds, and that embedded copy is
// generated, so the module zip cannot be built as it is. toolchain/build.sh writes the two files named below
// from the module's own schema.json and terraform-mapping.json (schema version set to the pinned release),
// and this file serves them, exactly as the upstream binary does.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
