// Local stand-in for the nested shim module that the upstream random provider uses and that no module zip
// contains. Its import path must sit under the Terraform provider's module path so that Go's `internal`
// rule lets it import …/internal/provider.
module github.com/terraform-providers/terraform-provider-random/shim

go 1.22

require github.com/terraform-providers/terraform-provider-random v1.3.2-0.20240911140632-e546ae44b440
