// Every custom resource the program creates, in every shape the config can give it, is valid against
// the real upstream CRD schema.
import * as assert from "assert";
import { pinnedCharts } from "../components/config/chartSources";
import { CrdCatalog } from "./helpers/crdSchemas";
import { RegisteredResource, runUnderMocks } from "./helpers/mockProgram";
import { everyOptionRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

const builtInGroups = /^(v1|apps\/v1|storage\.k8s\.io\/v1|rbac\.authorization\.k8s\.io\/v1|batch\/v1)$/;

function customResources(resources: RegisteredResource[]): RegisteredResource[] {
    return resources.filter((resource) => resource.custom && resource.type.startsWith("kubernetes:")
        && resource.inputs.apiVersion && !builtInGroups.test(resource.inputs.apiVersion));
}

describe("custom resources against the upstream CRD schemas", function () {
    let catalog: CrdCatalog;
    // Not at load time: the chart archives are fetched by the root hook.
    before(function () {
        catalog = new CrdCatalog();
    });

    it("holds every kind of each pinned source (a lost source fails here)", function () {
        assert.deepStrictEqual(Object.fromEntries([...catalog.kindsBySource].map(([source, kinds]) =>
            [source, [...new Set(kinds.map((kind) => kind.split("/").pop()))].sort()])), {
            "toolchain/bin/crds/external-secrets.io": ["ACRAccessToken", "ClusterExternalSecret", "ClusterGenerator", "ClusterPushSecret",
                "ClusterSecretStore", "ECRAuthorizationToken", "ExternalSecret", "Fake", "GCRAccessToken", "GeneratorState", "GithubAccessToken",
                "Grafana", "Password", "PushSecret", "QuayAccessToken", "STSSessionToken", "SecretStore", "UUID", "VaultDynamicSecret", "Webhook"],
            "toolchain/bin/crds/monitoring.coreos.com": ["PrometheusRule", "ServiceMonitor"],
            "toolchain/bin/crds/snapshot.storage.k8s.io": ["VolumeSnapshot", "VolumeSnapshotClass", "VolumeSnapshotContent"],
            [`velero chart ${pinnedCharts.velero.version}`]: ["Backup", "BackupRepository", "BackupStorageLocation", "DataDownload", "DataUpload", "DeleteBackupRequest",
                "DownloadRequest", "PodVolumeBackup", "PodVolumeRestore", "Restore", "Schedule", "ServerStatusRequest", "VolumeSnapshotLocation"],
            [`volsync chart ${pinnedCharts.volsync.version}`]: ["ReplicationDestination", "ReplicationSource"],
        });
        for (const [apiVersion, kind] of [["snapshot.storage.k8s.io/v1", "VolumeSnapshotClass"], ["monitoring.coreos.com/v1", "ServiceMonitor"],
            ["external-secrets.io/v1", "ExternalSecret"], ["velero.io/v1", "Schedule"], ["volsync.backube/v1alpha1", "ReplicationSource"]]) {
            assert.ok(catalog.has(apiVersion, kind), `${apiVersion} ${kind}`);
        }
    });

    for (const [label, raw] of [["apps stack", () => stackFileConfig("apps")], ["every kind and copy method", everyOptionRawConfig]] as const) {
        it(`${label}: each custom resource validates`, async function () {
            const { resources } = await runUnderMocks(settingsFrom(raw()));
            const objects = customResources(resources);
            assert.ok(objects.length > 0);
            const failures = objects.flatMap((resource) => catalog.errors(resource.inputs as { apiVersion: string; kind: string })
                .map((error) => `${resource.inputs.kind} ${resource.inputs.metadata?.name}: ${error}`));
            assert.deepStrictEqual(failures, []);
        });
    }

    it("the every-kind config covers each kind the program can create", async function () {
        const { resources } = await runUnderMocks(settingsFrom(everyOptionRawConfig()));
        const kinds = new Set(customResources(resources).map((resource) => resource.inputs.kind));
        assert.deepStrictEqual([...kinds].sort(), ["BackupStorageLocation", "ExternalSecret", "PrometheusRule", "ReplicationDestination",
            "ReplicationSource", "Schedule", "ServiceMonitor", "VolumeSnapshotClass", "VolumeSnapshotLocation"]);
    });

    it("rejects an unknown field, a wrong type and a missing required field", function () {
        const base = { apiVersion: "velero.io/v1", kind: "BackupStorageLocation", metadata: { name: "x" } };
        assert.deepStrictEqual(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" } } } as any), []);
        assert.ok(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" }, bukket: "b" } } as any).some((error) => error.includes("bukket")));
        assert.ok(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" }, config: { s3ForcePathStyle: true } } } as any).length > 0);
        assert.ok(catalog.errors({ ...base, spec: { objectStorage: { bucket: "b" } } } as any).some((error) => error.includes("provider")));
        // Defined but not served: as unknown as a kind no source defines, and the message says where it looked.
        const [unserved] = catalog.errors({ apiVersion: "snapshot.storage.k8s.io/v1beta1", kind: "VolumeSnapshotClass" });
        assert.match(unserved, /no served CRD for snapshot\.storage\.k8s\.io\/v1beta1 VolumeSnapshotClass; looked in .*toolchain\/bin\/crds\/snapshot\.storage\.k8s\.io.*velero-[\d.]+\.tgz/);
    });
});
