// End-to-end: the real Pulumi engine runs the program against the sandbox (a real API server, MinIO over
// TLS, the Connect stand-in) and the checks of issue 6 run in order on the one stack they build. The
// sandbox's servers are stopped in `after`, whether the checks passed or not.
import * as assert from "assert";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { credentialFields } from "../../components/bucketCredentials";
import { resticSecretName, sideRestoreDestinationName } from "../../components/protectedApp";
import { stackSettings } from "../../ops/stackFile";
import { resticAccessFromOutputs } from "../../ops/stackOps";
import { veleroImageTag, volumePolicyName } from "../../components/velero";
import { goDurationSeconds } from "../../components/config/formats";
import { renderCharts } from "../helpers/chartRender";
import { everyOptionRawConfig, settingsFrom, stackFileConfig } from "../helpers/settings";
import { nodeNames } from "../sandbox/nodes";
import { createRunPki } from "../sandbox/pki";
import { connectRequest, itemCredentials, itemsTitled } from "../sandbox/connectClient";
import { secretWrittenByEso } from "../sandbox/externalSecretsOperator";
import { findLeaks, NamedSecret } from "../helpers/secretLeaks";
import { KubeApiError, KubeClient, KubeObject } from "../sandbox/kubeClient";
import { PulumiError, PulumiRun, rebuildCluster, repoRoot, Sandbox, sandboxApp, stackName, startSandbox } from "../sandbox/sandbox";
import { finishedPhases, startVelero, veleroCli, VeleroServer, veleroMetrics, veleroPluginDir, waitForVelero } from "../sandbox/velero";
import { metricRequirements, unmetRequirements } from "../helpers/metricContract";
import { mcAs, run } from "./clients";
import { sandboxForSuite } from "./suiteSandbox";

/** The pull request gate, exactly as .github/workflows/policy-preview.yml runs it. */
const policyGate = path.join(repoRoot, "scripts", "policy-gate.sh");
/** Where the stack's charts run. */
const stackNamespaces = ["openebs", "snapshot-controller", "volsync-system", "velero"];
const seedBytes = 64 * 1024 * 1024;
const seedFiles = 16;

