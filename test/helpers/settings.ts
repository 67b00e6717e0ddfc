// Builds validated settings for tests from the same parser the program uses.
import { parseStackConfig, secretKeys, StackSettings } from "../../components/config/stackConfig";
import { configNamespace } from "../../ops/stackFile";

export { configNamespace, stackFileConfig } from "../../ops/stackFile";
export const allSecretsPresent = new Set<string>(Object.values(secretKeys));

/** The smallest valid raw config: what a user must set. */
export function minimalRawConfig(): Record<string, any> {
    return {
        minio: { endpoint: "minio.example.lan:9000" },
        onepassword: { vault: "cluster", connectUrl: "https://connect.example.lan" },
    };
}

/** A config with every optional part on: LVM class, snapshot classes, a VolumeSnapshotLocation, monitoring
 * with labels, and apps of every copy method. The program then creates every kind of object it can. */
export function everyOptionRawConfig(): Record<string, any> {
    const raw = minimalRawConfig();
    raw.monitoring = { labels: { release: "prometheus" } };
    raw.snapshots = { classes: [
        { name: "ceph-block", driver: "rook-ceph.rbd.csi.ceph.com", isDefault: true, parameters: { clusterID: "rook-ceph" } },
        { name: "lvm", driver: "local.csi.openebs.io", deletionPolicy: "Retain" },
    ] };
    raw.openebs = { lvmClass: { volumeGroup: "vg-data" } };
    raw.volsync = { keyRotation: "2026-11" };
    raw.velero = { fileSystemBackup: true, volumeSnapshotLocation: { provider: "aws", config: { region: "minio" } } };
    raw.apps = [
        { name: "snap", volumeSnapshotClass: "ceph-block", pvc: { create: true, storageClass: "ceph-rbd" } },
        { name: "direct", copyMethod: "Direct", retain: { within: "72h", daily: 3 }, paused: true, uid: 0, gid: 0,
            restore: { sideBySide: { trigger: "side-1", previous: 1 } } },
        { name: "clone", copyMethod: "Clone", pvc: { storageClass: "ceph-rbd" }, moverResources: { requests: { cpu: "100m" } } },
    ];
    return raw;
}

export function settingsFrom(raw: Record<string, unknown>, present = allSecretsPresent): StackSettings {
    return parseStackConfig(configNamespace, raw, present);
}
