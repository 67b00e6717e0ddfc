/**
 * The pack under the real Pulumi CLI: `pulumi preview --policy-pack` with the apps config must exit
 * non-zero on a mandatory violation (including a value unknown at preview) and zero when only the
 * advisory https exception fires. Needs the CLI, Node language host and random provider from toolchain/build.sh.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const policyDir = path.resolve(__dirname, "..");
const repoRoot = path.resolve(policyDir, "..");
const toolchainEnv = path.join(repoRoot, "toolchain", "env.sh");
// The CLI, the Node language host, and the random provider (the source of a value unknown at preview).
const cliBuilt = ["pulumi", "pulumi-language-nodejs", "plugins/pulumi-resource-random"]
    .every((binary) => fs.existsSync(path.join(repoRoot, "toolchain", "bin", binary)));

describe("pulumi preview --policy-pack policy (real CLI)", function () {
    this.timeout(300_000);
    let work = "";

    const preview = (variant: string) => spawnSync("bash", ["-c",
        `. "${toolchainEnv}" && cd "${work}/project" && pulumi preview --stack apps --non-interactive ` +
        `--policy-pack "${policyDir}" --policy-pack-config "${path.join(policyDir, "config", "apps.json")}"`,
    ], {
        encoding: "utf8",
        env: { ...process.env, E2E_CASE: variant, PULUMI_CONFIG_PASSPHRASE: "e2e", PULUMI_BACKEND_URL: `file://${work}/state` },
    });

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

    it("passes a compliant stack, showing the apps https exception as an advisory warning", () => {
        const r = preview("compliant");
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /\[advisory\]\s+https-only-s3/);
        assert.match(r.stdout, /Stack exception in force: the apps cluster's MinIO/);
    });

    it("fails the preview on a mandatory violation", () => {
        const r = preview("over-limit");
        assert.notStrictEqual(r.status, 0, r.stdout);
        assert.match(r.stdout, /\[mandatory\]\s+memory-limits/);
        assert.match(r.stdout, /memory limit "3Gi" exceeds the maximum 2Gi/);
    });

    it("fails the preview when a checked value is unknown at preview, instead of downgrading to a warning", () => {
        const r = preview("unknown");
        assert.notStrictEqual(r.status, 0, r.stdout);
        assert.match(r.stdout, /\[mandatory\]\s+memory-limits/);
        assert.match(r.stdout, /limits\.memory is unknown at preview/);
        assert.doesNotMatch(r.stdout, /can't run policy/);
    });
});
