// Command gen writes the two files the provider binary embeds, from the pinned provider module's own
// schema.json and terraform-mapping.json: the schema with its version set to the release we report, and
// the mapping minified. Run from the wrapper directory: go run ./gen <version>.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: go run ./gen <version>"))
	}
	// `go mod download` (unlike `go list -m`) fetches the module into an empty cache and prints where it is.
	out, err := exec.Command("go", "mod", "download", "-json", providerModule).Output()
	if err != nil {
		fail(fmt.Errorf("downloading %s: %w", providerModule, err))
	}
	var module struct{ Dir string }
	if err := json.Unmarshal(out, &module); err != nil || module.Dir == "" {
		fail(fmt.Errorf("locating %s: %v (%s)", providerModule, err, out))
	}
	src := filepath.Join(module.Dir, "cmd", "pulumi-resource-kubernetes")

	var schema map[string]any
	readJSON(filepath.Join(src, "schema.json"), &schema)
	schema["version"] = os.Args[1]
	writeJSON("schema-embed.json", schema)

	var mapping any
	readJSON(filepath.Join(src, "terraform-mapping.json"), &mapping)
	writeJSON("terraform-mapping-embed.json", mapping)
}

func readJSON(path string, v any) {
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		fail(fmt.Errorf("reading %s: %w", path, err))
	}
}

func writeJSON(path string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fail(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
