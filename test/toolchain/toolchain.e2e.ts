// Runs toolchain/verify.sh (versions, plugin cache, pulumi up/destroy with the random provider, a failing
// mandatory policy, MinIO+mc+restic over TLS, etcd+kube-apiserver+controller manager) as one mocha test.
// Needs `npm run toolchain` first; not part of the default `npm test` glob (it starts servers, ~1 min).
import { spawnSync } from "child_process";
import * as assert from "assert";
import * as path from "path";

const verifyScript = path.resolve(__dirname, "..", "..", "toolchain", "verify.sh");

describe("offline toolchain (toolchain/verify.sh)", function () {
    this.timeout(15 * 60_000);

    it("passes every check", function () {
        const run = spawnSync("bash", [verifyScript], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
        const summary = output.trim().split("\n").filter((l) => /^\d+ passed, \d+ failed/.test(l)).pop();
        assert.strictEqual(run.status, 0, `verify.sh failed (${summary ?? "no summary"}):\n${output}`);
        assert.ok(summary, `verify.sh printed no summary line:\n${output}`);
    });
});
