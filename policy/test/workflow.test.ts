import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const repoRoot = path.resolve(__dirname, "..", "..");
const workflowPath = path.join(repoRoot, ".github", "workflows", "policy-preview.yml");
const installer = path.join(repoRoot, "policy", "scripts", "install-actionlint.sh");

const goPresent = spawnSync("go", ["version"]).status === 0;

function actionlint(binary: string, file: string) {
    // -shellcheck= / -pyflakes= : lint the workflow itself, whatever extra linters happen to be on PATH.
    return spawnSync(binary, ["-no-color", "-shellcheck=", "-pyflakes=", file], { encoding: "utf8" });
}

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
}

describe("PR workflow .github/workflows/policy-preview.yml", () => {
    const text = fs.readFileSync(workflowPath, "utf8");
    const workflow = parse(text);
    const job = workflow.jobs.preview;
    const steps: Step[] = job.steps;
    const action = (name: string) => steps.find((step) => step.uses?.split("@")[0] === name);
    const packageVersion = (file: string, name: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, file), "utf8")).dependencies[name];

    it("runs on pull requests, once per stack of the matrix, each with its pack config", () => {
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.ok(job.strategy.matrix.stack.length > 0);
        for (const stack of job.strategy.matrix.stack as string[]) {
            assert.ok(fs.existsSync(path.join(repoRoot, "policy", "config", `${stack}.json`)), `policy/config/${stack}.json is missing`);
        }
    });

    it("calls the gate script for the matrix's stack, as the e2e suite does", () => {
        const gate = steps.filter((step) => step.run?.includes("scripts/policy-gate.sh"));
        assert.strictEqual(gate.length, 1);
        assert.match(gate[0].run!, /^bash scripts\/policy-gate\.sh --stack "\$STACK"/);
        assert.strictEqual(gate[0].env?.STACK, "${{ matrix.stack }}");
        assert.doesNotMatch(text, /pulumi preview/, "the preview runs in the gate script only");
    });

    it("installs the Pulumi CLI with the official action at the version of the program's and the pack's @pulumi/pulumi", () => {
        const pulumi = action("pulumi/actions");
        assert.ok(pulumi, "no pulumi/actions step");
        assert.strictEqual(pulumi.with?.command, undefined, "without a command the action only installs the CLI");
        assert.strictEqual(pulumi.with?.["pulumi-version"], packageVersion("package.json", "@pulumi/pulumi"));
        assert.strictEqual(pulumi.with?.["pulumi-version"], packageVersion("policy/package.json", "@pulumi/pulumi"));
    });

    it("sets up the Node version the project pins, and installs the program and the pack from their lockfiles", () => {
        const pinned = fs.readFileSync(path.join(repoRoot, "scripts", "ensure-node.sh"), "utf8").match(/NODE_LTS_VERSION="([^"]+)"/)![1];
        assert.strictEqual(action("actions/setup-node")?.with?.["node-version"], pinned);
        const install = steps.map((step) => step.run ?? "").join("\n");
        assert.match(install, /^npm ci\b/m);
        assert.match(install, /^npm ci --prefix policy\b/m);
    });

    it("acquires plugins as Pulumi users do: no project toolchain, no plugin-download switch", () => {
        assert.doesNotMatch(text, /toolchain\//, "the toolchain exists only for machines that cannot download");
        assert.doesNotMatch(text, /PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION|plugin install/);
    });

    it("uses only public actions, each pinned to a version", () => {
        const uses = steps.filter((step) => step.uses).map((step) => step.uses!);
        assert.ok(uses.length > 0);
        for (const ref of uses) {
            assert.match(ref, /^(actions|pulumi)\/[\w.-]+@v\d+$/, `${ref}: only GitHub's and Pulumi's own actions, at a major version`);
        }
    });

    it("every repository secret it reads is named in the README's gate section", () => {
        const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Pull-request gate"));
        assert.ok(section.length < readme.length, "README.md has no '## Pull-request gate' section");
        const secrets = new Set([...text.matchAll(/\$\{\{ (?:secrets|vars)\.(\w+) \}\}/g)].map((match) => match[1]));
        assert.ok(secrets.size > 0);
        for (const secret of secrets) {
            assert.ok(section.includes(`\`${secret}\``), `README's gate section does not name ${secret}`);
        }
    });

    it("posts the gate's summary as the stack's pull request comment with the project's own module", () => {
        const comment = action("actions/github-script");
        assert.ok(comment?.with?.script.includes("policy/bin/gate/comment.js"));
        const stepIndex = steps.indexOf(comment!);
        assert.ok(stepIndex > steps.findIndex((step) => step.run?.includes("scripts/policy-gate.sh")), "the comment follows the gate");
    });

    describe("actionlint", function () {
        let binary = "";
        before(function () {
            if (!goPresent) {
                console.warn("    SKIPPED: Go is not installed, so actionlint can't be built (policy/scripts/install-actionlint.sh).");
                this.skip();
            }
            this.timeout(600_000); // the first build downloads actionlint's modules
            const install = spawnSync("bash", [installer], { encoding: "utf8" });
            assert.strictEqual(install.status, 0, `install-actionlint.sh failed:\n${install.stderr}`);
            binary = install.stdout.trim();
        });

        it("accepts the workflow", () => {
            const result = actionlint(binary, workflowPath);
            assert.strictEqual(result.status, 0, `actionlint found problems:\n${result.stdout}${result.stderr}`);
        });

        it("rejects a broken copy (the check can fail)", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
            const broken = path.join(dir, "broken.yml");
            fs.writeFileSync(broken, fs.readFileSync(workflowPath, "utf8")
                .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon")
                .replace("${{ matrix.stack }}\n", "${{ matrix.stak }}\n"));
            try {
                const result = actionlint(binary, broken);
                assert.strictEqual(result.status, 1, result.stdout + result.stderr);
                assert.match(result.stdout, /timeout-minutes/);
                assert.match(result.stdout, /stak/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
