// The resource graph the program builds, under Pulumi mocks: types, parents, providers, values, secrets.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { veleroCredentialsSecret, volsyncProtectedLabel } from "../components/velero";
import { customResourcesOfKind, generatedSecretValue, outputValue, RegisteredResource, resourcesOfType, runUnderMocks, secretInput, testSecrets } from "./helpers/mockProgram";
import { minimalRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

const chartType = "kubernetes:helm.sh/v4:Chart";

function secretsIn(text: string): string[] {
    const values = [...Object.values(testSecrets),
        ...["volsync-secret-key", "volsync-restic-password", "velero-secret-key", "velero-restic-password"].map(generatedSecretValue)];
    return values.filter((value) => text.includes(value));
}

describe("storage backup stack under mocks (apps stack config)", function () {
    let resources: RegisteredResource[];
    let outputs: Awaited<ReturnType<typeof runUnderMocks>>["outputs"];

    before(async function () {
        ({ resources, outputs } = await runUnderMocks(settingsFrom(stackFileConfig("apps"))));
    });

    it("deploys the four charts as helm.v4.Chart at pinned versions (snapshot-controller beside VolSync, story AC1; no LVM chart)", function () {
        const charts = resourcesOfType(resources, chartType);
        assert.deepStrictEqual(charts.map((chart) => chart.name).sort(), ["openebs-localpv-provisioner", "snapshot-controller", "velero", "volsync"]);
        for (const chart of charts) {
            assert.match(chart.inputs.version, /^\d+\.\d+\.\d+$/, `${chart.name} version must be exact`);
            assert.ok(chart.inputs.repositoryOpts.repo.startsWith("https://"), `${chart.name} repo`);
        }
        const namespaces = Object.fromEntries(charts.map((chart) => [chart.name, chart.inputs.namespace]));
        assert.deepStrictEqual(namespaces, { "openebs-localpv-provisioner": "openebs", "snapshot-controller": "volsync-system", volsync: "volsync-system", velero: "velero" });
    });

    it("parents every child to its component and nothing but components to the stack", function () {
        const components: Record<string, string> = {
            "minio:index/s3Bucket:S3Bucket": "storage-backup:storage:BucketCredentials",
            "minio:index/iamUser:IamUser": "storage-backup:storage:BucketCredentials",
            "onepassword:index/item:Item": "storage-backup:storage:BucketCredentials",
            "kubernetes:storage.k8s.io/v1:StorageClass": "storage-backup:storage:OpenEbs",
            "kubernetes:velero.io/v1:Schedule": "storage-backup:backup:Velero",
            "kubernetes:volsync.backube/v1alpha1:ReplicationSource": "storage-backup:backup:ProtectedApp",
            "kubernetes:external-secrets.io/v1:ExternalSecret": "storage-backup:backup:ProtectedApp",
        };
        for (const [type, parent] of Object.entries(components)) {
            const found = resourcesOfType(resources, type);
            assert.ok(found.length > 0, `no ${type}`);
            for (const resource of found) {
                assert.strictEqual(resource.parentType, parent, `${type} ${resource.name}`);
            }
        }
        const roots = resources.filter((resource) => resource.parentType === undefined && !resource.type.startsWith("pulumi:providers:"));
        assert.deepStrictEqual(roots.filter((resource) => resource.custom).map((resource) => resource.type), []);
    });

    it("sends every resource through the stack's explicit providers", function () {
        for (const resource of resources.filter((candidate) => candidate.custom && !candidate.type.startsWith("pulumi:providers:"))) {
            const pkg = resource.type.split(":")[0];
            if (pkg === "random") {
                continue; // random needs no endpoint or credentials
            }
            const expected = { kubernetes: "cluster", minio: "minio", onepassword: "onepassword" }[pkg];
            assert.ok(resource.provider?.includes(`::pulumi:providers:${pkg}::${expected}::`), `${resource.type} ${resource.name} uses ${resource.provider}`);
        }
    });

    it("gives each purpose its own bucket and a user limited to that bucket", function () {
        const buckets = resourcesOfType(resources, "minio:index/s3Bucket:S3Bucket").map((bucket) => bucket.inputs.bucket).sort();
        assert.deepStrictEqual(buckets, ["openebs-backups", "volsync"]);
        const users = resourcesOfType(resources, "minio:index/iamUser:IamUser").map((user) => user.inputs.name).sort();
        assert.deepStrictEqual(users, ["velero-backup", "volsync-backup"]);
        for (const policy of resourcesOfType(resources, "minio:index/iamPolicy:IamPolicy")) {
            const document = JSON.parse(policy.inputs.policy);
            const bucket = policy.inputs.name.endsWith("-volsync") ? "volsync" : "openebs-backups";
            const allowed = document.Statement.flatMap((statement: any) => statement.Action).sort();
            // Written out, not taken from the program's constant: widening the user's rights must fail here.
            assert.deepStrictEqual(allowed, ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket",
                "s3:ListMultipartUploadParts", "s3:PutObject"]);
            for (const statement of document.Statement) {
                for (const resource of statement.Resource) {
                    assert.ok(resource === `arn:aws:s3:::${bucket}` || resource === `arn:aws:s3:::${bucket}/*`, resource);
                }
            }
        }
    });

    it("never deletes buckets on destroy", function () {
        for (const bucket of resourcesOfType(resources, "minio:index/s3Bucket:S3Bucket")) {
            assert.strictEqual(bucket.inputs.forceDestroy, false);
        }
    });

    it("stores restic password and S3 keys in a 1Password item with concealed fields", function () {
        const item = resourcesOfType(resources, "onepassword:index/item:Item").find((candidate) => candidate.inputs.title === "volsync-minio");
        assert.ok(item, "volsync-minio item");
        assert.strictEqual(item.inputs.vault, "vault-uuid-0001");
        assert.strictEqual(secretInput(item.inputs.password), generatedSecretValue("volsync-secret-key"));
        const fields = secretInput(item.inputs.sections)[0].fields;
        assert.deepStrictEqual(fields.map((field: any) => field.label), ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
        assert.ok(fields.every((field: any) => field.type === "CONCEALED"));
        assert.strictEqual(fields[0].value, generatedSecretValue("volsync-restic-password"));
    });

    it("generates a restic password of at least 32 characters", function () {
        const password = resourcesOfType(resources, "random:index/randomPassword:RandomPassword").find((candidate) => candidate.name === "volsync-restic-password");
        assert.ok(password && password.inputs.length >= 32);
    });

    it("keeps credentials out of chart values, ConfigMaps and non-Secret objects", function () {
        for (const resource of resources.filter((candidate) => candidate.type !== "kubernetes:core/v1:Secret"
            && !candidate.type.startsWith("pulumi:providers:") && !candidate.type.startsWith("minio:") && !candidate.type.startsWith("onepassword:"))) {
            assert.deepStrictEqual(secretsIn(JSON.stringify(resource.inputs)), [], `${resource.type} ${resource.name}`);
        }
        const velero = resourcesOfType(resources, chartType).find((chart) => chart.name === "velero")!;
        assert.deepStrictEqual(velero.inputs.values.credentials, { useSecret: true, existingSecret: veleroCredentialsSecret });
    });

    it("fills velero-s3-secret from the Velero bucket's own user, as a credentials file", function () {
        const secret = resourcesOfType(resources, "kubernetes:core/v1:Secret").find((candidate) => candidate.inputs.metadata.name === veleroCredentialsSecret)!;
        assert.strictEqual(secret.inputs.metadata.namespace, "velero");
        assert.strictEqual(secretInput(secret.inputs.stringData).cloud,
            `[default]\naws_access_key_id=velero-backup\naws_secret_access_key=${generatedSecretValue("velero-secret-key")}\n`);
    });

    it("marks credentials in outputs as secret", async function () {
        assert.ok(await pulumi.isSecret(outputs.volsyncCredentials));
        assert.strictEqual(await pulumi.isSecret(outputs.buckets.volsync), false);
    });

    it("points Velero at MinIO with path-style S3, a region and no checksum header", function () {
        const [location] = customResourcesOfKind(resources, "BackupStorageLocation");
        assert.strictEqual(location.inputs.metadata.name, "minio-s3");
        assert.deepStrictEqual(location.inputs.spec.objectStorage, { bucket: "openebs-backups" });
        assert.deepStrictEqual(location.inputs.spec.config, {
            region: "minio", s3ForcePathStyle: "true", s3Url: "http://10.25.11.3:9000", checksumAlgorithm: "",
        });
        assert.strictEqual(customResourcesOfKind(resources, "VolumeSnapshotLocation").length, 0, "no native snapshotter configured");
    });

    it("schedules daily-backup at 02:00 with a 720h TTL over the design's namespaces, skipping VolSync volumes", function () {
        const [schedule] = customResourcesOfKind(resources, "Schedule");
        assert.strictEqual(schedule.inputs.metadata.name, "daily-backup");
        assert.strictEqual(schedule.inputs.spec.schedule, "0 2 * * *");
        assert.strictEqual(schedule.inputs.spec.template.ttl, "720h");
        assert.deepStrictEqual(schedule.inputs.spec.template.includedNamespaces, ["database", "monitoring", "network", "default"]);
        assert.strictEqual(schedule.inputs.spec.template.defaultVolumesToFsBackup, true);
        const policy = resourcesOfType(resources, "kubernetes:core/v1:ConfigMap").find((map) => map.inputs.metadata.name === schedule.inputs.spec.template.resourcePolicy.name)!;
        assert.ok(policy.inputs.data["policy.yaml"].includes(volsyncProtectedLabel));
    });

    it("creates the hostpath class as the default class under the apps cluster's name", function () {
        const [hostpath] = resourcesOfType(resources, "kubernetes:storage.k8s.io/v1:StorageClass");
        assert.strictEqual(hostpath.inputs.metadata.name, "openebs-hostpath");
        assert.strictEqual(hostpath.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.strictEqual(hostpath.inputs.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(hostpath.inputs.reclaimPolicy, "Delete");
        assert.match(hostpath.inputs.metadata.annotations["cas.openebs.io/config"], /BasePath\n\s+value: "\/var\/openebs\/local"/);
    });

    it("runs the OpenEBS hostpath provisioner HA within ADR-003 memory, without its own class", function () {
        const values = resourcesOfType(resources, chartType).find((chart) => chart.name === "openebs-localpv-provisioner")!.inputs.values;
        assert.strictEqual(values.hostpathClass.enabled, false);
        const localpv = values.localpv;
        assert.deepStrictEqual(localpv.resources, { requests: { memory: "256Mi" }, limits: { memory: "500Mi" } });
        assert.ok(localpv.replicas >= 2 && localpv.enableLeaderElection === true);
    });

    it("makes the snapshot-controller chart the only owner of the snapshot CRDs", function () {
        const values = resourcesOfType(resources, chartType).find((chart) => chart.name === "snapshot-controller")!.inputs.values;
        assert.strictEqual(values.installCRDs, true);
    });

    it("renders demo-ns's restic secret from the volsync-minio item through the onepassword store", function () {
        const [externalSecret] = customResourcesOfKind(resources, "ExternalSecret");
        assert.strictEqual(externalSecret.inputs.metadata.name, "demo-ns-restic-secret");
        assert.deepStrictEqual(externalSecret.inputs.spec.secretStoreRef, { kind: "ClusterSecretStore", name: "onepassword" });
        assert.deepStrictEqual(externalSecret.inputs.spec.dataFrom, [{ extract: { key: "volsync-minio" } }]);
        assert.strictEqual(externalSecret.inputs.spec.target.template.data.RESTIC_REPOSITORY, "s3:http://10.25.11.3:9000/volsync/demo-ns");
    });

    it("backs demo-ns up with a Snapshot of csi-ceph-block and an openebs-hostpath cache", function () {
        const [source] = customResourcesOfKind(resources, "ReplicationSource");
        const restic = source.inputs.spec.restic;
        assert.strictEqual(source.inputs.spec.sourcePVC, "demo-pvc");
        assert.strictEqual(restic.copyMethod, "Snapshot");
        assert.strictEqual(restic.volumeSnapshotClassName, "csi-ceph-block");
        assert.strictEqual(restic.cacheStorageClassName, "openebs-hostpath");
        assert.strictEqual(restic.cacheCapacity, "2Gi");
        assert.strictEqual(restic.repository, "demo-ns-restic-secret");
        assert.deepStrictEqual(restic.moverSecurityContext, { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
        assert.ok(restic.moverResources.limits.memory);
        assert.ok(restic.pruneIntervalDays > 0 && restic.retain.daily > 0);
    });

    it("labels an existing PVC instead of creating one", function () {
        const [patch] = resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaimPatch");
        assert.deepStrictEqual(patch.inputs.metadata, { name: "demo-pvc", namespace: "demo-ns", labels: { [volsyncProtectedLabel]: "true" } });
        assert.strictEqual(resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaim").length, 0);
    });

    it("exports what users need, without plaintext credentials", async function () {
        assert.strictEqual(await outputValue(outputs.buckets.volsync), "volsync");
        assert.strictEqual(await outputValue(outputs.onepasswordItems.volsync), "item-volsync");
        assert.deepStrictEqual(outputs.apps["demo-ns"], { namespace: "demo-ns", repository: "s3:http://10.25.11.3:9000/volsync/demo-ns", secret: "demo-ns-restic-secret" });
    });
});

describe("N protected apps", function () {
    it("produce N independent, non-colliding sets of objects", async function () {
        const raw = minimalRawConfig();
        raw.volsync = { appDefaults: { copyMethod: "Direct" } };
        raw.apps = [{ name: "alpha" }, { name: "beta", namespace: "shared" }, { name: "gamma", namespace: "shared", pvc: { create: true } }];
        const { resources } = await runUnderMocks(settingsFrom(raw));
        for (const kind of ["ExternalSecret", "ReplicationSource", "ReplicationDestination"]) {
            const found = customResourcesOfKind(resources, kind);
            assert.strictEqual(found.length, 3, kind);
            const ids = found.map((resource) => `${resource.inputs.metadata.namespace}/${resource.inputs.metadata.name}`);
            assert.strictEqual(new Set(ids).size, 3, `${kind} ids collide: ${ids}`);
        }
        const repositories = customResourcesOfKind(resources, "ExternalSecret").map((secret) => secret.inputs.spec.target.template.data.RESTIC_REPOSITORY);
        assert.deepStrictEqual(repositories, [
            "s3:https://minio.example.lan:9000/volsync/alpha", "s3:https://minio.example.lan:9000/volsync/beta", "s3:https://minio.example.lan:9000/volsync/gamma"]);
        const names = resources.map((resource) => `${resource.type}::${resource.name}`);
        assert.strictEqual(new Set(names).size, names.length, "Pulumi resource names collide");
        const [claim] = resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaim");
        assert.strictEqual(claim.inputs.metadata.name, "gamma");
        const [gammaRestore] = customResourcesOfKind(resources, "ReplicationDestination").filter((rd) => rd.inputs.metadata.name === "gamma-restore");
        assert.strictEqual(gammaRestore.inputs.spec.restic.destinationPVC, "gamma");
    });

    it("a Snapshot app created here is bootstrapped from its latest backup", async function () {
        const raw = minimalRawConfig();
        raw.apps = [{ name: "wiki", copyMethod: "Snapshot", volumeSnapshotClass: "ceph-block", pvc: { create: true, storageClass: "ceph-rbd", capacity: "10Gi" } }];
        const { resources } = await runUnderMocks(settingsFrom(raw));
        const [claim] = resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaim");
        assert.deepStrictEqual(claim.inputs.spec.dataSourceRef, { apiGroup: "volsync.backube", kind: "ReplicationDestination", name: "wiki-restore" });
        // The provider's own await logic decides (Pending is ready in a WaitForFirstConsumer class).
        assert.strictEqual(claim.inputs.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
        const [restore] = customResourcesOfKind(resources, "ReplicationDestination");
        assert.strictEqual(restore.inputs.spec.restic.capacity, "10Gi");
        assert.strictEqual(restore.inputs.spec.restic.volumeSnapshotClassName, "ceph-block");
    });

    it("never restores into an existing PVC unless the config asks for it", async function () {
        const raw = minimalRawConfig();
        raw.volsync = { appDefaults: { copyMethod: "Direct" } };
        raw.apps = [
            { name: "live" },
            { name: "opened", unlock: "2026-11-23", workload: { kind: "StatefulSet", name: "opened" },
                restore: { trigger: "restore-2", previous: 2, asOf: "2026-11-20T02:00:00Z", intoPvc: true } },
        ];
        const { resources } = await runUnderMocks(settingsFrom(raw));
        const restores = Object.fromEntries(customResourcesOfKind(resources, "ReplicationDestination").map((rd) => [rd.inputs.metadata.name, rd.inputs.spec]));
        assert.strictEqual(restores["live-restore"].restic.destinationPVC, undefined);
        assert.strictEqual(restores["live-restore"].restic.capacity, "5Gi");
        assert.deepStrictEqual(restores["live-restore"].trigger, { manual: "initial" });
        assert.strictEqual(restores["opened-restore"].restic.destinationPVC, "opened");
        assert.deepStrictEqual(restores["opened-restore"].trigger, { manual: "restore-2" });
        assert.strictEqual(restores["opened-restore"].restic.previous, 2);
        assert.strictEqual(restores["opened-restore"].restic.restoreAsOf, "2026-11-20T02:00:00Z");
        const sources = Object.fromEntries(customResourcesOfKind(resources, "ReplicationSource").map((rs) => [rs.inputs.metadata.name, rs.inputs.spec]));
        assert.strictEqual(sources.opened.restic.unlock, "2026-11-23");
        assert.strictEqual(sources.live.restic.unlock, undefined);
    });

    it("adopts buckets that already exist instead of creating them", async function () {
        const raw = minimalRawConfig();
        const { resources } = await runUnderMocks(settingsFrom(raw), (deploy) => deploy(), { buckets: new Set(["volsync"]) });
        const buckets = Object.fromEntries(resourcesOfType(resources, "minio:index/s3Bucket:S3Bucket").map((bucket) => [bucket.inputs.bucket, bucket.importId]));
        assert.deepStrictEqual(buckets, { volsync: "volsync", "openebs-backups": undefined });
    });
});
