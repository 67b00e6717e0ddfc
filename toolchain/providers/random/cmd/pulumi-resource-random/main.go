// Command pulumi-resource-random is the Pulumi "random" provider, built here from its parts because the
// pulumi-random provider module is not served by the module proxy this project can reach.
//
// The parts are the ones upstream uses: the Terraform random provider (Plugin Framework) behind Pulumi's
// Terraform bridge. Only this glue is ours: it names every Terraform resource with the type token that the
// npm SDK @pulumi/random sends (random_password -> random:index/randomPassword:RandomPassword), so programs
// written against @pulumi/random run unchanged.
package main

import (
	"context"
	_ "embed"
	"strings"
	"unicode"

	pf "github.com/pulumi/pulumi-terraform-bridge/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// version is stamped by toolchain/build.sh (-X main.version=...) with the npm SDK's version.
var version = "0.0.0-dev"

// schema is the Pulumi package schema served by GetSchema; build.sh writes it before compiling (a minimal
// one is enough at run time: create/read/update/delete never consult it).
//
//go:embed schema-embed.json
var schema []byte

// camel turns "random_password" into "RandomPassword".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func providerInfo() tfbridge.ProviderInfo {
	p := pf.ShimProvider(shim.NewProvider())
	info := tfbridge.ProviderInfo{
		P:       p,
		Name:    "random",
		Version: version,
		// The PF bridge refuses to start without metadata; nothing in it is needed at run time.
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
		Resources:    map[string]*tfbridge.ResourceInfo{},
	}
	// pulumi-random keeps the "random" prefix in its type names (RandomPassword, RandomId, ...).
	p.ResourcesMap().Range(func(name string, _ shimv2.Resource) bool {
		t := camel(name)
		info.Resources[name] = &tfbridge.ResourceInfo{Tok: tokens.Type("random:index/" + lowerFirst(t) + ":" + t)}
		return true
	})
	return info
}

func main() {
	pf.Main(context.Background(), "random", providerInfo(), pf.ProviderMetadata{PackageSchema: schema})
}
