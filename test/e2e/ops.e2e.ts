// Day-2 operations against the sandbox: real API server, real External Secrets Operator, real MinIO over
// TLS, real restic, the stack's own config and outputs. The sandbox runs no VolSync controller and no
// kubelet, so a labelled stand-in below plays VolSync's one visible part (reporting a manual trigger as
// done), and the cluster side is checked as the exact objects and fields each verb sets. Velero's server is
// real (test/sandbox/velero.ts): `velero-restore` is checked against the backups and restores it makes.
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
import { KubeObject } from "../sandbox/kubeClient";
import { repoRoot, Sandbox, sandboxApp, stackName, startSandbox } from "../sandbox/sandbox";
import { finishedPhases, startVelero, veleroCli, waitForVelero } from "../sandbox/velero";
import { mcAs } from "./clients";

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

    describe("velero-restore, through the real Velero server (test/sandbox/velero.ts)", function () {
        const restored = "default-restored";
        const velero = "velero.io/v1";
        /** What an app team keeps in a namespace the schedule backs up. */
        const originals: KubeObject[] = [
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-settings", namespace: "default", labels: { app: "web" } }, data: { "site.conf": "listen 8080\n" } },
            { apiVersion: "v1", kind: "Secret", metadata: { name: "web-credentials", namespace: "default" }, type: "Opaque", stringData: { token: "not-a-real-token" } },
            {
                apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", labels: { app: "web" } },
                spec: { replicas: 1, selector: { matchLabels: { app: "web" } },
                    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "registry.invalid/web:1" }] } } },
            },
        ];
        /** An object without what the API server and Velero set on it: identity, versions, status, and the two
         * labels Velero puts on everything it restores. */
        const comparable = (object: KubeObject) => {
            const { uid, resourceVersion, creationTimestamp, managedFields, generation, namespace, ...metadata } = object.metadata as any;
            const labels = Object.fromEntries(Object.entries(metadata.labels ?? {}).filter(([key]) => !["velero.io/backup-name", "velero.io/restore-name"].includes(key)));
            const annotations = Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([key]) => key !== "deployment.kubernetes.io/revision"));
            const { status, ...rest } = object as any;
            return { ...rest, metadata: { ...metadata, labels, annotations } };
        };
        const finished = (object: KubeObject) => finishedPhases.has((object.status as any)?.phase);
        const restores = async () => (await sandbox.kube.list(velero, "Restore")).map((restore) => restore.metadata.name);

        before(async function () {
            this.timeout(300_000);
            await startVelero(sandbox);
        });

        it("with no completed backup: lists the schedule's PartiallyFailed backups with their error counts and says how to pick one; creates nothing", async function () {
            this.timeout(300_000);
            const { namespace, schedule, storageLocation } = settings.velero;
            // A backup of the schedule (Velero finds them by this label) that the server itself ends PartiallyFailed:
            // one of its namespaces does not exist.
            const name = `${schedule.name}-partial`;
            await sandbox.kube.apply({
                apiVersion: velero, kind: "Backup", metadata: { name, namespace, labels: { [scheduleLabel]: schedule.name } },
                spec: { includedNamespaces: ["default", "no-such-namespace"], ttl: schedule.ttl, storageLocation },
            });
            const partial = await waitForVelero(sandbox.kube, "Backup", namespace, name, finished, 300_000) as any;
            assert.strictEqual(partial.status.phase, "PartiallyFailed", JSON.stringify(partial.status));
            await assert.rejects(veleroRestore(context, "default", {}), (error: Error) => {
                assert.match(error.message, new RegExp(`^schedule ${schedule.name} has no completed Velero backup in namespace ${namespace}, only these \\(newest first\\):\n`));
                assert.match(error.message, new RegExp(`\n  ${name}: PartiallyFailed, ${partial.status.errors} error\\(s\\), ${partial.status.warnings ?? 0} warning\\(s\\), `));
                assert.match(error.message, /velero backup describe <name> --details[\s\S]*--backup <name>/);
                return true;
            });
            assert.deepStrictEqual(await restores(), [], "a refused restore created an object");
        });

        it("--into: a Restore from the schedule's newest completed backup; the real server restores the namespace's objects, equal to the originals", async function () {
            this.timeout(600_000);
            const { namespace, schedule } = settings.velero;
            for (const object of originals) {
                await sandbox.kube.apply(object);
            }
            let started = Date.now();
            const submitted = /Backup request "([^"]+)" submitted/.exec(await veleroCli(sandbox)("backup", "create", "--from-schedule", schedule.name));
            assert.ok(submitted, "velero backup create did not name its backup");
            const backupName = submitted[1];
            const backup = await waitForVelero(sandbox.kube, "Backup", namespace, backupName, finished, 300_000) as any;
            const backupSeconds = (Date.now() - started) / 1000;
            assert.strictEqual(backup.status.phase, "Completed", JSON.stringify(backup.status));
            started = Date.now();
            const report = await veleroRestore(context, "default", { into: restored });
            const restoreSeconds = (Date.now() - started) / 1000;
            console.log(`      velero: backup from ${schedule.name} ${backupSeconds.toFixed(1)}s (${backup.status.progress?.itemsBackedUp} items), restore of default ${restoreSeconds.toFixed(1)}s`);
            assert.match(report[0], new RegExp(`^Restore ${namespace}/(default-\\d{8}t\\d{6}-[a-z0-9]{5}): Completed$`));
            assert.match(report[2], /^  warnings 0, errors 0$/);
            const restoreName = /Restore \S+\/(\S+):/.exec(report[0])![1];
            const restore = await sandbox.kube.get({ apiVersion: velero, kind: "Restore", metadata: { name: restoreName, namespace } }) as any;
            // The documented fields, none pruned by the real CRD's schema (the server adds its defaults beside
            // them), and the newest completed backup.
            const { backupName: usedBackup, includedNamespaces, namespaceMapping, restorePVs, existingResourcePolicy } = restore.spec;
            assert.deepStrictEqual({ usedBackup, includedNamespaces, namespaceMapping, restorePVs, existingResourcePolicy }, {
                usedBackup: backupName, includedNamespaces: ["default"], namespaceMapping: { default: restored }, restorePVs: true, existingResourcePolicy: "none",
            });
            for (const original of originals) {
                const live = (await sandbox.kube.get(original))!;
                const copy = await sandbox.kube.get({ ...original, metadata: { ...original.metadata, namespace: restored } });
                assert.ok(copy, `${original.kind} ${original.metadata.name} was not restored into ${restored}`);
                assert.strictEqual((copy.metadata.labels as any)["velero.io/restore-name"], restoreName);
                assert.deepStrictEqual(comparable(copy), comparable(live), `${original.kind} ${original.metadata.name} differs from the original`);
            }
        });

        it("a restore the server cannot complete (the backup's archive is gone) exits non-zero with Velero's phase and where to look", async function () {
            this.timeout(600_000);
            const { namespace, schedule, bucket } = settings.velero;
            const submitted = /Backup request "([^"]+)" submitted/.exec(await veleroCli(sandbox)("backup", "create", "--from-schedule", schedule.name));
            const name = submitted![1];
            assert.strictEqual((await waitForVelero(sandbox.kube, "Backup", namespace, name, finished, 300_000) as any).status.phase, "Completed");
            const { rootUser, rootPassword, endpoint } = sandbox.state.minio;
            const mc = mcAs({ endpoint, accessKey: rootUser, secretKey: rootPassword }, sandbox.env(), path.join(work, "mc"), sandbox.pki.caCert);
            const removed = await mc("rm", `target/${bucket}/backups/${name}/${name}.tar.gz`);
            assert.strictEqual(removed.code, 0, removed.stderr);
            await assert.rejects(veleroRestore(context, "default", { backup: name, into: "default-broken" }),
                /^Error: Restore \S+: (Failed|PartiallyFailed)\n[\s\S]*velero restore describe \S+ --details/);
        });

        it("refuses, before creating anything, a backup that is not restorable and a namespace the schedule does not back up", async function () {
            this.timeout(300_000);
            const { namespace } = settings.velero;
            // The server refuses this one itself: its location does not exist.
            const name = "no-location";
            await sandbox.kube.apply({ apiVersion: velero, kind: "Backup", metadata: { name, namespace }, spec: { includedNamespaces: ["default"], storageLocation: "no-such-location" } });
            assert.strictEqual((await waitForVelero(sandbox.kube, "Backup", namespace, name, finished) as any).status.phase, "FailedValidation");
            const before = await restores();
            await assert.rejects(veleroRestore(context, "default", { backup: name }), /is FailedValidation; only a Completed/);
            await assert.rejects(veleroRestore(context, "kube-system", {}), /kube-system is not in velero\.schedule\.includedNamespaces/);
            assert.deepStrictEqual(await restores(), before, "a refused restore created an object");
        });
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
