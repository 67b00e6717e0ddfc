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

describe("PR workflow .github/workflows/policy-preview.yml", () => {
    it("runs the preview with the pack and each stack's policy config", () => {
        const workflow = parse(fs.readFileSync(workflowPath, "utf8"));
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        const job = workflow.jobs.preview;
        const script = job.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
        assert.match(script, /pulumi preview \\\s+--stack "\$STACK" \\\s+--policy-pack policy \\\s+--policy-pack-config "policy\/config\/\$\{STACK\}\.json"/);
        for (const stack of job.strategy.matrix.stack as string[]) {
            assert.ok(fs.existsSync(path.join(repoRoot, "policy", "config", `${stack}.json`)), `policy/config/${stack}.json is missing`);
        }
        const actions = job.steps.filter((s: { uses?: string }) => s.uses).map((s: { uses: string }) => s.uses.split("@")[0]);
        assert.deepStrictEqual(actions, ["actions/checkout", "actions/setup-node", "actions/cache"], "only first-party actions, nothing that downloads tools");
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
