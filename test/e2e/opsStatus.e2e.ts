// `npm run ops -- status` against the sandbox: the real CLI, the stack's own config and outputs, a real
// restic repository in MinIO over TLS, and the app's ReplicationSource in the real API server. The sandbox
// runs no VolSync controller, so a labelled stand-in writes the ReplicationSource status VolSync would
// write after a run (last sync, next sync, mover result, Synchronizing condition).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Restic, ResticAccess } from "../../ops/restic";
import { stackSettings } from "../../ops/stackFile";
import { StackOps } from "../../ops/stackOps";
import { repoRoot, Sandbox, sandboxApp, stackName, startSandbox } from "../sandbox/sandbox";

const source = { apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationSource", metadata: { name: sandboxApp.name, namespace: sandboxApp.name } };
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

/** TEST DOUBLE for VolSync's controller: the status it writes on the ReplicationSource after a run. */
async function volsyncReports(sandbox: Sandbox, run: { lastSyncMinutesAgo: number; result: "Successful" | "Failed"; message?: string }) {
    const status = {
        lastSyncTime: minutesAgo(run.lastSyncMinutesAgo),
        nextSyncTime: new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        latestMoverStatus: { result: run.result, logs: run.message ?? "" },
        conditions: [{
            type: "Synchronizing", status: "False", lastTransitionTime: minutesAgo(0),
            reason: run.result === "Failed" ? "Error" : "WaitingForSchedule", message: run.message ?? "Waiting for next scheduled synchronization",
        }],
    };
    await sandbox.kube.request("PATCH", `${await sandbox.kube.path(source)}/status`, { status }, "application/merge-patch+json");
}

describe("ops status on the sandbox", function () {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "storage-backup-status-"));
    let sandbox: Sandbox;
    let access: ResticAccess;
    const cli = (...args: string[]) => spawnSync("npx", ["--no-install", "ts-node", "--transpile-only", "ops/cli.ts", "--stack", stackName, "--project", sandbox.projectDir, "status", ...args],
        { cwd: repoRoot, env: process.env, encoding: "utf8" });
    const statusJson = () => {
        const run = cli("--json");
        return { exit: run.status, report: JSON.parse(run.stdout), stderr: run.stderr };
    };

    before(async function () {
        this.timeout(600_000);
        sandbox = await startSandbox(path.join(work, "sandbox"));
        Object.assign(process.env, sandbox.env(), { RESTIC_CACERT: sandbox.pki.caCert });
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]);
        const settings = stackSettings(stackName, sandbox.projectDir);
        access = await (await StackOps.select(stackName, sandbox.projectDir)).resticAccess(settings, sandboxApp.name);
        // Two backups in the app's own repository, as its mover would make them.
        const restic = new Restic(access);
        await restic.init();
        const data = path.join(work, "volume");
        fs.mkdirSync(data);
        for (let version = 0; version < 2; version++) {
            fs.writeFileSync(path.join(data, `file-${version}.bin`), randomBytes(512 * 1024));
            await restic.backup(data);
        }
    });

    after(async function () {
        this.timeout(120_000);
        await sandbox?.stop();
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("a recent backup: exit 0, the repository's real snapshot count, newest snapshot and size, not locked or paused", async function () {
        await volsyncReports(sandbox, { lastSyncMinutesAgo: 10, result: "Successful" });
        const { exit, report, stderr } = statusJson();
        assert.strictEqual(exit, 0, stderr);
        const restic = new Restic(access);
        const [newest] = await restic.snapshots();
        const [app] = report.apps;
        assert.deepStrictEqual({ ok: report.ok, app: app.app, snapshots: app.snapshots, newest: app.newestSnapshot.id, bytes: app.repositoryBytes, locked: app.locked, paused: app.paused, problems: app.problems },
            { ok: true, app: sandboxApp.name, snapshots: 2, newest: newest.short_id, bytes: await restic.storedBytes(), locked: false, paused: false, problems: [] });
        assert.ok(app.lastBackupAgeSeconds >= 600 && app.lastBackupAgeSeconds < 900, `age ${app.lastBackupAgeSeconds}`);
        const table = cli();
        assert.strictEqual(table.status, 0, table.stderr);
        assert.match(table.stdout, new RegExp(`^${sandboxApp.name}\\s.*\\s2\\s+${newest.short_id}\\s.*\\sno\\s+no\\s+ok$`, "m"));
    });

    it("a backup older than the hourly schedule allows: OVERDUE (VolSyncBackupOverdue), exit 1", async function () {
        await volsyncReports(sandbox, { lastSyncMinutesAgo: 150, result: "Successful" });
        const { exit, report } = statusJson();
        assert.strictEqual(exit, 1);
        assert.deepStrictEqual(report.apps[0].problems.map((problem: { kind: string; alert?: string }) => `${problem.kind} ${problem.alert}`), ["overdue VolSyncBackupOverdue"]);
        assert.match(cli().stdout, /OVERDUE \(VolSyncBackupOverdue\)/);
    });

    it("a stale lock from a killed backup and the failed run it causes: LOCKED and FAILING, exit 1", async function () {
        const env = { ...process.env, ...access.env, RESTIC_REPOSITORY: access.repository, RESTIC_PASSWORD: access.password };
        const big = path.join(work, "big");
        fs.mkdirSync(big);
        fs.writeFileSync(path.join(big, "blob"), randomBytes(16 * 1024 * 1024));
        const locks = () => spawnSync("restic", ["list", "locks", "--no-lock"], { env, encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
        const backup = spawn("restic", ["backup", "--limit-upload", "1024", big], { env, stdio: "ignore" });
        for (let waited = 0; locks().length === 0 && waited < 100; waited++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        backup.kill("SIGKILL");
        await new Promise((resolve) => backup.on("close", resolve));
        await volsyncReports(sandbox, { lastSyncMinutesAgo: 10, result: "Failed", message: "unable to create lock in backend: repository is already locked" });
        const { exit, report } = statusJson();
        assert.strictEqual(exit, 1);
        const [app] = report.apps;
        assert.strictEqual(app.locked, true);
        assert.deepStrictEqual(app.problems.map((problem: { kind: string }) => problem.kind), ["failing", "locked"]);
        assert.match(app.problems[0].detail, /repository is already locked/);
    });

    it("paused backups are shown as PAUSED and never overdue", async function () {
        await new Restic(access).unlock();
        await sandbox.kube.request("PATCH", await sandbox.kube.path(source), { spec: { paused: true } }, "application/merge-patch+json");
        await volsyncReports(sandbox, { lastSyncMinutesAgo: 600, result: "Successful" });
        const { exit, report } = statusJson();
        assert.strictEqual(exit, 0);
        assert.deepStrictEqual({ paused: report.apps[0].paused, kinds: report.apps[0].problems.map((problem: { kind: string }) => problem.kind) }, { paused: true, kinds: ["paused"] });
        assert.match(cli().stdout, /\sPAUSED\s+PAUSED: backups are paused/);
    });
});
