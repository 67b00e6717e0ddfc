// Disaster recovery under mocks: a rebuilt stack adopts the vault's items and keeps their restic password,
// secret keys rotate on a config value, a side-by-side restore never names the live PVC, and the apps
// stack's sample app follows the story.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { credentialFields } from "../components/bucketCredentials";
import { existingItems, fieldValue } from "../components/itemLookup";
import { customResourcesOfKind, outputValue, RegisteredResource, resourcesOfType, runUnderMocks, secretInput } from "./helpers/mockProgram";
import { minimalRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

const itemType = "onepassword:index/item:Item";
const randomType = "random:index/randomPassword:RandomPassword";
const keptPassword = "kept-restic-password-from-the-vault-0123456789";

function sectionField(item: RegisteredResource, label: string): string {
    return secretInput(item.inputs.sections)[0].fields.find((field: any) => field.label === label).value;
}

describe("keys that outlive the cluster", function () {
    it("a rebuilt stack adopts the vault's item by import and keeps its restic password", async function () {
        const items = new Map([["volsync-minio", { importId: "vaults/v1/items/old-item", resticPassword: pulumi.secret(keptPassword) }]]);
        const { resources, outputs } = await runUnderMocks(settingsFrom(minimalRawConfig()), undefined, { buckets: new Set(["volsync"]), items });
        const byTitle = Object.fromEntries(resourcesOfType(resources, itemType).map((item) => [item.inputs.title, item]));
        assert.strictEqual(byTitle["volsync-minio"].importId, "vaults/v1/items/old-item");
        assert.strictEqual(byTitle["velero-minio"].importId, undefined, "an item the vault lacks is created");
        assert.strictEqual(sectionField(byTitle["volsync-minio"], credentialFields.resticPassword), keptPassword);
        assert.notStrictEqual(sectionField(byTitle["velero-minio"], credentialFields.resticPassword), keptPassword);
        // The break-glass output carries the vault's password too.
        assert.strictEqual((await outputValue(outputs.volsyncCredentials)).resticPassword, keptPassword);
    });

    it("rotates a user's secret key on a new keyRotation value, leaving the restic password alone", async function () {
        const raw = minimalRawConfig();
        raw.volsync = { keyRotation: "2026-11-30" };
        const { resources } = await runUnderMocks(settingsFrom(raw));
        const keepers = Object.fromEntries(resourcesOfType(resources, randomType).map((random) => [random.name, random.inputs.keepers]));
        assert.deepStrictEqual(keepers, {
            "volsync-secret-key": { rotation: "2026-11-30" }, "volsync-restic-password": undefined,
            "velero-secret-key": undefined, "velero-restic-password": undefined,
        });
    });
});

describe("item lookup through the onepassword provider's getItem", function () {
    const vaultItems: Record<string, number> = { "volsync-minio": 1, "velero-minio": 0, "twice": 2 };
    before(async function () {
        await pulumi.runtime.setMocks({
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: (args) => {
                if (args.token === "onepassword:index/getVault:getVault") {
                    return { uuid: "vault-0001", name: args.inputs.name, description: "" };
                }
                const count = vaultItems[args.inputs.title];
                if (count !== 1) {
                    // connect-sdk-go's message, as the provider passes it on (the SDK reads a gRPC error's details).
                    const message = `Found ${count} item(s) in vault "${args.inputs.vault}" with title "${args.inputs.title}"`;
                    throw Object.assign(new Error(message), { details: message });
                }
                return { uuid: "item-0001", title: args.inputs.title, sections: [{ id: "s", label: "hand-made", fields: [{ id: "f", label: "RESTIC_PASSWORD", value: keptPassword }] }] };
            },
        }, "storage-backup", "test", false);
    });

    it("finds existing items with their restic password, and reports absent ones as absent", async function () {
        const provider = new (await import("@1password/pulumi-onepassword")).Provider("lookup", { url: "https://connect.example.lan", token: "t" });
        const found = await existingItems(provider, "cluster", ["volsync-minio", "velero-minio"], false);
        assert.deepStrictEqual([...found.keys()], ["volsync-minio"]);
        const item = found.get("volsync-minio")!;
        assert.strictEqual(item.importId, "vaults/vault-0001/items/item-0001");
        assert.ok(pulumi.Output.isInstance(item.resticPassword) && await pulumi.isSecret(item.resticPassword), "the password must stay secret");
        assert.strictEqual(await outputValue(item.resticPassword!), keptPassword);
    });

    it("refuses to pick one of several items with the same title, naming it", async function () {
        const provider = new (await import("@1password/pulumi-onepassword")).Provider("lookup-twice", { url: "https://connect.example.lan", token: "t" });
        for (const preview of [true, false]) {
            await assert.rejects(existingItems(provider, "cluster", ["twice"], preview), /more than one item titled "twice".*archive all but/);
        }
    });

    it("reads a field by label in whichever section holds it", function () {
        const item = { sections: [{ id: "a", label: "", fields: [] }, { id: "b", label: "x", fields: [{ id: "1", label: "RESTIC_PASSWORD", purpose: "", type: "CONCEALED", value: "p" }] }] };
        assert.strictEqual(fieldValue(item, "RESTIC_PASSWORD"), "p");
        assert.strictEqual(fieldValue(item, "AWS_ACCESS_KEY_ID"), undefined);
    });
});

describe("restore side by side", function () {
    it("a trigger creates a new PVC and a Direct restore into it; the live PVC is named nowhere in them", async function () {
        const raw = minimalRawConfig();
        raw.volsync = { appDefaults: { copyMethod: "Direct" } };
        raw.apps = [{ name: "wiki", pvc: { name: "wiki-data", storageClass: "fast", capacity: "8Gi" }, restore: { sideBySide: { trigger: "side-1", previous: 2 } } }];
        const { resources } = await runUnderMocks(settingsFrom(raw));
        const [copy] = resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaim");
        assert.deepStrictEqual(copy.inputs.metadata, {
            name: "wiki-data-restore", namespace: "wiki",
            labels: { "backup.storage-backup.io/volsync": "true", "restore.storage-backup.io/copy-of": "wiki-data" },
        });
        assert.deepStrictEqual(copy.inputs.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "8Gi" } } });
        const side = customResourcesOfKind(resources, "ReplicationDestination").find((rd) => rd.inputs.metadata.name === "wiki-side-restore")!;
        assert.deepStrictEqual(side.inputs.spec.trigger, { manual: "side-1" });
        assert.strictEqual(side.inputs.spec.restic.destinationPVC, "wiki-data-restore");
        assert.strictEqual(side.inputs.spec.restic.copyMethod, "Direct");
        assert.strictEqual(side.inputs.spec.restic.previous, 2);
        assert.strictEqual(side.inputs.spec.restic.repository, "wiki-restic-secret");
        assert.doesNotMatch(JSON.stringify([copy.inputs, side.inputs]).replace(/"wiki-data-restore"|copy-of":"wiki-data"/g, ""), /"wiki-data"/);
        // The live PVC keeps only its label patch.
        assert.deepStrictEqual(resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaimPatch").map((patch) => patch.inputs.metadata.name), ["wiki-data"]);
    });

    it("without a trigger no copy exists", async function () {
        const { resources } = await runUnderMocks(settingsFrom(stackFileConfig("apps")));
        assert.deepStrictEqual(resourcesOfType(resources, "kubernetes:core/v1:PersistentVolumeClaim"), []);
        assert.deepStrictEqual(customResourcesOfKind(resources, "ReplicationDestination").map((rd) => rd.inputs.metadata.name), ["demo-ns-restore"]);
    });

    it("refuses a side copy that is the live PVC, naming the key", function () {
        const raw = minimalRawConfig();
        raw.volsync = { appDefaults: { copyMethod: "Direct" } };
        raw.apps = [{ name: "wiki", restore: { sideBySide: { pvc: "wiki" } } }];
        assert.throws(() => settingsFrom(raw), /apps\[0\]\.restore\.sideBySide\.pvc: expected a PVC other than the app's own.*"wiki"/);
    });
});

describe("the apps stack follows the story", function () {
    it("demo-ns protects demo-pvc, restores beside it into demo-pvc-restore, with csi-ceph-block snapshots and an openebs-hostpath cache", function () {
        const [app] = settingsFrom(stackFileConfig("apps")).apps;
        assert.deepStrictEqual([app.namespace, app.pvc.name, app.restore.sideBySide?.pvc], ["demo-ns", "demo-pvc", "demo-pvc-restore"]);
        assert.deepStrictEqual([app.copyMethod, app.volumeSnapshotClass, app.cacheStorageClass], ["Snapshot", "csi-ceph-block", "openebs-hostpath"]);
    });

    it("names no StorageClass beyond the seed's (csi-ceph-block, openebs-hostpath)", function () {
        const settings = settingsFrom(stackFileConfig("apps"));
        const named = new Set([settings.openebs.hostpathClass.name, ...settings.apps.flatMap((app) => [app.pvc.storageClass, app.cacheStorageClass])]);
        assert.deepStrictEqual([...named].filter((name) => name !== undefined).sort(), ["csi-ceph-block", "openebs-hostpath"]);
    });

    it("runs snapshot-controller in volsync-system, which exactly one Namespace resource owns", async function () {
        const { resources } = await runUnderMocks(settingsFrom(stackFileConfig("apps")));
        const chart = resourcesOfType(resources, "kubernetes:helm.sh/v4:Chart").find((candidate) => candidate.name === "snapshot-controller")!;
        assert.strictEqual(chart.inputs.namespace, "volsync-system");
        const namespaces = resourcesOfType(resources, "kubernetes:core/v1:Namespace").map((namespace) => namespace.inputs.metadata.name);
        assert.strictEqual(namespaces.filter((name) => name === "volsync-system").length, 1, namespaces.join(", "));
    });

    it("only snapshots.namespace may share VolSync's namespace", function () {
        const raw = minimalRawConfig();
        raw.snapshots = { namespace: "volsync-system" };
        assert.strictEqual(settingsFrom(raw).snapshots.namespace, "volsync-system");
        raw.velero = { namespace: "volsync-system" };
        assert.throws(() => settingsFrom(raw), /velero\.namespace: expected a namespace other than volsync\.namespace's .*\(got "volsync-system"\)/);
    });
});
