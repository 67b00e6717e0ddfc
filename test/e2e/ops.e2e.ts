// Day-2 operations against the sandbox: real API server, real External Secrets Operator, real MinIO over
// TLS, real restic, the stack's own config and outputs. The sandbox runs no VolSync controller and no
// kubelet, so a labelled stand-in below plays VolSync's one visible part (reporting a manual trigger as
// done), and the cluster side is checked as the exact objects and fields each verb sets.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubeConfigFor } from "../../components/clusterLookup";
import { StackSettings } from "../../components/config/stackConfig";
import { resticSecretName, restoreDestinationName, sideRestoreDestinationName } from "../../components/protectedApp";
import { ClusterOps } from "../../ops/cluster";
import { Restic } from "../../ops/restic";
import { restoreSideBySide, scheduleLabel, veleroRestore, verifyCopy } from "../../ops/restoreVerbs";
import { stackSettings } from "../../ops/stackFile";
import { StackOps } from "../../ops/stackOps";
import { backupNow, extractBackup, findApp, listBackups, OpsContext, restoreApp, unlockRepository, verifyBackups } from "../../ops/verbs";
import { treeChecksums } from "../helpers/fileTree";
import { secretWrittenByEso } from "../sandbox/externalSecretsOperator";
import { repoRoot, Sandbox, sandboxApp, stackName, startSandbox } from "../sandbox/sandbox";

const volsync = "volsync.backube/v1alpha1";