describe("sandbox end to end", function () {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "storage-backup-e2e-"));
    const timings: Record<string, number> = {};
    const outputs: PulumiRun[] = [];
    let sandbox: Sandbox;

    /** Runs a step and records its wall time under `name`. */
    async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
        const started = Date.now();
        try {
            return await step();
        } finally {
            timings[name] = (Date.now() - started) / 1000;
        }
    }

    async function pulumi(args: string[]): Promise<PulumiRun> {
        const result = await sandbox.pulumi(args);
        outputs.push(result);
        return result;
    }

    /** Runs `body` on a throwaway stack whose config is the sandbox stack's with `changes` (`--path` keys) applied;
     * a null value removes the key. */
    async function withChangedConfig(stack: string, changes: Record<string, string | null>, body: () => Promise<void>): Promise<void> {
        await sandbox.pulumi(["stack", "init", stack]);
        try {
            fs.writeFileSync(path.join(sandbox.projectDir, `Pulumi.${stack}.yaml`), fs.readFileSync(sandbox.stackConfigFile, "utf8"));
            for (const [key, value] of Object.entries(changes)) {
                await sandbox.pulumi(value === null
                    ? ["config", "rm", "--stack", stack, "--path", key]
                    : ["config", "set", "--stack", stack, "--path", key, value]);
            }
            await body();
        } finally {
            await sandbox.pulumi(["stack", "rm", stack, "--yes", "--force"]);
        }
    }

    /** A stack whose state holds nothing but the stack itself: its run changed nothing. */
    async function assertNothingDeployed(stack: string): Promise<void> {
        const state = JSON.parse((await sandbox.pulumi(["stack", "export", "--stack", stack])).stdout);
        assert.deepStrictEqual((state.deployment?.resources ?? []).filter((resource: any) => resource.type !== "pulumi:pulumi:Stack"), [],
            `stack ${stack} has resources in its state`);
    }

    const mcConfig = path.join(work, "mc");
    const mc = (identity: { accessKey: string; secretKey: string }) =>
        mcAs({ endpoint: sandbox.state.minio.endpoint, ...identity }, sandbox.env(), mcConfig, sandbox.pki.caCert);
    const root = () => mc({ accessKey: sandbox.state.minio.rootUser, secretKey: sandbox.state.minio.rootPassword });
    const connect = () => sandbox.state.connect;
    const credentialsOf = (title: string) => itemCredentials(connect(), title);

    /**
     * The app's restic secret as the cluster's secret operator wrote it (the one place that names the
     * operator), once `ready` holds. ESO re-reads an item on its refresh interval or when the
     * ExternalSecret's metadata changes, so a changed item is picked up through an annotation.
     */
    async function resticSecret(ready: (values: Record<string, string>) => boolean = () => true): Promise<Record<string, string>> {
        const name = resticSecretName(sandboxApp.name);
        await sandbox.kube.mergePatch({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace: sandboxApp.name } },
            { metadata: { annotations: { "force-sync": String(Date.now()) } } });
        const deadline = Date.now() + 120_000;
        for (;;) {
            const values = await secretWrittenByEso(sandbox.kube, sandboxApp.name, name);
            if (ready(values) || Date.now() > deadline) {
                return values;
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }

    /** restic restores the drill's latest backup with `env` alone; every file's SHA-256 must equal the seed's. */
    async function assertDrillRestores(env: Record<string, string>, label: string): Promise<void> {
        const target = path.join(work, `restored-${label}`);
        const result = await timed(`restic restore 64 MiB (${label})`, () => run("restic", ["--cacert", sandbox.pki.caCert, "restore", "latest", "--target", target],
            { ...sandbox.env(), ...env, RESTIC_CACHE_DIR: path.join(work, `restic-cache-${label}`) }));
        assert.strictEqual(result.code, 0, `restic restore (${label}): ${result.stderr}`);
        const seed = path.join(work, "seed");
        const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        const files = fs.readdirSync(seed);
        assert.strictEqual(files.length, seedFiles, "the drill's seed is missing");
        for (const file of files) {
            assert.strictEqual(digest(path.join(target, seed, file)), digest(path.join(seed, file)), `${file} differs (${label})`);
        }
    }

    sandboxForSuite({
        work,
        start: (dir) => timed("sandbox servers up", () => startSandbox(dir)),
        started: (started) => { sandbox = started; },
        summary: () => ({ heading: "timings (s):", lines: Object.entries(timings).map(([name, seconds]) => `${name.padEnd(40)} ${seconds.toFixed(1)}`) }),
    });

    describe("1. pulumi up", () => {
        it("succeeds through the real engine", async function () {
            this.timeout(600_000);
            await timed("pulumi up (first)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
        });

        it("left every custom resource of the stack in the API server, accepted under the real CRD schemas", async () => {
            const state = JSON.parse((await sandbox.pulumi(["stack", "export", "--stack", stackName])).stdout);
            const custom = (state.deployment.resources as any[]).filter((resource) =>
                /^kubernetes:(velero\.io|volsync\.backube|external-secrets\.io|monitoring\.coreos\.com|snapshot\.storage\.k8s\.io)\//.test(resource.type));
            const kinds = new Set(custom.map((resource) => resource.outputs.kind));
            for (const kind of ["BackupStorageLocation", "Schedule", "ExternalSecret", "ReplicationSource", "ReplicationDestination", "PrometheusRule", "ServiceMonitor"]) {
                assert.ok(kinds.has(kind), `the stack has no ${kind}; it has ${[...kinds].join(", ")}`);
            }
            for (const resource of custom) {
                const { apiVersion, kind, metadata } = resource.outputs;
                assert.ok(await sandbox.kube.get({ apiVersion, kind, metadata }), `${kind} ${metadata.namespace}/${metadata.name} is not in the API server`);
            }
        });

        it("every chart's Deployments are Available with all replicas, and DaemonSets run on every node (AC1)", async () => {
            const namespaces = new Set(stackNamespaces);
            const deployments = (await sandbox.kube.list("apps/v1", "Deployment")).filter((object) => namespaces.has(object.metadata.namespace!));
            const names = deployments.map((object) => object.metadata.name);
            for (const expected of ["snapshot-controller", "volsync", "velero"]) {
                assert.ok(names.some((name) => name!.includes(expected)), `no ${expected} Deployment; found ${names.join(", ")}`);
            }
            assert.ok(deployments.some((object) => object.metadata.namespace === "openebs"), `no OpenEBS Deployment; found ${names.join(", ")}`);
            for (const deployment of deployments) {
                const spec = deployment.spec as any;
                const status = deployment.status as any;
                const available = (status.conditions ?? []).find((condition: any) => condition.type === "Available");
                assert.strictEqual(available?.status, "True", `Deployment ${deployment.metadata.namespace}/${deployment.metadata.name} is not Available`);
                assert.strictEqual(status.availableReplicas, spec.replicas ?? 1, `Deployment ${deployment.metadata.name}: ${status.availableReplicas} of ${spec.replicas} available`);
            }
            const daemonSets = (await sandbox.kube.list("apps/v1", "DaemonSet")).filter((object) => namespaces.has(object.metadata.namespace!));
            assert.ok(daemonSets.length > 0, "the stack deployed no node agent DaemonSet");
            for (const daemonSet of daemonSets) {
                const status = daemonSet.status as any;
                assert.strictEqual(status.numberReady, nodeNames.length, `DaemonSet ${daemonSet.metadata.name}: ${status.numberReady} of ${nodeNames.length} nodes ready`);
            }
        });

        for (const [config, raw] of [["the apps stack", () => stackFileConfig("apps")], ["every optional part on", everyOptionRawConfig]] as const) {
            it(`every chart, rendered with the values the program passes for ${config}, is accepted by the API server (dry run)`, async function () {
                this.timeout(300_000);
                const rendered = await renderCharts(settingsFrom(raw()));
                const refused: string[] = [];
                const madeNamespaces: KubeObject[] = [];
                try {
                    for (const chart of rendered) {
                        const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: chart.namespace } };
                        if (!await sandbox.kube.get(namespace)) {
                            madeNamespaces.push(await sandbox.kube.apply(namespace));
                        }
                        for (const object of chart.objects) {
                            const scoped = object.metadata.namespace || !await sandbox.kube.namespaced(object.apiVersion, object.kind).catch(() => true)
                                ? object : { ...object, metadata: { ...object.metadata, namespace: chart.namespace } };
                            await sandbox.kube.apply(scoped as KubeObject, { dryRun: true }).catch((error: Error) =>
                                refused.push(`${chart.chart} ${object.kind} ${object.metadata.name}: ${error.message}`));
                        }
                    }
                } finally {
                    for (const namespace of madeNamespaces) {
                        await sandbox.kube.delete(namespace);
                    }
                }
                assert.ok(rendered.length >= 4 && rendered.every((chart) => chart.objects.length > 0), "nothing was rendered");
                assert.deepStrictEqual(refused, []);
            });
        }

        it("runs against an API server that rejects fields a CRD does not declare (the check above can fail)", async () => {
            await assert.rejects(sandbox.kube.apply({
                apiVersion: "velero.io/v1", kind: "Schedule", metadata: { name: "strictness-probe", namespace: "velero" },
                spec: { schedule: "0 2 * * *", template: { ttl: "720h" }, notAField: true },
            }), (error: KubeApiError) => error.status >= 400 && /notAField.*not declared|unknown field "spec.notAField"/.test(error.message));
        });
    });

    describe("2. MinIO buckets and scoped users", () => {
        const probe = path.join(os.tmpdir(), `probe-${process.pid}.txt`);
        before(() => fs.writeFileSync(probe, "probe"));
        after(() => fs.rmSync(probe, { force: true }));

        it("created both buckets", async () => {
            const listing = await root()("ls", "target");
            assert.strictEqual(listing.code, 0, listing.stderr);
            for (const bucket of ["volsync", "openebs-backups"]) {
                assert.match(listing.stdout, new RegExp(` ${bucket}/\\n`), `bucket ${bucket} is missing:\n${listing.stdout}`);
            }
        });

        for (const [item, own, other] of [["volsync-minio", "volsync", "openebs-backups"], ["velero-minio", "openebs-backups", "volsync"]]) {
            it(`the ${item} user may list, put, get and delete in ${own} only, and no admin operation`, async function () {
                this.timeout(60_000);
                const as = mc(await credentialsOf(item));
                for (const args of [["cp", probe, `target/${own}/probe.txt`], ["ls", `target/${own}`], ["cat", `target/${own}/probe.txt`], ["rm", `target/${own}/probe.txt`]]) {
                    const result = await as(...args);
                    assert.strictEqual(result.code, 0, `mc ${args.join(" ")} as ${item} failed: ${result.stderr}`);
                }
                for (const args of [["cp", probe, `target/${other}/probe.txt`], ["ls", `target/${other}`], ["mb", "target/not-allowed"],
                    ["admin", "user", "list", "target"], ["admin", "policy", "list", "target"]]) {
                    const result = await as(...args);
                    assert.notStrictEqual(result.code, 0, `mc ${args.join(" ")} as ${item} should be denied but succeeded`);
                    assert.match(result.stderr + result.stdout, /Access Denied|AccessDenied|Insufficient permissions|not allowed/i, `mc ${args.join(" ")}: ${result.stderr}`);
                }
            });

            it(`the ${item} user cannot delete its own bucket, change its policy or its lifecycle (issue 13)`, async function () {
                this.timeout(60_000);
                const as = mc(await credentialsOf(item));
                const publicRead = path.join(work, `public-read-${own}.json`);
                fs.writeFileSync(publicRead, JSON.stringify({ Version: "2012-10-17", Statement: [{
                    Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${own}/*`],
                }] }));
                const expireAll = JSON.stringify({ Rules: [{ ID: "expire-all", Status: "Enabled", Expiration: { Days: 1 } }] });
                // Never `rb --force`: the user may delete objects, so that would empty the bucket.
                const attempts: [string, Promise<{ code: number; stdout: string; stderr: string }>][] = [
                    ["DeleteBucket", as("rb", `target/${own}`)],
                    ["PutBucketPolicy", as("anonymous", "set-json", publicRead, `target/${own}`)],
                    ["PutLifecycleConfiguration", as.withInput(expireAll, "ilm", "import", `target/${own}`)],
                ];
                for (const [action, attempt] of attempts) {
                    const result = await attempt;
                    assert.notStrictEqual(result.code, 0, `${action} on ${own} as ${item} should be denied but succeeded`);
                    // mc refuses a non-empty bucket itself; only the server's answer proves the right is missing.
                    assert.doesNotMatch(result.stderr, /is not empty/, `${action}: mc never asked the server`);
                    assert.match(result.stderr, /Access Denied/, `${action} on ${own} as ${item}: ${result.stderr}`);
                }
                assert.match((await root()("ls", "target")).stdout, new RegExp(` ${own}/\\n`), `bucket ${own} is gone`);
                assert.match((await root()("anonymous", "get", `target/${own}`)).stdout, /is `private`/);
            });
        }
    });

    describe("3. restore drill (DATA-001)", () => {
        it("restic backs up 64 MiB to MinIO over TLS with the secret ESO wrote from the program's ExternalSecret, restores it, checksums match", async function () {
            this.timeout(600_000);
            const values = await timed("ESO renders the restic secret", () => secretWrittenByEso(sandbox.kube, sandboxApp.name, resticSecretName(sandboxApp.name)));
            const item = await credentialsOf("volsync-minio");
            assert.strictEqual(values.RESTIC_PASSWORD, item.resticPassword, "the rendered secret's password is not the 1Password item's");
            assert.strictEqual(values.AWS_SECRET_ACCESS_KEY, item.secretKey);
            assert.strictEqual(values.RESTIC_REPOSITORY, `s3:https://${sandbox.state.minio.endpoint}/volsync/${sandboxApp.name}`);

            const seed = path.join(work, "seed");
            fs.mkdirSync(seed);
            for (let index = 0; index < seedFiles; index++) {
                fs.writeFileSync(path.join(seed, `file-${index}.bin`), randomBytes(seedBytes / seedFiles));
            }
            const env = { ...sandbox.env(), ...values, RESTIC_CACHE_DIR: path.join(work, "restic-cache") };
            const restic = async (...args: string[]) => {
                const result = await run("restic", ["--cacert", sandbox.pki.caCert, ...args], env);
                assert.strictEqual(result.code, 0, `restic ${args.join(" ")}: ${result.stderr}`);
                return result.stdout;
            };
            await timed("restic init", () => restic("init"));
            await timed("restic backup 64 MiB", () => restic("backup", "--host", "e2e", seed));
            const target = path.join(work, "restored");
            await timed("restic restore 64 MiB", () => restic("restore", "latest", "--target", target));
            const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            for (const file of fs.readdirSync(seed)) {
                assert.strictEqual(digest(path.join(target, seed, file)), digest(path.join(seed, file)), `${file} differs after restore`);
            }
        });
    });

    describe("3b. Velero: the real server and its AWS plugin, on the stack's own objects (issue 20)", () => {
        let velero: VeleroServer;
        let backup: KubeObject;
        const settings = () => stackSettings(stackName, sandbox.projectDir).velero;
        const location = () => ({ apiVersion: "velero.io/v1", kind: "BackupStorageLocation", metadata: { name: settings().storageLocation, namespace: settings().namespace } });
        const gauge = async () => /^velero_backup_location_status_gauge\{backup_location_name="([^"]+)"\} (\S+)$/m.exec(await veleroMetrics(velero));
        const cli = () => veleroCli(sandbox);
        /** A file of the Velero bucket, as the Velero bucket user reads it. */
        const bucketFile = async (key: string) => {
            const local = path.join(work, "velero-objects", key);
            const copied = await mc(await credentialsOf("velero-minio"))("cp", `target/${settings().bucket}/${key}`, local);
            assert.strictEqual(copied.code, 0, `mc cp ${key}: ${copied.stderr}`);
            return fs.readFileSync(local);
        };
        /** A Pod that KWOK runs on a node (nodeName: no scheduling, which a Pending PVC would block), mounting `claim`. */
        const podMounting = (namespace: string, claim: string): KubeObject => ({
            apiVersion: "v1", kind: "Pod", metadata: { name: "app", namespace },
            spec: { nodeName: nodeNames[0], containers: [{ name: "app", image: "registry.invalid/app:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
                volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] },
        });
        /** `velero backup create` as the runbook says; resolves when Velero finished it. */
        async function backupWith(...args: string[]): Promise<KubeObject> {
            const submitted = /Backup request "([^"]+)" submitted/.exec(await cli()("backup", "create", ...args));
            assert.ok(submitted, "velero backup create did not say which backup it submitted");
            return waitForVelero(sandbox.kube, "Backup", settings().namespace, submitted[1], (object) => finishedPhases.has((object.status as any)?.phase), 300_000);
        }

        before(async function () {
            this.timeout(300_000);
            velero = await timed("velero server started", () => startVelero(sandbox));
        });

        it("runs the releases the stack deploys, as the chart's ServiceAccount", async function () {
            const deployment = (await sandbox.kube.list("apps/v1", "Deployment")).find((object) => object.metadata.namespace === settings().namespace
                && (object.spec as any).template.spec.containers.some((container: any) => container.args?.[0] === "server")) as any;
            const pod = deployment.spec.template.spec;
            assert.match(await cli()("version", "--client-only"), new RegExp(`Version: ${veleroImageTag}\\b`));
            assert.ok(pod.containers[0].image.endsWith(`:${veleroImageTag}`), `the chart's Velero image ${pod.containers[0].image} is not the server the sandbox runs`);
            const plugin = await run("go", ["version", "-m", path.join(veleroPluginDir, "velero-plugin-for-aws")], sandbox.env());
            const pluginVersion = /github\.com\/vmware-tanzu\/velero-plugin-for-aws\s+(v\S+)/.exec(plugin.stdout)?.[1];
            assert.ok(pluginVersion, plugin.stdout + plugin.stderr);
            assert.strictEqual(pod.initContainers[0].image, settings().awsPluginImage);
            assert.ok(settings().awsPluginImage.endsWith(`:${pluginVersion}`), `the plugin image ${settings().awsPluginImage} is not the plugin the sandbox runs (${pluginVersion})`);
            // Who the server is to the API server: the chart's account, with the chart's RBAC, not the sandbox admin.
            const review = await KubeClient.fromFile(velero.kubeconfig).request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
            assert.strictEqual(review.status.userInfo.username, `system:serviceaccount:${settings().namespace}:${pod.serviceAccountName}`);
        });

        it(`the stack's location is Available with the Velero user's keys and MinIO's CA; with MinIO stopped Unavailable (gauge 0), restarted Available (gauge 1)`, async function () {
            this.timeout(300_000);
            const phase = (wanted: string) => (object: KubeObject) => (object.status as any)?.phase === wanted;
            await timed("velero: location Available", () => waitForVelero(sandbox.kube, "BackupStorageLocation", settings().namespace, settings().storageLocation, phase("Available")));
            const gaugeIs = async (value: string) => {
                for (let tries = 0; tries < 120; tries++) {
                    const current = await gauge();
                    if (current?.[1] === settings().storageLocation && current[2] === value) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 500));
                }
                assert.fail(`velero_backup_location_status_gauge is not ${value}: ${(await gauge())?.[0]}`);
            };
            await gaugeIs("1");
            await sandbox.stopMinio();
            try {
                const down = await timed("velero: location Unavailable after MinIO stopped", () =>
                    waitForVelero(sandbox.kube, "BackupStorageLocation", settings().namespace, settings().storageLocation, phase("Unavailable")));
                assert.match((down.status as any).message ?? "", new RegExp(sandbox.state.minio.endpoint.replace(/\./g, "\\.")));
                await gaugeIs("0");
            } finally {
                await sandbox.startMinio();
            }
            await timed("velero: location Available after MinIO restarted", () =>
                waitForVelero(sandbox.kube, "BackupStorageLocation", settings().namespace, settings().storageLocation, phase("Available")));
            await gaugeIs("1");
            assert.ok(await sandbox.kube.get(location()));
        });

        it("a backup from daily-backup ends Completed with 0 errors and 0 warnings, with the stack's TTL and the expiration that follows from it", async function () {
            this.timeout(600_000);
            // The app's pod, mounting its VolSync-protected PVC: the volume policy must keep Velero's file-system backup off it.
            await sandbox.kube.apply(podMounting(sandboxApp.name, sandboxApp.pvc));
            backup = await timed("velero backup from daily-backup (create to Completed)", () => backupWith("--from-schedule", settings().schedule.name));
            const status = backup.status as any;
            assert.deepStrictEqual([status.phase, status.errors ?? 0, status.warnings ?? 0], ["Completed", 0, 0], JSON.stringify(status));
            const spec = backup.spec as any;
            assert.strictEqual((backup.metadata.labels as any)["velero.io/schedule-name"], settings().schedule.name);
            assert.deepStrictEqual(spec.includedNamespaces, settings().schedule.includedNamespaces);
            const ttlSeconds = goDurationSeconds(settings().schedule.ttl);
            assert.strictEqual(goDurationSeconds(spec.ttl), ttlSeconds, `the backup's ttl ${spec.ttl} is not the stack's ${settings().schedule.ttl}`);
            const lifetime = (Date.parse(status.expiration) - Date.parse(status.startTimestamp)) / 1000;
            assert.ok(Math.abs(lifetime - ttlSeconds) < 60, `expiration ${status.expiration} is not start ${status.startTimestamp} + ${settings().schedule.ttl}`);
        });

        it("its objects are under backups/<name>/ in the Velero bucket, holding the namespaces' objects; the VolSync user cannot read them", async function () {
            this.timeout(120_000);
            const name = backup.metadata.name!;
            const prefix = `target/${settings().bucket}/backups/${name}/`;
            const listing = await mc(await credentialsOf("velero-minio"))("ls", "--recursive", prefix);
            assert.strictEqual(listing.code, 0, listing.stderr);
            for (const file of [`${name}.tar.gz`, `${name}-logs.gz`, "velero-backup.json"]) {
                assert.match(listing.stdout, new RegExp(` ${file.replace(/\./g, "\\.")}\\n`), `no ${file} under ${prefix}:\n${listing.stdout}`);
            }
            const archive = path.join(work, "velero-objects", "backup.tar.gz");
            fs.writeFileSync(archive, await bucketFile(`backups/${name}/${name}.tar.gz`));
            const entries = await run("tar", ["-tzf", archive], sandbox.env());
            for (const entry of [`resources/persistentvolumeclaims/namespaces/${sandboxApp.name}/${sandboxApp.pvc}.json`, `resources/pods/namespaces/${sandboxApp.name}/app.json`]) {
                assert.ok(entries.stdout.split("\n").some((line) => line.endsWith(entry)), `the backup holds no ${entry}:\n${entries.stdout}`);
            }
            const volsyncUser = mc(await credentialsOf("volsync-minio"));
            for (const args of [["cat", `${prefix}velero-backup.json`], ["ls", prefix]]) {
                const denied = await volsyncUser(...args);
                assert.notStrictEqual(denied.code, 0, `mc ${args.join(" ")} as the VolSync user succeeded`);
                assert.match(denied.stderr, /Access Denied|Insufficient permissions/, denied.stderr);
            }
        });

        it("the volume policy skips the pod's VolSync-protected PVC; the same pod on an unlabelled PVC is not skipped", async function () {
            this.timeout(300_000);
            const name = backup.metadata.name!;
            const podVolumeBackups = (await sandbox.kube.list("velero.io/v1", "PodVolumeBackup"))
                .filter((object) => (object.metadata.labels as any)?.["velero.io/backup-name"] === name);
            assert.deepStrictEqual(podVolumeBackups, [], "Velero made a file-system backup of a VolSync-protected volume");
            const log = zlib.gunzipSync(await bucketFile(`backups/${name}/${name}-logs.gz`)).toString("utf8");
            assert.match(log, new RegExp(`Skip fs-backup action for volume data for pod ${sandboxApp.name}/app because the action type is skip`),
                "the backup's log does not say the policy skipped the volume");
            // The control: no label, so no policy matches, and Velero looks for the claim's volume (none: nothing
            // provisions it here) instead of skipping it. The same policy, the same flags as the schedule.
            const control = "velero-policy-control";
            await sandbox.kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: control } });
            try {
                await sandbox.kube.apply({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "unlabelled", namespace: control },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: "openebs-localpv-hostpath", resources: { requests: { storage: "1Gi" } } } } as KubeObject);
                await sandbox.kube.apply(podMounting(control, "unlabelled"));
                const result = await timed("velero backup of the policy control", () => backupWith(`policy-control-${Date.now()}`, "--include-namespaces", control,
                    "--default-volumes-to-fs-backup", "--snapshot-volumes=false", "--resource-policies-configmap", volumePolicyName));
                assert.strictEqual((result.status as any).phase, "PartiallyFailed", JSON.stringify(result.status));
            } finally {
                await sandbox.kube.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name: control } });
            }
        });

        it("metric contract: every metric and label the stack's Velero alert expressions use is in the real server's /metrics", async function () {
            const rules = (await sandbox.kube.list("monitoring.coreos.com/v1", "PrometheusRule")).filter((rule) => rule.metadata.namespace === settings().namespace);
            const exprs = rules.flatMap((rule) => (rule.spec as any).groups.flatMap((group: any) => group.rules.map((entry: any) => entry.expr as string)));
            const requirements = exprs.flatMap((expr) => metricRequirements(expr, "velero_"));
            assert.ok(requirements.length >= 4, `the deployed Velero alerts use only ${JSON.stringify(requirements)}`);
            assert.deepStrictEqual(unmetRequirements(requirements, await veleroMetrics(velero)), []);
        });
    });

    describe("4. idempotence", () => {
        it("a second pulumi up changes nothing", async function () {
            this.timeout(600_000);
            await timed("pulumi up (second, no changes)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]));
        });

        it("pulumi refresh finds no drift", async function () {
            this.timeout(600_000);
            await timed("pulumi refresh", () => pulumi(["refresh", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]));
        });

        it("pulumi refresh reports an object edited behind the stack's back, and up puts it back", async function () {
            this.timeout(600_000);
            const policy = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: volumePolicyName, namespace: "velero" } };
            const original = (await sandbox.kube.get(policy))!.data as Record<string, string>;
            await sandbox.kube.mergePatch(policy, { data: { "policy.yaml": "version: v1\nvolumePolicies: []\n" } });
            const drift = await sandbox.pulumi(["refresh", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes", "--diff"])
                .then(() => undefined, (failure) => failure);
            assert.ok(drift instanceof PulumiError, "refresh --expect-no-changes passed although the ConfigMap was edited");
            assert.match(drift.run.stdout, new RegExp(`${volumePolicyName}|volume-policy`), `refresh does not name the edited object:\n${drift.run.stdout.slice(-3000)}`);
            await timed("pulumi up (repair drift)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--refresh"]));
            assert.deepStrictEqual((await sandbox.kube.get(policy))!.data, original);
            await pulumi(["refresh", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
        });

        it("the lines `npm run sandbox` prints for by-hand use work as printed in a fresh shell (issue 15)", async function () {
            this.timeout(600_000);
            // A login shell's bare environment: none of the sandbox's or this test's variables, no trusted CA.
            const home = fs.mkdtempSync(path.join(work, "home-"));
            const script = [...sandbox.byHandLines(), "pulumi preview --expect-no-changes --non-interactive", "pulumi stack output --json"].join("\n");
            const result = await run("bash", ["-euo", "pipefail", "-c", script], { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin" });
            assert.strictEqual(result.code, 0, `the printed lines failed:\n${script}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
            assert.ok(JSON.parse(result.stdout.slice(result.stdout.lastIndexOf("\n{"))).apps?.[sandboxApp.name], "stack outputs after the printed lines");
        });
    });

    describe("4b. preflight against the real API server (NEG-001/002)", () => {
        it("a stack pointed at a different CA than MinIO's fails before any change, naming minio.caBundle and the endpoint (issue 15)", async function () {
            this.timeout(300_000);
            const otherCa = createRunPki(path.join(work, "other-pki")).caCert;
            const wrongCa = "local-wrong-ca";
            await withChangedConfig(wrongCa, { "storage-backup:minio.caBundle": otherCa }, async () => {
                for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
                    const error = await sandbox.pulumi([...command, "--stack", wrongCa]).then(() => undefined, (failure) => failure);
                    assert.ok(error instanceof PulumiError, `${command[0]} accepted a CA that did not sign MinIO's certificate`);
                    assert.match(error.run.stdout + error.run.stderr,
                        new RegExp(`minio\\.caBundle: MinIO at https://${sandbox.state.minio.endpoint.replace(/\./g, "\\.")} presents a certificate that the CA in minio\\.caBundle \\(${otherCa.replace(/[.]/g, "\\.")}\\) does not verify`));
                }
                await assertNothingDeployed(wrongCa);
            });
        });

        it("a config naming a snapshot class, a cache class or a PVC the cluster lacks fails before any change, naming the object and the key", async function () {
            this.timeout(300_000);
            const missing = "local-missing-objects";
            await withChangedConfig(missing, {
                "storage-backup:apps[0].copyMethod": "Snapshot",
                "storage-backup:apps[0].volumeSnapshotClass": "no-such-snapshot-class",
                "storage-backup:apps[0].cacheStorageClass": "no-such-cache-class",
                "storage-backup:apps[0].pvc.create": "false",
                "storage-backup:apps[0].pvc.name": "no-such-pvc",
                // A volume class that snapshots (the hostpath class cannot); missing as well.
                "storage-backup:apps[0].pvc.storageClass": "no-such-volume-class",
            }, async () => {
                const error = await sandbox.pulumi(["up", "--stack", missing, "--yes", "--skip-preview"]).then(() => undefined, (failure) => failure);
                assert.ok(error instanceof PulumiError, "up accepted a config naming objects the cluster lacks");
                const text = error.run.stdout + error.run.stderr;
                for (const expected of [
                    /VolumeSnapshotClass "no-such-snapshot-class" does not exist.*apps\[0\]\.volumeSnapshotClass/,
                    /StorageClass "no-such-cache-class" does not exist.*apps\[0\]\.cacheStorageClass/,
                    /StorageClass "no-such-volume-class" does not exist.*apps\[0\]\.pvc\.storageClass/,
                    new RegExp(`PersistentVolumeClaim "${sandboxApp.name}/no-such-pvc" does not exist.*apps\\[0\\]\\.pvc\\.name`),
                ]) {
                    assert.match(text, expected);
                }
                await assertNothingDeployed(missing);
            });
        });

        it("a Velero schedule naming a namespace the cluster lacks: preview warns, naming it and the consequence; nothing fails (issue 20)", async function () {
            this.timeout(300_000);
            const firstUp = outputs[0];
            assert.doesNotMatch(firstUp.stdout + firstUp.stderr, /includedNamespaces names namespaces/, "the sandbox stack's own schedule was warned about");
            const lacking = "local-missing-namespace";
            await withChangedConfig(lacking, { "storage-backup:velero.schedule.includedNamespaces[2]": "no-such-namespace" }, async () => {
                const result = await sandbox.pulumi(["preview", "--stack", lacking]);
                assert.match(result.stdout + result.stderr,
                    /velero\.schedule\.includedNamespaces names namespaces the cluster lacks: no-such-namespace\.[\s\S]*PartiallyFailed[\s\S]*VeleroBackupFailed/);
            });
        });
    });

    describe("5. secrets", () => {
        let secrets: NamedSecret[];
        before(async () => {
            const titles = ["volsync-minio", "velero-minio"];
            const items = await Promise.all(titles.map(credentialsOf));
            secrets = [
                ...items.flatMap((item, index) => [
                    { name: `${titles[index]} secret key`, value: item.secretKey },
                    { name: `${titles[index]} restic password`, value: item.resticPassword },
                ]),
                { name: "Connect token", value: sandbox.state.connect.token },
                { name: "MinIO root user", value: sandbox.state.minio.rootUser },
                { name: "MinIO root password", value: sandbox.state.minio.rootPassword },
                { name: "stack passphrase", value: sandbox.state.passphrase },
            ];
            assert.ok(items.every((item) => item.secretKey?.length >= 20 && item.resticPassword?.length >= 20), "could not read the generated secrets back");
        });
        // In plaintext and in encoded forms (base64 at any offset, base64url, URL- and form-encoded, hex, JSON-escaped).
        const leaked = (text: string) => findLeaks(text, secrets);

        it("none is in pulumi stack export, in plaintext or encoded", async () => {
            assert.deepStrictEqual(leaked((await sandbox.pulumi(["stack", "export", "--stack", stackName])).stdout), []);
        });

        it("none is in any API object other than Secrets", async function () {
            this.timeout(120_000);
            const groups = await sandbox.kube.request("GET", "/apis");
            const versions = ["v1", ...(groups.groups as any[]).map((group) => group.preferredVersion.groupVersion)];
            const found: string[] = [];
            for (const apiVersion of versions) {
                const base = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
                const resources = (await sandbox.kube.request("GET", base)).resources as any[];
                for (const resource of resources.filter((candidate) => !candidate.name.includes("/") && candidate.verbs.includes("list") && candidate.kind !== "Secret")) {
                    const objects: KubeObject[] = await sandbox.kube.list(apiVersion, resource.kind).catch(() => []);
                    for (const object of objects) {
                        for (const hit of leaked(JSON.stringify(object))) {
                            found.push(`${resource.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}: ${hit}`);
                        }
                    }
                }
            }
            assert.deepStrictEqual(found, []);
        });

        it("none is in the program's output (up, refresh, stack output)", async () => {
            const stackOutput = await sandbox.pulumi(["stack", "output", "--stack", stackName, "--json"]);
            assert.deepStrictEqual(leaked([...outputs, stackOutput].map((result) => result.stdout + result.stderr).join("\n")), []);
        });

        it("none is in the logs of the sandbox's servers (API server, controllers, ESO, Velero, MinIO, Connect)", () => {
            const logs = sandbox.state.servers.map((server) => server.logFile);
            for (const log of ["external-secrets.log", "velero.log"]) {
                assert.ok(logs.some((file) => file.endsWith(log)), `${log} is not among ${logs.join(", ")}`);
            }
            assert.deepStrictEqual(logs.flatMap((file) => leaked(fs.readFileSync(file, "utf8")).map((hit) => `${path.basename(file)}: ${hit}`)), []);
        });
    });

    describe("6. policy gate (scripts/policy-gate.sh, as the PR workflow runs it)", () => {
        /** The gate on a stack of the sandbox's project with the pack config `config`; its summary as a reviewer reads it. */
        async function gate(stack: string, label: string, config: object) {
            const configFile = path.join(work, `policy-${label}.json`);
            const summaryFile = path.join(work, `policy-${label}.md`);
            const jobSummary = path.join(work, `policy-${label}-job.md`);
            fs.writeFileSync(configFile, JSON.stringify(config));
            const result = await run("bash", [policyGate, "--stack", stack, "--cwd", sandbox.projectDir, "--policy-config", configFile,
                "--summary-file", summaryFile], sandbox.env({ GITHUB_STEP_SUMMARY: jobSummary, GITHUB_ACTIONS: "" }));
            const summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, "utf8") : "";
            assert.strictEqual(fs.existsSync(jobSummary) ? fs.readFileSync(jobSummary, "utf8") : "", summary, "the job summary is not the gate's summary");
            return { ...result, summary, log: `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}` };
        }
        const row = (policy: string, resource: string, type: string) =>
            new RegExp(`\\| \`${policy}\` \\| \`[^\`]*${resource}[^\`]*\` \\(\`${type.replace(/[./]/g, "\\$&")}\`\\) \\| [^\\n]+\\|\\n`);
        const schedule = ["velero-daily-backup", "kubernetes:velero.io/v1:Schedule"] as const;

        it("a clean change passes: the sandbox stack with no exceptions", async function () {
            this.timeout(600_000);
            const result = await timed("policy gate (preview with pack)", () => gate(stackName, "clean", {}));
            assert.strictEqual(result.code, 0, result.log);
            assert.match(result.summary, /## Policy gate for stack `local`: ✅ passed/);
            assert.match(result.summary, /No policy violations\./);
            assert.match(result.summary, /### Planned changes\n\n.*\d+ unchanged\./);
        });

        it("a change breaking memory limits, TTLs and HTTPS exits 1, naming each policy and the resource", async function () {
            this.timeout(600_000);
            const broken = "local-broken-policy";
            await withChangedConfig(broken, {
                "storage-backup:volsync.resources.limits.memory": "4Gi",
                "storage-backup:velero.schedule.ttl": "8760h",
                "storage-backup:minio.useTls": "false",
                // A CA bundle only goes with HTTPS (the config check refuses it with plain HTTP).
                "storage-backup:minio.caBundle": null,
            }, async () => {
                const result = await gate(broken, "mandatory", {});
                assert.strictEqual(result.code, 1, result.log);
                assert.match(result.summary, /❌ blocked by \d+ mandatory violations/);
                const mandatory = result.summary.slice(result.summary.indexOf("### Mandatory violations"));
                assert.match(mandatory, row("memory-limits", "volsync", "kubernetes:apps/v1:Deployment"));
                assert.match(mandatory, row("backup-ttls", ...schedule));
                assert.match(mandatory, /\| `https-only-s3` \| `[^`]+` \(`[^`]+`\) \| [^\n]*https/);
                assert.match(result.stderr, /policy-gate: stack local-broken-policy: blocked: mandatory policy violation/);
            });
        });

        it("the same TTL change passes with a warning when the stack's pack config makes backup-ttls advisory", async function () {
            this.timeout(600_000);
            // On the deployed stack: a stack never deployed has values unknown at preview (e.g. the Velero
            // secret), which mandatory policies rightly report.
            const original = fs.readFileSync(sandbox.stackConfigFile, "utf8");
            try {
                await sandbox.pulumi(["config", "set", "--stack", stackName, "--path", "storage-backup:velero.schedule.ttl", "8760h"]);
                const result = await gate(stackName, "advisory", { "backup-ttls": { enforcementLevel: "advisory" } });
                assert.strictEqual(result.code, 0, result.log);
                assert.match(result.summary, /⚠️ passed with \d+ advisory violations?\n/);
                assert.match(result.summary.slice(result.summary.indexOf("### Advisory violations")), row("backup-ttls", ...schedule));
                assert.doesNotMatch(result.summary, /### Mandatory violations/);
                assert.match(result.summary, /\| update \| `velero-daily-backup` /, "the planned change is listed");
                assert.match(result.stderr, /policy-gate: stack local: passed with a warning: \d+ advisory violation/);
            } finally {
                fs.writeFileSync(sandbox.stackConfigFile, original);
            }
        });
    });

    describe("8. faults", () => {
        it("a workload that cannot be scheduled fails up within kubernetes.awaitTimeout, naming it; the fixed config converges", async function () {
            this.timeout(900_000);
            const config = (...args: string[]) => sandbox.pulumi(["config", ...args, "--stack", stackName, "--path"]);
            await config("set", "storage-backup:kubernetes.awaitTimeout", "45s");
            await config("set", "storage-backup:kubernetes.nodeSelector.sandbox/pool", "no-such-pool");
            try {
                const started = Date.now();
                const error = await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]).then(() => undefined, (failure) => failure);
                const seconds = (Date.now() - started) / 1000;
                timings["pulumi up (unschedulable, fails)"] = seconds;
                assert.ok(error instanceof PulumiError, "up succeeded with every controller pinned to a node that does not exist");
                const output = error.run.stdout + error.run.stderr;
                assert.match(output, /kubernetes:apps\/v1:Deployment \S+ \*\*updating failed\*\*|Deployment .* failed/, `the failure does not name a Deployment:\n${output.slice(-3000)}`);
                assert.match(output, /timed out|[Tt]imeout/, `the failure does not say it timed out:\n${output.slice(-3000)}`);
                assert.ok(seconds < 300, `up took ${seconds}s to fail with a 45s await timeout`);
            } finally {
                await config("rm", "storage-backup:kubernetes.nodeSelector");
            }
            await timed("pulumi up (after fixing placement)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
            await config("rm", "storage-backup:kubernetes.awaitTimeout");
            await pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
        });

        it("MinIO down during pulumi up: a clear error; after a restart a re-run converges and nothing is lost", async function () {
            this.timeout(600_000);
            await sandbox.stopMinio();
            const error = await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--refresh"])
                .then(() => undefined, (failure) => failure);
            assert.ok(error instanceof PulumiError, "pulumi up succeeded with MinIO down");
            assert.match(error.run.stdout + error.run.stderr, new RegExp(`${sandbox.state.minio.endpoint}.*(connection refused|connect)`, "i"),
                "the error does not say that MinIO could not be reached");
            await sandbox.startMinio();
            await timed("pulumi up after MinIO restart", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--refresh", "--expect-no-changes"]));
            const item = await credentialsOf("volsync-minio");
            const snapshots = await run("restic", ["--cacert", sandbox.pki.caCert, "snapshots", "--json"], {
                ...sandbox.env(), RESTIC_REPOSITORY: `s3:https://${sandbox.state.minio.endpoint}/volsync/${sandboxApp.name}`,
                RESTIC_PASSWORD: item.resticPassword, AWS_ACCESS_KEY_ID: item.accessKey, AWS_SECRET_ACCESS_KEY: item.secretKey,
                RESTIC_CACHE_DIR: path.join(work, "restic-cache"),
            });
            assert.strictEqual(snapshots.code, 0, snapshots.stderr);
            assert.strictEqual(JSON.parse(snapshots.stdout).length, 1, "the drill's snapshot is gone");
        });

        it("a bad config: preview and up fail with the validation message and create nothing", async function () {
            this.timeout(300_000);
            const bad = "local-bad-config";
            await withChangedConfig(bad, { "storage-backup:velero.schedule.cron": "every night" }, async () => {
                const namespacesBefore = (await sandbox.kube.list("v1", "Namespace")).map((namespace) => namespace.metadata.name).sort();
                const bucketsBefore = (await root()("ls", "target")).stdout;
                const error = await sandbox.pulumi(["preview", "--stack", bad]).then(() => undefined, (failure) => failure);
                assert.ok(error instanceof PulumiError, "preview accepted an invalid cron schedule");
                assert.match(error.run.stdout + error.run.stderr, /velero\.schedule\.cron/);
                // Even an `up` of this config must stop before touching anything.
                await assert.rejects(sandbox.pulumi(["up", "--stack", bad, "--yes", "--skip-preview"]), /velero\.schedule\.cron/);
                await assertNothingDeployed(bad);
                assert.deepStrictEqual((await sandbox.kube.list("v1", "Namespace")).map((namespace) => namespace.metadata.name).sort(), namespacesBefore);
                assert.strictEqual((await root()("ls", "target")).stdout, bucketsBefore);
            });
        });
    });

    describe("8b. a lost cluster (npm run sandbox -- rebuild)", () => {
        it("a new, empty cluster in place of the old one; up --refresh rebuilds the stack there, and the drill's backup restores with the secret ESO renders anew", async function () {
            this.timeout(900_000);
            const oldApiServer = sandbox.state.apiServerUrl;
            await timed("cluster lost and replaced", () => rebuildCluster(sandbox));
            assert.notStrictEqual(sandbox.state.apiServerUrl, oldApiServer, "the rebuilt cluster has the old API server");
            assert.deepStrictEqual(await sandbox.kube.list("v1", "Namespace").then((list) => list.map((namespace) => namespace.metadata.name)
                .filter((name) => stackNamespaces.includes(name ?? ""))), [], "the new cluster still holds the stack's namespaces");

            await timed("pulumi up --refresh (rebuilt cluster)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--refresh"]));
            await pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
            for (const namespace of stackNamespaces) {
                assert.ok(await sandbox.kube.get({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }), `namespace ${namespace} after the rebuild`);
            }

            const values = await secretWrittenByEso(sandbox.kube, sandboxApp.name, resticSecretName(sandboxApp.name));
            const env = { ...sandbox.env(), ...values, RESTIC_CACHE_DIR: path.join(work, "restic-cache-rebuilt") };
            const target = path.join(work, "restored-after-rebuild");
            const restored = await run("restic", ["--cacert", sandbox.pki.caCert, "restore", "latest", "--target", target], env);
            assert.strictEqual(restored.code, 0, `restic restore with the rebuilt cluster's secret: ${restored.stderr}`);
            const seed = path.join(work, "seed");
            const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            for (const file of fs.readdirSync(seed)) {
                assert.strictEqual(digest(path.join(target, seed, file)), digest(path.join(seed, file)), `${file} differs after the rebuild's restore`);
            }
        });
    });

    describe("7. destroy and rebuild: keys that outlive the cluster (issue 12)", () => {
        const titles = ["volsync-minio", "velero-minio"];
        const before: Record<string, { id: string; resticPassword: string }> = {};
        let handMade: { id: string; secretKey: string };

        it("removes the cluster objects and keeps the buckets, their backups and the items", async function () {
            this.timeout(600_000);
            for (const title of titles) {
                const [item] = (await itemsTitled(connect(), title)).items;
                before[title] = { id: item.id, resticPassword: (await credentialsOf(title)).resticPassword };
            }
            await timed("pulumi destroy", () => pulumi(["destroy", "--stack", stackName, "--yes", "--skip-preview"]));
            for (const namespace of stackNamespaces) {
                assert.strictEqual(await sandbox.kube.get({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }), undefined,
                    `namespace ${namespace} is still there`);
            }
            // The ESO CRD is the cluster's, so its objects must be gone one by one. VolSync's chart marks its CRDs
            // `helm.sh/resource-policy: keep`, and the provider honours that: the CRDs stay, the stack's objects go.
            assert.deepStrictEqual(await sandbox.kube.list("external-secrets.io/v1", "ExternalSecret"), []);
            assert.deepStrictEqual(await sandbox.kube.list("volsync.backube/v1alpha1", "ReplicationSource"), []);
            assert.deepStrictEqual(await sandbox.kube.list("volsync.backube/v1alpha1", "ReplicationDestination"), []);
            const buckets = await root()("ls", "target");
            for (const bucket of ["volsync", "openebs-backups"]) {
                assert.match(buckets.stdout, new RegExp(` ${bucket}/\\n`), `bucket ${bucket} was deleted`);
            }
            const backups = await root()("ls", "--recursive", `target/volsync/${sandboxApp.name}/snapshots/`);
            assert.strictEqual(backups.code, 0, backups.stderr);
            assert.ok(backups.stdout.trim().split("\n").length >= 1, "the restic snapshot objects are gone");
            // The items are kept too: they hold the only copy of the repositories' password.
            for (const title of titles) {
                assert.deepStrictEqual((await itemsTitled(connect(), title)).items.map((item) => item.id), [before[title].id], `item ${title} after destroy`);
            }
        });

        it("an operator's hand-made volsync-minio item and volsync-backup user (the story's manual steps) stand in for the kept ones", async function () {
            // As an operator following the manual steps would: the user with a key of their own, the item with the
            // repositories' password, laid out by hand (its own section, no username or notes).
            const { vault } = await itemsTitled(connect(), "volsync-minio");
            await connectRequest(connect(), "DELETE", `/v1/vaults/${vault}/items/${before["volsync-minio"].id}`);
            const secretKey = randomBytes(20).toString("hex");
            const added = await root()("admin", "user", "add", "target", "volsync-backup", secretKey);
            assert.strictEqual(added.code, 0, added.stderr);
            const field = (label: string, value: string) => ({ label, type: "CONCEALED", value, section: { id: "by-hand" } });
            const item = await connectRequest(connect(), "POST", `/v1/vaults/${vault}/items`, {
                title: "volsync-minio", category: "LOGIN", vault: { id: vault }, sections: [{ id: "by-hand", label: "MinIO for VolSync" }],
                fields: [field(credentialFields.resticPassword, before["volsync-minio"].resticPassword),
                    field(credentialFields.accessKeyId, "volsync-backup"), field(credentialFields.secretAccessKey, secretKey)],
            });
            handMade = { id: item.id, secretKey };
        });

        it("a rebuilt stack adopts them: one item per title, the same items, the same restic passwords, a re-issued key in the same item", async function () {
            this.timeout(600_000);
            await timed("pulumi up (rebuild after destroy)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
            const expectedIds: Record<string, string> = { "volsync-minio": handMade.id, "velero-minio": before["velero-minio"].id };
            const state = JSON.parse((await sandbox.pulumi(["stack", "export", "--stack", stackName])).stdout);
            const stateIds = (state.deployment.resources as any[]).filter((resource) => resource.type === "onepassword:index/item:Item").map((resource) => resource.id).sort();
            const { vault } = await itemsTitled(connect(), titles[0]);
            assert.deepStrictEqual(stateIds, titles.map((title) => `vaults/${vault}/items/${expectedIds[title]}`).sort(), "the stack does not manage the adopted items");
            for (const title of titles) {
                assert.deepStrictEqual((await itemsTitled(connect(), title)).items.map((item) => item.id), [expectedIds[title]], `items titled ${title}`);
                assert.strictEqual((await credentialsOf(title)).resticPassword, before[title].resticPassword, `${title}'s restic password changed`);
            }
            const volsync = await credentialsOf("volsync-minio");
            assert.strictEqual(volsync.accessKey, "volsync-backup");
            assert.notStrictEqual(volsync.secretKey, handMade.secretKey, "the hand-made key was not re-issued");
            const oldKey = await mc({ accessKey: "volsync-backup", secretKey: handMade.secretKey })("ls", "target/volsync");
            assert.notStrictEqual(oldKey.code, 0, "MinIO still accepts the hand-made key");
            const newKey = await mc({ accessKey: volsync.accessKey, secretKey: volsync.secretKey })("ls", "target/volsync");
            assert.strictEqual(newKey.code, 0, newKey.stderr);
            await timed("pulumi up (after rebuild, no changes)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]));
        });

        it("the drill's 64 MiB restore with nothing but what the rebuilt stack produced (its rendered secret, its outputs); every checksum matches", async function () {
            this.timeout(600_000);
            await assertDrillRestores(await resticSecret(), "rebuilt-secret");
            const outputs = JSON.parse((await sandbox.pulumi(["stack", "output", "--stack", stackName, "--json", "--show-secrets"])).stdout);
            const access = resticAccessFromOutputs(stackSettings(stackName, sandbox.projectDir), sandboxApp.name, outputs, stackName);
            await assertDrillRestores({ RESTIC_REPOSITORY: access.repository, RESTIC_PASSWORD: access.password, ...access.env }, "rebuilt-outputs");
        });
    });

    describe("7b. key rotation (SEC-011)", () => {
        it("a new volsync.keyRotation re-issues the user's key into the same item; the old key is refused, the restic password stays, the backups restore", async function () {
            this.timeout(600_000);
            const [itemBefore] = (await itemsTitled(connect(), "volsync-minio")).items;
            const [volsyncBefore, veleroBefore] = await Promise.all(["volsync-minio", "velero-minio"].map(credentialsOf));
            await sandbox.pulumi(["config", "set", "--stack", stackName, "--path", "storage-backup:volsync.keyRotation", "e2e-rotation-1"]);
            await timed("pulumi up (key rotation)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
            const { items } = await itemsTitled(connect(), "volsync-minio");
            assert.deepStrictEqual(items.map((item) => item.id), [itemBefore.id], "rotation must update the item in place");
            const after = await credentialsOf("volsync-minio");
            assert.notStrictEqual(after.secretKey, volsyncBefore.secretKey, "the key did not change");
            assert.strictEqual(after.accessKey, volsyncBefore.accessKey);
            assert.strictEqual(after.resticPassword, volsyncBefore.resticPassword, "rotation changed the restic password");
            assert.deepStrictEqual(await credentialsOf("velero-minio"), veleroBefore, "the Velero user's keys changed too");
            const oldKey = await mc({ accessKey: volsyncBefore.accessKey, secretKey: volsyncBefore.secretKey })("ls", "target/volsync");
            assert.notStrictEqual(oldKey.code, 0, "MinIO still accepts the rotated-out key");
            assert.match(oldKey.stderr, /Access Key Id you provided does not exist|signature we calculated does not match|InvalidAccessKeyId|SignatureDoesNotMatch|Access Denied/i);
            const secret = await resticSecret((values) => values.AWS_SECRET_ACCESS_KEY === after.secretKey);
            await assertDrillRestores(secret, "rotated");
            await pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
        });
    });

    describe("7c. restore side by side", () => {
        it("restore.sideBySide.trigger creates a new PVC and a Direct restore into it; the live PVC's spec and labels stay as they were", async function () {
            this.timeout(600_000);
            const live = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: sandboxApp.pvc, namespace: sandboxApp.name } };
            const liveBefore = (await sandbox.kube.get(live))!;
            await sandbox.pulumi(["config", "set", "--stack", stackName, "--path", "storage-backup:apps[0].restore.sideBySide.trigger", "e2e-side-1"]);
            await timed("pulumi up (side-by-side restore)", () => pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
            const copy = await sandbox.kube.get({ ...live, metadata: { ...live.metadata, name: `${sandboxApp.pvc}-restore` } });
            assert.ok(copy, "no side-by-side PVC");
            assert.strictEqual((copy.metadata.labels as any)["restore.storage-backup.io/copy-of"], sandboxApp.pvc);
            const destination = (await sandbox.kube.get({ apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationDestination",
                metadata: { name: sideRestoreDestinationName(sandboxApp.name), namespace: sandboxApp.name } })) as any;
            assert.deepStrictEqual(destination.spec.trigger, { manual: "e2e-side-1" });
            assert.strictEqual(destination.spec.restic.destinationPVC, `${sandboxApp.pvc}-restore`);
            assert.strictEqual(destination.spec.restic.copyMethod, "Direct");
            assert.strictEqual(destination.spec.restic.repository, resticSecretName(sandboxApp.name));
            const liveAfter = (await sandbox.kube.get(live))!;
            assert.deepStrictEqual(liveAfter.spec, liveBefore.spec, "the live PVC's spec changed");
            assert.deepStrictEqual(liveAfter.metadata.labels, liveBefore.metadata.labels, "the live PVC's labels changed");
            await pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"]);
        });
    });
});
