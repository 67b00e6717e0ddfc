// Disaster recovery under mocks: a rebuilt stack adopts the vault's items and keeps their restic password,
// secret keys rotate on a config value, a side-by-side restore never names the live PVC, and the apps
// stack's sample app follows the story.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { credentialFields } from "../components/bucketCredentials";
import { existingItems, fieldValue, vaultEndpoint } from "../components/itemLookup";
import { customResourcesOfKind, mockVaultUuid, outputValue, RegisteredResource, resourcesOfType, runUnderMocks, secretInput } from "./helpers/mockProgram";
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
        const { resources, outputs } = await runUnderMocks(settingsFrom(minimalRawConfig()), undefined, { buckets: new Set(["volsync"]), vault: { vaultUuid: mockVaultUuid, items } });
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
    const titles = ["volsync-minio", "velero-minio"];
    const connect = { vault: "cluster", connectUrl: "https://connect.example.lan" };
    /** Set: the vault fails this call with the provider's error instead of answering. */
    let fault: { call: "getVault" | "getItem"; message: string } | undefined;
    let warnings: string[];
    const warn = pulumi.log.warn;
    let providers = 0;

    // connect-sdk-go's messages, as the provider passes them on (the SDK reads a gRPC error's details).
    const providerError = (message: string) => Object.assign(new Error(message), { details: message });
    async function mocks(preview: boolean): Promise<import("@1password/pulumi-onepassword").Provider> {
        await pulumi.runtime.setMocks({
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: (args) => {
                const call = args.token === "onepassword:index/getVault:getVault" ? "getVault" : "getItem";
                if (fault?.call === call) {
                    throw providerError(fault.message);
                }
                if (call === "getVault") {
                    return { uuid: "vault-0001", name: args.inputs.name, description: "" };
                }
                const count = vaultItems[args.inputs.title];
                if (count !== 1) {
                    throw providerError(`Found ${count} item(s) in vault "${args.inputs.vault}" with title "${args.inputs.title}"`);
                }
                return { uuid: "item-0001", title: args.inputs.title, sections: [{ id: "s", label: "hand-made", fields: [{ id: "f", label: "RESTIC_PASSWORD", value: keptPassword }] }] };
            },
        }, "storage-backup", "test", preview);
        return new (await import("@1password/pulumi-onepassword")).Provider(`lookup-${providers++}`, { url: connect.connectUrl, token: "t" });
    }
    beforeEach(function () {
        warnings = [];
        pulumi.log.warn = async (message: string) => { warnings.push(message); };
    });
    afterEach(function () {
        pulumi.log.warn = warn;
        fault = undefined;
    });

    it("finds existing items with their restic password, and reports absent ones as absent", async function () {
        const found = await existingItems(await mocks(false), connect, pulumi.secret("t"), titles);
        assert.deepStrictEqual([...found.items.keys()], ["volsync-minio"]);
        assert.strictEqual(found.vaultUuid, "vault-0001", "items are created in the vault the lookup found");
        const item = found.items.get("volsync-minio")!;
        assert.strictEqual(item.importId, "vaults/vault-0001/items/item-0001");
        assert.ok(pulumi.Output.isInstance(item.resticPassword) && await pulumi.isSecret(item.resticPassword), "the password must stay secret");
        assert.strictEqual(await outputValue(item.resticPassword!), keptPassword);
    });

    it("refuses to pick one of several items with the same title, naming it", async function () {
        for (const preview of [true, false]) {
            await assert.rejects(existingItems(await mocks(preview), connect, pulumi.secret("t"), ["twice"]), /more than one item titled "twice".*archive all but/);
        }
    });

    describe("the vault unreachable or failing (issue 21)", function () {
        const faults: Array<NonNullable<typeof fault> & { what: string }> = [
            { what: "Connect refuses connections", call: "getVault", message: "failed to get vault using connect: Get \"https://connect.example.lan/v1/vaults?filter=title+eq+%22cluster%22\": dial tcp 10.0.0.5:443: connect: connection refused" },
            { what: "Connect answers 500", call: "getVault", message: "failed to get vault using connect: status 500: Internal Server Error" },
            { what: "the vault is found, then the item lookup answers 503", call: "getItem", message: "failed to get item using connect: status 503: Service Unavailable" },
        ];
        for (const failure of faults) {
            it(`${failure.what}: an update rejects, naming the vault and Connect, and never settles for a warning`, async function () {
                fault = failure;
                await assert.rejects(existingItems(await mocks(false), connect, pulumi.secret("t"), titles), (error: Error) => {
                    assert.ok(error instanceof pulumi.RunError, "a RunError: the message alone, like the config errors");
                    assert.ok(error.message.startsWith("1Password item lookup failed (nothing was changed): could not look up the items "
                        + `"volsync-minio", "velero-minio" in vault "cluster" through 1Password Connect at https://connect.example.lan: ${failure.message}. `), error.message);
                    assert.match(error.message, /Run `pulumi up` again once the vault answers\.$/);
                    return true;
                });
                assert.deepStrictEqual(warnings, [], "an update never settles for a warning");
            });

            it(`${failure.what}: a preview warns and shows the items as created`, async function () {
                fault = failure;
                const found = await existingItems(await mocks(true), connect, pulumi.secret("t"), titles);
                assert.strictEqual(found.items.size, 0);
                // The program asks the vault nothing else before registering: the items' vault is unknown in such a preview.
                assert.strictEqual(await (pulumi.output(found.vaultUuid) as any).isKnown, false);
                assert.deepStrictEqual(warnings, [`Could not look up the 1Password items "volsync-minio", "velero-minio" in vault "cluster" `
                    + `through 1Password Connect at https://connect.example.lan: ${failure.message}; the preview assumes they do not exist`]);
            });
        }

        it("with a service account, names the sign-in address its token holds, never the token", async function () {
            const token = `ops_${Buffer.from(JSON.stringify({ signInAddress: "example.1password.com", email: "sa@example.com", secretKey: "A3-SECRET" })).toString("base64")}`;
            fault = { call: "getVault", message: "error initializing client: dial tcp: lookup example.1password.com: no such host" };
            await assert.rejects(existingItems(await mocks(false), { vault: "cluster" }, pulumi.secret(token), titles), (error: Error) =>
                error.message.includes('in vault "cluster" through 1Password at example.1password.com (service account): error initializing client')
                && !error.message.includes(token) && !error.message.includes("A3-SECRET"));
            for (const opaque of ["ops_not-base64-json", `ops_${Buffer.from(JSON.stringify({ signInAddress: "https://evil/ x" })).toString("base64")}`]) {
                assert.strictEqual(vaultEndpoint({ vault: "cluster" }, opaque), "1Password's service (service account; its token names no readable sign-in address)");
            }
        });
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
