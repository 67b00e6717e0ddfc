// Composes the whole storage and backup stack for one cluster from validated settings.
import * as pulumi from "@pulumi/pulumi";
import { applyAwaitTimeout } from "./awaitTimeout";
import { BucketCredentials } from "./bucketCredentials";
import { StackSecrets, StackSettings } from "./config/stackConfig";
import { OpenEbs } from "./openebs";
import { ProtectedApp } from "./protectedApp";
import { VaultContents } from "./itemLookup";
import { createProviders, providerOptions, StackProviders } from "./providers";
import { SnapshotController } from "./snapshotController";
import { Velero } from "./velero";
import { VolSync } from "./volsync";

export interface StorageBackupStackOutputs {
    buckets: { volsync: pulumi.Output<string>; velero: pulumi.Output<string> };
    onepasswordItems: { volsync: pulumi.Output<string>; velero: pulumi.Output<string> };
    storageClasses: { hostpath: pulumi.Output<string>; lvm?: pulumi.Output<string> };
    volumeSnapshotClasses: pulumi.Output<string>[];
    velero: { storageLocation: string; schedule: string };
    apps: Record<string, { namespace: string; repository: string; secret: string }>;
    /** Secret: the VolSync bucket user's keys, for break-glass restores with restic by hand. */
    volsyncCredentials: pulumi.Output<{ accessKeyId: string; secretAccessKey: string; resticPassword: string }>;
}

/** What the program found out before registering anything. */
export interface ExistingState {
    /** Buckets already in MinIO, to be adopted rather than created. */
    buckets: Set<string>;
    /** The vault and the 1Password items already in it, by title, to be adopted rather than created. */
    vault: VaultContents;
}

export function deployStorageBackupStack(settings: StackSettings, secrets: StackSecrets,
    existing: ExistingState, providers: StackProviders = createProviders(settings, secrets)): StorageBackupStackOutputs {
    applyAwaitTimeout(settings.kubernetes.awaitTimeout);
    const opts = providerOptions(providers);

    const volsyncStorage = new BucketCredentials("volsync", {
        bucket: settings.volsync.bucket, user: settings.volsync.user, itemTitle: settings.volsync.item,
        vaultUuid: existing.vault.vaultUuid, purpose: "VolSync restic repositories",
        adoptExistingBucket: existing.buckets.has(settings.volsync.bucket),
        existingItem: existing.vault.items.get(settings.volsync.item), keyRotation: settings.volsync.keyRotation,
    }, opts);
    const veleroStorage = new BucketCredentials("velero", {
        bucket: settings.velero.bucket, user: settings.velero.user, itemTitle: settings.velero.item,
        vaultUuid: existing.vault.vaultUuid, purpose: "Velero backups",
        adoptExistingBucket: existing.buckets.has(settings.velero.bucket),
        existingItem: existing.vault.items.get(settings.velero.item), keyRotation: settings.velero.keyRotation,
    }, opts);

    const { nodeSelector } = settings.kubernetes;
    const openebs = new OpenEbs("openebs", { charts: settings.charts, settings: settings.openebs, nodeSelector }, opts);
    const volsync = new VolSync("volsync", {
        chart: settings.charts.volsync, settings: settings.volsync, monitoring: settings.monitoring, nodeSelector,
    }, opts);
    const snapshots = new SnapshotController("snapshot-controller", {
        chart: settings.charts.snapshotController, settings: settings.snapshots, nodeSelector,
        namespaceOwner: settings.snapshots.namespace === settings.volsync.namespace ? volsync : undefined,
    }, opts);
    const velero = new Velero("velero", {
        chart: settings.charts.velero, settings: settings.velero, minio: settings.minio, monitoring: settings.monitoring, nodeSelector,
        accessKeyId: veleroStorage.accessKeyId, secretAccessKey: veleroStorage.secretAccessKey,
        csiSnapshots: settings.snapshots.classes.length > 0,
    }, opts);

    const apps = Object.fromEntries(settings.apps.map((app) => {
        const component = new ProtectedApp(app.name, {
            app, minio: settings.minio, bucket: settings.volsync.bucket, itemTitle: settings.volsync.item,
            clusterSecretStore: settings.volsync.clusterSecretStore, dependsOn: [volsync, snapshots, openebs, volsyncStorage],
        }, opts);
        return [app.name, { namespace: app.namespace, repository: component.repository, secret: component.secretName }];
    }));

    return {
        buckets: { volsync: volsyncStorage.bucketName, velero: veleroStorage.bucketName },
        onepasswordItems: { volsync: volsyncStorage.itemUuid, velero: veleroStorage.itemUuid },
        storageClasses: { hostpath: openebs.hostpathClassName, lvm: openebs.lvmClassName },
        volumeSnapshotClasses: snapshots.classNames,
        velero: { storageLocation: velero.storageLocationName, schedule: velero.scheduleName },
        apps,
        volsyncCredentials: pulumi.secret(pulumi.all([volsyncStorage.accessKeyId, volsyncStorage.secretAccessKey, volsyncStorage.resticPassword])
            .apply(([accessKeyId, secretAccessKey, resticPassword]) => ({ accessKeyId, secretAccessKey, resticPassword }))),
    };
}
