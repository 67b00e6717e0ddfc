// Preflight: objects the config names but the stack does not create must exist before anything changes.
import * as assert from "assert";
import { ClusterDependency, externalDependencies, preflight, PreflightError } from "../components/preflight";
import { configNamespace, settingsFrom, stackFileConfig } from "./helpers/settings";

/** A cluster holding exactly these `Kind/name` objects. */
function clusterWith(...objects: string[]) {
    const asked: ClusterDependency[] = [];
    const lookup = async (dependency: ClusterDependency) => {
        asked.push(dependency);
        return objects.includes(`${dependency.kind}/${dependency.namespace ? `${dependency.namespace}/` : ""}${dependency.name}`);
    };
    return { lookup, asked };
}

const appsStackNeeds = ["VolumeSnapshotClass/csi-ceph-block", "StorageClass/csi-ceph-block", "PersistentVolumeClaim/demo-ns/demo-pvc", "ClusterSecretStore/onepassword"];

describe("preflight", function () {
    const settings = settingsFrom(stackFileConfig("apps"));
    const dependencies = externalDependencies(settings, configNamespace);

    it("asks only for what the apps stack does not create (openebs-hostpath is its own)", function () {
        assert.deepStrictEqual(dependencies.map((dependency) => `${dependency.kind}/${dependency.namespace ? `${dependency.namespace}/` : ""}${dependency.name}`), appsStackNeeds);
    });

    it("passes when every named object exists", async function () {
        await preflight(dependencies, clusterWith(...appsStackNeeds).lookup);
    });

    it("fails on a missing VolumeSnapshotClass, naming it and the key to change (NEG-001)", async function () {
        await assert.rejects(preflight(dependencies, clusterWith(...appsStackNeeds.filter((need) => !need.startsWith("VolumeSnapshotClass"))).lookup),
            (error: PreflightError) => {
                assert.strictEqual(error.missing.length, 1);
                assert.match(error.message, /VolumeSnapshotClass "csi-ceph-block" does not exist; create it or change storage-backup:apps\[0\]\.volumeSnapshotClass/);
                assert.match(error.message, /nothing was changed/);
                return true;
            });
    });

    it("fails on a missing cache StorageClass the stack does not create (NEG-002)", async function () {
        const raw = stackFileConfig("apps") as Record<string, any>;
        raw.volsync.appDefaults.cacheStorageClass = "fast-cache";
        const needs = externalDependencies(settingsFrom(raw), configNamespace);
        await assert.rejects(preflight(needs, clusterWith(...appsStackNeeds).lookup),
            /StorageClass "fast-cache" does not exist; create it or change storage-backup:apps\[0\]\.cacheStorageClass/);
    });

    it("lists every missing object at once", async function () {
        await assert.rejects(preflight(dependencies, clusterWith().lookup), (error: PreflightError) => error.missing.length === appsStackNeeds.length);
    });

    it("needs nothing from the cluster for classes the stack creates itself", function () {
        const raw = stackFileConfig("apps") as Record<string, any>;
        raw.snapshots = { classes: [{ name: "csi-ceph-block", driver: "rook-ceph.rbd.csi.ceph.com" }] };
        const kinds = externalDependencies(settingsFrom(raw), configNamespace).map((dependency) => dependency.kind);
        assert.ok(!kinds.includes("VolumeSnapshotClass"));
    });
});