/** TEST DOUBLE for VolSync: marks every manual trigger it sees as synced, noting the workload's replicas then. */
function volsyncStandIn(sandbox: Sandbox, namespace: string) {
    const seen: { kind: string; name: string; trigger: string; workloadReplicas?: number }[] = [];
    const tick = async () => {
        for (const kind of ["ReplicationSource", "ReplicationDestination"]) {
            for (const object of (await sandbox.kube.list(volsync, kind)).filter((candidate) => candidate.metadata.namespace === namespace)) {
                const trigger = (object as any).spec?.trigger?.manual;
                if (trigger && (object as any).status?.lastManualSync !== trigger) {
                    const workload = await sandbox.kube.get({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: sandboxApp.name, namespace } });
                    seen.push({ kind, name: object.metadata.name ?? "", trigger, workloadReplicas: (workload as any)?.spec?.replicas });
                    const base = await sandbox.kube.path(object);
                    await sandbox.kube.request("PATCH", `${base}/status`, { status: { lastManualSync: trigger } }, "application/merge-patch+json");
                }
            }
        }
    };
    let running = true;
    const loop = (async () => {
        while (running) {
            await tick().catch(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    })();
    return { seen, stop: async () => { running = false; await loop; } };
}


/** TEST DOUBLE for Velero's restore controller: gives every new Restore the final phase `nextPhase`. */
function veleroStandIn(sandbox: Sandbox, namespace: string) {
    const state = { finished: [] as string[], nextPhase: "Completed" };
    let running = true;
    const loop = (async () => {
        while (running) {
            for (const restore of await sandbox.kube.list("velero.io/v1", "Restore").catch(() => [])) {
                if (restore.metadata.namespace === namespace && !(restore as any).status?.phase) {
                    // Restores have no status subresource: Velero patches the object itself.
                    await sandbox.kube.mergePatch(restore, { status: { phase: state.nextPhase, warnings: 0, errors: 0 } });
                    state.finished.push(restore.metadata.name!);
                }
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    })();
    return Object.assign(state, { stop: async () => { running = false; await loop; } });
}

describe("day-2 operations on the sandbox", function () {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "storage-backup-ops-"));
    let sandbox: Sandbox;
    let settings: StackSettings;
    let context: OpsContext;
    let standIn: ReturnType<typeof volsyncStandIn>;
    const states: Record<string, string>[] = [];
    const data = path.join(work, "volume");

    before(async function () {
        this.timeout(600_000);
        sandbox = await startSandbox(path.join(work, "sandbox"));
        // No RESTIC_CACERT here: the ops CLI must take MinIO's CA from the stack's minio.caBundle.
        Object.assign(process.env, sandbox.env());
        await sandbox.kube.apply({
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: sandboxApp.name, namespace: sandboxApp.name },
            spec: {
                replicas: 2, selector: { matchLabels: { app: sandboxApp.name } },
                template: { metadata: { labels: { app: sandboxApp.name } }, spec: { containers: [{ name: "app", image: "registry.invalid/app:1" }] } },
            },
        } as any);
        for (const [key, value] of [["kind", "Deployment"], ["name", sandboxApp.name]]) {
            await sandbox.pulumi(["config", "set", "--stack", stackName, "--path", `storage-backup:apps[0].workload.${key}`, value]);
        }
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]);
        settings = stackSettings(stackName, sandbox.projectDir);
        let stack: Promise<StackOps> | undefined;
        const selectStack = () => (stack ??= StackOps.select(stackName, sandbox.projectDir));
        context = {
            settings, timeoutSeconds: 60, progress: () => undefined, stack: selectStack,
            cluster: () => new ClusterOps(kubeConfigFor(settings.kubernetes), 200),
            restic: async (app) => new Restic(await (await selectStack()).resticAccess(settings, app.name)),
        };
        standIn = volsyncStandIn(sandbox, sandboxApp.name);

        // Three backups of a changing volume, made as VolSync's mover makes them: with the Secret that ESO
        // rendered for the app (and the run's CA, as the mover's customCA). The verbs below reach the same
        // repository through the stack's outputs.
        const { RESTIC_REPOSITORY, RESTIC_PASSWORD, ...moverEnv } = await secretWrittenByEso(sandbox.kube, sandboxApp.name, resticSecretName(sandboxApp.name));
        const restic = new Restic({ repository: RESTIC_REPOSITORY, password: RESTIC_PASSWORD, env: { ...moverEnv, RESTIC_CACERT: sandbox.pki.caCert } });
        await restic.init();
        fs.mkdirSync(data, { recursive: true });
        for (let version = 0; version < 3; version++) {
            for (let file = 0; file < 6; file++) {
                fs.writeFileSync(path.join(data, `file-${file}.bin`), randomBytes(256 * 1024 + version * 100 + file));
            }
            states.push(await treeChecksums(data));
            await restic.backup(data, [`v${version}`]);
            await new Promise((resolve) => setTimeout(resolve, 1100));
        }
    });

    after(async function () {
        this.timeout(120_000);
        await standIn?.stop();
        await sandbox?.stop();
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("backup: sets a manual trigger, waits for VolSync, then returns the source to its schedule", async function () {
        const app = findApp(settings, sandboxApp.name);
        await backupNow(context, [app]);
        const [trigger] = standIn.seen.filter((event) => event.kind === "ReplicationSource");
        assert.match(trigger.trigger, /^backup-\d{8}T\d{6}$/);
        const source = await sandbox.kube.get({ apiVersion: volsync, kind: "ReplicationSource", metadata: { name: app.name, namespace: app.namespace } }) as any;
        assert.strictEqual(source.spec.trigger.manual, undefined, "the manual trigger was left behind");
        assert.strictEqual(source.spec.trigger.schedule, app.schedule);
        assert.strictEqual(source.status.lastManualSync, trigger.trigger);
    });

    it("list: the app's backups from its real repository, numbered as --previous counts", async function () {
        const table = await listBackups(context, findApp(settings, sandboxApp.name));
        assert.strictEqual(table.length, 4);
        assert.match(table[1], /^0\s/);
    });

    it("extract --previous 2: the files of that point in time", async function () {
        const target = path.join(work, "extract");
        await extractBackup(context, findApp(settings, sandboxApp.name), 2, target);
        assert.deepStrictEqual(await treeChecksums(path.join(target, data)), states[0]);
        await assert.rejects(extractBackup(context, findApp(settings, sandboxApp.name), 0, target), /not empty/);
    });

    it("verify: restic check and a checksummed sample restore", async function () {
        assert.match(await verifyBackups(context, findApp(settings, sandboxApp.name), 3), /repository OK; 3 file\(s\)/);
    });

    it("unlock: a repository left locked by a killed backup is unlocked and the next backup succeeds", async function () {
        const app = findApp(settings, sandboxApp.name);
        const access = await (await context.stack()).resticAccess(settings, app.name);
        const big = path.join(work, "big");
        fs.mkdirSync(big);
        for (let file = 0; file < 16; file++) {
            fs.writeFileSync(path.join(big, `blob-${file}`), randomBytes(4 * 1024 * 1024));
        }
        const env = { ...process.env, ...access.env, RESTIC_REPOSITORY: access.repository, RESTIC_PASSWORD: access.password };
        const locks = () => spawnSync("restic", ["list", "locks", "--no-lock"], { env, encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
        const backup = spawn("restic", ["backup", "--limit-upload", "1024", big], { env, stdio: "ignore" });
        for (let waited = 0; locks().length === 0 && waited < 100; waited++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        backup.kill("SIGKILL");
        await new Promise((resolve) => backup.on("close", resolve));
        assert.strictEqual(locks().length, 1, "the killed backup left no lock");
        await unlockRepository(context, app);
        assert.deepStrictEqual(locks(), []);
        await (await context.restic(app)).backup(data, ["after-unlock"]);
    });

    it("restore --previous 1: scales the workload down, restores through the ReplicationDestination, scales it back up", async function () {
        this.timeout(600_000);
        const app = findApp(settings, sandboxApp.name);
        const message = await restoreApp(context, app, 1, { scale: true });
        assert.match(message, /into PVC demo-data/);
        const [restore] = standIn.seen.filter((event) => event.kind === "ReplicationDestination" && event.trigger.startsWith("restore-"));
        assert.ok(restore, "no restore was triggered");
        assert.strictEqual(restore.workloadReplicas, 0, "the workload was running during the restore");
        const destination = await sandbox.kube.get({ apiVersion: volsync, kind: "ReplicationDestination", metadata: { name: restoreDestinationName(app.name), namespace: app.namespace } }) as any;
        assert.strictEqual(destination.spec.trigger.manual, restore.trigger);
        assert.strictEqual(destination.spec.restic.previous, 1);
        assert.strictEqual(destination.spec.restic.destinationPVC, "demo-data");
        const workload = await sandbox.kube.get({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: app.name, namespace: app.namespace } }) as any;
        assert.strictEqual(workload.spec.replicas, 2, "the workload was not scaled back up");
        // The trigger lives in the stack config: a later `pulumi up` changes nothing and restores nothing.
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
    });

    it("restore-side --previous 2: restores into a new PVC next to the live one and returns its name; the live PVC is untouched", async function () {
        this.timeout(600_000);
        const app = findApp(settings, sandboxApp.name);
        const live = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: app.pvc.name, namespace: app.namespace } };
        const liveBefore = (await sandbox.kube.get(live))!;
        const restoresBefore = standIn.seen.filter((event) => event.name === restoreDestinationName(app.name)).length;
        const name = await restoreSideBySide(context, app, 2);
        assert.strictEqual(name, `${app.pvc.name}-restore`);
        const [side] = standIn.seen.filter((event) => event.name === sideRestoreDestinationName(app.name));
        assert.ok(side, "no side-by-side restore was triggered");
        const destination = await sandbox.kube.get({ apiVersion: volsync, kind: "ReplicationDestination", metadata: { name: side.name, namespace: app.namespace } }) as any;
        assert.strictEqual(destination.spec.trigger.manual, side.trigger);
        assert.strictEqual(destination.status.lastManualSync, side.trigger);
        assert.strictEqual(destination.spec.restic.previous, 2);
        assert.strictEqual(destination.spec.restic.destinationPVC, name);
        assert.ok(await sandbox.kube.get({ ...live, metadata: { ...live.metadata, name } }), `PVC ${name} does not exist`);
        const liveAfter = (await sandbox.kube.get(live))!;
        assert.deepStrictEqual([liveAfter.spec, liveAfter.metadata.labels], [liveBefore.spec, liveBefore.metadata.labels], "the live PVC changed");
        assert.strictEqual(standIn.seen.filter((event) => event.name === restoreDestinationName(app.name)).length, restoresBefore, "the live restore ran again");
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
    });

    it("verify --against: a copy of a backup matches it file by file; a changed or a missing file fails, naming it", async function () {
        const app = findApp(settings, sandboxApp.name);
        const extracted = path.join(work, "side-copy");
        await extractBackup(context, app, 2, extracted);
        // The copy as a side-by-side PVC holds it: the backed-up directory's content at its root.
        const copy = path.join(extracted, data);
        assert.match(await verifyCopy(context, app, copy, 2), /matches \w+ .*: 6 file\(s\), \d+ bytes, every SHA-256 equal/);
        await assert.rejects(verifyCopy(context, app, copy, 0), /does not match/, "a copy of an older backup passed as the latest");
        fs.appendFileSync(path.join(copy, "file-1.bin"), "x");
        fs.rmSync(path.join(copy, "file-2.bin"));
        await assert.rejects(verifyCopy(context, app, copy, 2), (error: Error) =>
            /file-1\.bin: SHA-256 \w+ in the copy, \w+ in the backup/.test(error.message) && /file-2\.bin: missing from/.test(error.message));
    });

    it("velero-restore: a velero.io/v1 Restore from the schedule's newest completed backup, as Velero documents it; waits for its phase", async function () {
        this.timeout(120_000);
        const { namespace, schedule } = settings.velero;
        const backup = (name: string, scheduleName: string, phase: string, completed: string) => sandbox.kube.apply({
            apiVersion: "velero.io/v1", kind: "Backup", metadata: { name, namespace, labels: { [scheduleLabel]: scheduleName } },
            spec: { includedNamespaces: schedule.includedNamespaces, ttl: schedule.ttl, storageLocation: settings.velero.storageLocation },
            status: { phase, completionTimestamp: completed },
        } as any);
        await backup(`${schedule.name}-20261128020000`, schedule.name, "Completed", "2026-11-28T02:10:00Z");
        await backup(`${schedule.name}-20261129020000`, schedule.name, "Completed", "2026-11-29T02:10:00Z");
        await backup(`${schedule.name}-20261130020000`, schedule.name, "Failed", "2026-11-30T02:10:00Z");
        await backup("other-20261130030000", "other", "Completed", "2026-11-30T03:10:00Z");
        const velero = veleroStandIn(sandbox, namespace);
        try {
            const report = await veleroRestore(context, "default", {});
            assert.match(report[0], new RegExp(`^Restore ${namespace}/default-\\d{8}t\\d{6}-[a-z0-9]{5}: Completed$`));
            const [restoreName] = velero.finished;
            const restore = await sandbox.kube.get({ apiVersion: "velero.io/v1", kind: "Restore", metadata: { name: restoreName, namespace } }) as any;
            // Exactly the documented fields, none pruned by the real CRD's schema.
            assert.deepStrictEqual(restore.spec, {
                backupName: `${schedule.name}-20261129020000`, includedNamespaces: ["default"], restorePVs: true, existingResourcePolicy: "none",
            });
            await veleroRestore(context, "default", { backup: `${schedule.name}-20261128020000`, into: "default-restored" });
            const named = await sandbox.kube.get({ apiVersion: "velero.io/v1", kind: "Restore", metadata: { name: velero.finished[1], namespace } }) as any;
            assert.strictEqual(named.spec.backupName, `${schedule.name}-20261128020000`);
            assert.deepStrictEqual(named.spec.namespaceMapping, { default: "default-restored" });
            velero.nextPhase = "PartiallyFailed";
            await assert.rejects(veleroRestore(context, "default", {}), /: PartiallyFailed\n[\s\S]*velero restore describe/);
        } finally {
            await velero.stop();
        }
        await assert.rejects(veleroRestore(context, "default", { backup: `${schedule.name}-20261130020000` }), /is Failed; only a Completed/);
        await assert.rejects(veleroRestore(context, "kube-system", {}), /kube-system is not in velero\.schedule\.includedNamespaces/);
        assert.strictEqual((await sandbox.kube.list("velero.io/v1", "Restore")).length, 3, "a refused restore created an object");
    });

    it("the CLI: plain output, and a plain message with a non-zero exit on failure", function () {
        const cli = (...args: string[]) => spawnSync("npx", ["--no-install", "ts-node", "--transpile-only", "ops/cli.ts", "--stack", stackName, "--project", sandbox.projectDir, ...args],
            { cwd: repoRoot, env: process.env, encoding: "utf8" });
        const list = cli("list", sandboxApp.name);
        assert.strictEqual(list.status, 0, list.stderr);
        assert.match(list.stdout, /previous\s+time\s+id/);
        const missing = cli("restore", "nosuch");
        assert.notStrictEqual(missing.status, 0);
        assert.match(missing.stderr, /^error: no protected app "nosuch" in this stack \(apps: demo\)/m);
    });
});
