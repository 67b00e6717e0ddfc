/**
 * The gate script (scripts/policy-gate.sh) under the real Pulumi CLI, on a fixture project with the apps
 * pack config: it must exit 1 on a mandatory violation (including a value unknown at preview), naming the
 * policy and the resource in its Markdown summary, and 0 with a warning when only the advisory https
 * exception fires. Needs the CLI, Node language host and random provider from toolchain/build.sh.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const policyDir = path.resolve(__dirname, "..");
const repoRoot = path.resolve(policyDir, "..");
const toolchainEnv = path.join(repoRoot, "toolchain", "env.sh");
const gateScript = path.join(repoRoot, "scripts", "policy-gate.sh");
// The CLI, the Node language host, and the random provider (the source of a value unknown at preview).
const cliBuilt = ["pulumi", "pulumi-language-nodejs", "plugins/pulumi-resource-random"]
    .every((binary) => fs.existsSync(path.join(repoRoot, "toolchain", "bin", binary)));

describe("scripts/policy-gate.sh (real CLI, fixture project)", function () {
    this.timeout(300_000);
    let work = "";

    const gate = (variant: string, args: string[] = ["--policy-config", path.join(policyDir, "config", "apps.json")]) => {
        const summaryFile = path.join(work, `summary-${variant}.md`);
        const stepSummary = path.join(work, `step-summary-${variant}.md`);
        [summaryFile, stepSummary].forEach((file) => fs.rmSync(file, { force: true }));
        const run = spawnSync("bash", ["-c", `. "${toolchainEnv}" && exec bash "${gateScript}" "$@"`, "gate",
            "--stack", "apps", "--cwd", path.join(work, "project"), "--summary-file", summaryFile, ...args], {
            encoding: "utf8",
            env: {
                ...process.env, E2E_CASE: variant, PULUMI_CONFIG_PASSPHRASE: "e2e", PULUMI_BACKEND_URL: `file://${work}/state`,
                GITHUB_STEP_SUMMARY: stepSummary, GITHUB_ACTIONS: "true",
            },
        });
        const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
        return { ...run, summary: read(summaryFile), stepSummary: read(stepSummary), log: `${run.stdout}\n${run.stderr}` };
    };

    before(function () {
        if (!cliBuilt) {
            console.warn("    SKIPPED: the Pulumi CLI is not built here (run toolchain/build.sh pulumi providers).");
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "policy-e2e-"));
        fs.cpSync(path.join(__dirname, "e2e-project"), path.join(work, "project"), { recursive: true });
        // The fixture needs only @pulumi/pulumi, which the pack already installs.
        fs.symlinkSync(path.join(policyDir, "node_modules"), path.join(work, "project", "node_modules"));
        fs.mkdirSync(path.join(work, "state"));
        const init = spawnSync("bash", ["-c", `. "${toolchainEnv}" && cd "${work}/project" && pulumi stack init apps --non-interactive`], {
            encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "e2e", PULUMI_BACKEND_URL: `file://${work}/state` },
        });
        assert.strictEqual(init.status, 0, init.stdout + init.stderr);
    });

    after(() => {
        if (work) {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("passes a compliant stack with a warning for the advisory apps https exception", () => {
        const r = gate("compliant");
        assert.strictEqual(r.status, 0, r.log);
        assert.match(r.summary, /passed with 1 advisory violation/);
        assert.match(r.summary, /### Advisory violations[^]*\| `https-only-s3` \| `bsl` \(`kubernetes:velero\.io\/v1:BackupStorageLocation`\) \| [^|]*Stack exception in force: the apps cluster's MinIO/);
        assert.doesNotMatch(r.summary, /### Mandatory/);
        assert.match(r.summary, /3 to create; 0 unchanged/);
        assert.strictEqual(r.stepSummary, r.summary, "the job summary gets the same Markdown");
        assert.match(r.stdout, /^::warning title=https-only-s3::bsl: /m);
        assert.match(r.stderr, /policy-gate: stack apps: passed with a warning/);
    });

    it("exits 1 on a mandatory violation, naming the policy, the resource and the fix", () => {
        const r = gate("over-limit");
        assert.strictEqual(r.status, 1, r.log);
        assert.match(r.summary, /blocked by 1 mandatory violation/);
        assert.match(r.summary, /### Mandatory violations[^]*\| `memory-limits` \| `app` \(`kubernetes:apps\/v1:Deployment`\) \| Deployment "apps\/app", container "app": memory limit "3Gi" exceeds the maximum 2Gi\. Lower/);
        assert.match(r.stdout, /^::error title=memory-limits::app: /m);
        assert.doesNotMatch(r.summary, /### Preview errors/, "a policy failure is not reported as a preview error");
    });

    it("exits 1 when a checked value is unknown at preview, instead of downgrading to a warning", () => {
        const r = gate("unknown");
        assert.strictEqual(r.status, 1, r.log);
        assert.match(r.summary, /\| `memory-limits` \| `app` [^\n]*limits\.memory is unknown at preview/);
        assert.doesNotMatch(r.log, /can't run policy/);
    });

    it("exits 1 when the preview itself fails, with the program's error in the summary", () => {
        const r = gate("throws");
        assert.strictEqual(r.status, 1, r.log);
        assert.match(r.summary, /the preview failed/);
        assert.match(r.summary, /### Preview errors[^]*fixture program failed on purpose/);
        assert.match(r.stderr, /policy-gate: stack apps: blocked: the preview failed/);
    });

    it("exits 2 without previewing when the stack has no pack config", () => {
        const r = gate("compliant", ["--policy-config", path.join(work, "missing.json")]);
        assert.strictEqual(r.status, 2, r.log);
        assert.match(r.stderr, /--policy-config: .*missing\.json does not exist; every gated stack needs its pack config/);
        assert.strictEqual(r.summary, "");
    });
});
