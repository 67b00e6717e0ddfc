// Command pulumi-language-nodejs is a small Node.js language host written for this project.
//
// Why it exists: the upstream host lives in its own Go module that the module proxy reachable here does not
// serve at any version, so it cannot be built offline. The protocol it has to speak is public (sdk/v3's
// pulumirpc.LanguageRuntime) and the real work — running the program — is done by the JavaScript entry points
// that ship inside the npm package @pulumi/pulumi (cmd/run, cmd/run-policy-pack). This host only resolves those
// entry points from the program's own node_modules and starts node with the arguments and environment they read.
//
// Implemented: Handshake, GetPluginInfo, GetRequiredPackages, Run, RunPlugin (policy packs),
// InstallDependencies. Everything else answers Unimplemented, which the engine tolerates.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is stamped with -ldflags "-X main.version=..." by toolchain/build.sh.
var version = "0.0.0-dev"

// exitCodeLoggedError is what @pulumi/pulumi's cmd/run exits with after it has already reported the error to
// the engine; the host must then "bail" instead of printing a second, generic error.
const exitCodeLoggedError = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-language-nodejs [flags] <engine-address>")
		os.Exit(2)
	}
	if os.Args[1] == "--version" || os.Args[1] == "-version" {
		fmt.Println(version)
		return
	}
	// The engine passes the engine address as the last positional argument; older engines put flags first.
	h := &host{engineAddress: os.Args[len(os.Args)-1]}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages lists the resource plugins that the program's npm dependencies declare (the "pulumi"
// block of their package.json). The engine checks they are installed before running the program, which turns
// a missing provider into an early, clear error rather than a failure half-way through an update.
func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPlugins(programDir(req.GetInfo()))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

type pulumiBlock struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

type packageJSON struct {
	Name    string       `json:"name"`
	Version string       `json:"version"`
	Pulumi  *pulumiBlock `json:"pulumi"`
}

// requiredPlugins reads the package.json of every installed package (node_modules/<pkg>,
// node_modules/@scope/<pkg>, and nested node_modules below them) and collects those that ship a Pulumi
// resource plugin. Only package roots are read, never whole trees, so large node_modules stay cheap.
// Duplicates (same name and version) are reported once.
func requiredPlugins(dir string) ([]*pulumirpc.PackageDependency, error) {
	root := findNodeModules(dir)
	if root == "" {
		return nil, nil
	}
	seen := map[string]*pulumirpc.PackageDependency{}
	visited := map[string]bool{}
	var scan func(nm string, depth int)
	visit := func(pkgDir string, depth int) {
		if b, err := os.ReadFile(filepath.Join(pkgDir, "package.json")); err == nil {
			var pkg packageJSON
			if json.Unmarshal(b, &pkg) == nil && pkg.Pulumi != nil && pkg.Pulumi.Resource {
				addPlugin(seen, pkg)
			}
		}
		scan(filepath.Join(pkgDir, "node_modules"), depth+1)
	}
	scan = func(nm string, depth int) {
		// npm nests node_modules only a few levels deep; the bound also stops symlink cycles.
		if depth > 8 {
			return
		}
		real, err := filepath.EvalSymlinks(nm)
		if err != nil || visited[real] {
			return
		}
		visited[real] = true
		entries, err := os.ReadDir(nm)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			p := filepath.Join(nm, name)
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(p)
				if err != nil {
					continue
				}
				for _, se := range scoped {
					visit(filepath.Join(p, se.Name()), depth)
				}
				continue
			}
			visit(p, depth)
		}
	}
	scan(root, 0)

	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		out = append(out, seen[k])
	}
	return out, nil
}

func addPlugin(seen map[string]*pulumirpc.PackageDependency, pkg packageJSON) {
	name := pkg.Pulumi.Name
	if name == "" {
		name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
	}
	ver := pkg.Pulumi.Version
	if ver == "" {
		ver = pkg.Version
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	seen[name+"@"+ver] = &pulumirpc.PackageDependency{
		Kind: "resource", Name: name, Version: ver, Server: pkg.Pulumi.Server,
	}
}

// findNodeModules returns the nearest node_modules at or above dir, as node's resolver would use.
func findNodeModules(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			return nm
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func programDir(info *pulumirpc.ProgramInfo) string {
	if info == nil {
		wd, _ := os.Getwd()
		return wd
	}
	return info.GetProgramDirectory()
}

// runtimeOption reads one `runtime.options` entry of Pulumi.yaml / PulumiPolicy.yaml.
func runtimeOption(info *pulumirpc.ProgramInfo, key string) (*structpb.Value, bool) {
	if info == nil || info.GetOptions() == nil {
		return nil, false
	}
	v, ok := info.GetOptions().GetFields()[key]
	return v, ok
}

// resolveEntry asks node itself where an @pulumi/pulumi entry point is, from dir, so that the program's own
// copy of the SDK is used (never one bundled with the host).
func resolveEntry(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("could not find %s from %s (is `npm install` done there, and node on PATH?): %v: %s",
			module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := programDir(info)
	if dir == "" {
		dir = req.GetPwd()
	}
	runPath, err := resolveEntry(ctx, dir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	var args []string
	if v, ok := runtimeOption(info, "nodeargs"); ok && v.GetStringValue() != "" {
		args = append(args, strings.Fields(v.GetStringValue())...)
	}
	args = append(args, runPath,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+req.GetPwd(),
		"--root-directory="+info.GetRootDirectory(),
	)
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	// cmd/run resolves the program relative to --pwd (the project root). With `main:` in Pulumi.yaml the
	// program directory differs from it, so the program is then passed as an absolute path.
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	if pd := info.GetProgramDirectory(); pd != "" && filepath.Clean(pd) != filepath.Clean(req.GetPwd()) {
		entry = filepath.Join(pd, entry)
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := os.Environ()
	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	env = append(env, "PULUMI_CONFIG="+string(cfg))
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, _ := json.Marshal(secretKeys)
	env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(sk))
	// TypeScript is on unless Pulumi.yaml says `typescript: false`, as documented for the nodejs runtime.
	ts := true
	if v, ok := runtimeOption(info, "typescript"); ok {
		ts = v.GetBoolValue()
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(ts))
	if v, ok := runtimeOption(info, "tsconfig"); ok && v.GetStringValue() != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v.GetStringValue())
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	// The engine shows the host's own stdout/stderr to the user, so the program's console output goes there.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run node): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards a child's output to a server stream; stdout and stderr share one stream, so sends
// are serialised.
type streamWriter struct {
	mu   *sync.Mutex
	send func([]byte) error
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf := append([]byte(nil), p...)
	if err := w.send(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RunPlugin starts a plugin written in Node.js. The engine uses it for local policy packs ("analyzer"): the
// pack's own @pulumi/pulumi/cmd/run-policy-pack is run with the engine address and the pack directory.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := server.Context()
	dir := programDir(req.GetInfo())
	if dir == "" {
		dir = req.GetProgram()
	}
	var entry string
	switch req.GetKind() {
	case "analyzer":
		entry = "@pulumi/pulumi/cmd/run-policy-pack"
	case "resource":
		entry = "@pulumi/pulumi/cmd/run-plugin"
	default:
		return fmt.Errorf("pulumi-language-nodejs: plugins of kind %q are not supported by this host", req.GetKind())
	}
	runPath, err := resolveEntry(ctx, dir, entry)
	if err != nil {
		return err
	}
	args := []string{runPath}
	args = append(args, req.GetArgs()...)
	args = append(args, dir)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	var mu sync.Mutex
	cmd.Stdout = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	cmd.Stderr = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}
	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	mu.Lock()
	defer mu.Unlock()
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// InstallDependencies runs `npm install` in the program directory (used by `pulumi install` and when the
// engine prepares a policy pack), streaming npm's output back.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	dir := programDir(req.GetInfo())
	if dir == "" {
		dir = req.GetDirectory()
	}
	cmd := exec.CommandContext(server.Context(), "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	var mu sync.Mutex
	cmd.Stdout = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	}}
	cmd.Stderr = streamWriter{&mu, func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	}}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s failed: %w", dir, err)
	}
	return nil
}

var _ io.Writer = streamWriter{}
