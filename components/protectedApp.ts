// One protected app: its restic repository secret (rendered from 1Password by External Secrets), the
// scheduled backup (ReplicationSource) and a restore path (ReplicationDestination). The app name is the
// only thing a stack must give; everything else has a default in config/schema.ts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialFields } from "./bucketCredentials";
import { ProtectedAppSettings, SideBySideRestore, StackSettings } from "./config/stackConfig";
import { resticRepository } from "./s3Endpoint";
import { volsyncProtectedLabel } from "./velero";

export interface ProtectedAppArgs {
    app: ProtectedAppSettings;
    minio: StackSettings["minio"];
    /** Bucket that holds every app's repository, each under its own path. */
    bucket: string;
    /** Title of the 1Password item with the bucket credentials and restic password. */
    itemTitle: string;
    clusterSecretStore: string;
    /** Created before the app's objects (CRDs, classes, stores). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Type token of the component; day-2 operations target its children by URN. */
export const protectedAppType = "storage-backup:backup:ProtectedApp";
export const resticSecretName = (app: string) => `${app}-restic-secret`;
export const restoreDestinationName = (app: string) => `${app}-restore`;
/** ConfigMap in the app's namespace holding MinIO's CA, which the movers' restic trusts (`customCA`). */
export const minioCaConfigMapName = (app: string) => `${app}-minio-ca`;
const minioCaKey = "ca.crt";

export function externalSecretSpec(args: Pick<ProtectedAppArgs, "app" | "minio" | "bucket" | "itemTitle" | "clusterSecretStore">) {
    const field = (label: string) => `{{ .${label} }}`;
    return {
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: args.clusterSecretStore },
        target: {
            name: resticSecretName(args.app.name),
            creationPolicy: "Owner",
            template: {
                engineVersion: "v2",
                data: {
                    RESTIC_REPOSITORY: resticRepository(args.minio, args.bucket, args.app.name),
                    RESTIC_PASSWORD: field(credentialFields.resticPassword),
                    AWS_ACCESS_KEY_ID: field(credentialFields.accessKeyId),
                    AWS_SECRET_ACCESS_KEY: field(credentialFields.secretAccessKey),
                    // A known region spares restic a GetBucketLocation call the scoped user may not make.
                    AWS_DEFAULT_REGION: args.minio.region,
                },
            },
        },
        dataFrom: [{ extract: { key: args.itemTitle } }],
    };
}

/** Settings both movers share: repository and its CA, identity, resources and the restic cache. */
function moverSettings(app: ProtectedAppSettings, minio: StackSettings["minio"]) {
    return {
        repository: resticSecretName(app.name),
        ...(minio.caBundle ? { customCA: { configMapName: minioCaConfigMapName(app.name), key: minioCaKey } } : {}),
        cacheCapacity: app.cacheCapacity,
        ...(app.cacheStorageClass ? { cacheStorageClassName: app.cacheStorageClass } : {}),
        cacheAccessModes: ["ReadWriteOnce"],
        moverSecurityContext: {
            runAsUser: app.uid,
            runAsGroup: app.gid,
            fsGroup: app.gid,
            runAsNonRoot: app.uid !== 0,
        },
        moverResources: app.moverResources,
    };
}

function copySettings(app: ProtectedAppSettings) {
    return {
        copyMethod: app.copyMethod,
        ...(app.copyMethod === "Snapshot" ? { volumeSnapshotClassName: app.volumeSnapshotClass } : {}),
        ...(app.pvc.storageClass && app.copyMethod !== "Direct" ? { storageClassName: app.pvc.storageClass } : {}),
    };
}

export function replicationSourceSpec(app: ProtectedAppSettings, minio: StackSettings["minio"]) {
    return {
        sourcePVC: app.pvc.name,
        trigger: { schedule: app.schedule },
        paused: app.paused,
        restic: {
            ...moverSettings(app, minio),
            ...copySettings(app),
            pruneIntervalDays: app.pruneIntervalDays,
            retain: app.retain,
            ...(app.unlock ? { unlock: app.unlock } : {}),
        },
    };
}

/** Whether restores write into the app's PVC: a PVC this stack creates (empty, so bootstrapping it is
 * safe) or one the config explicitly opens up. Otherwise a restore lands in a volume of its own. */
export function restoresIntoPvc(app: ProtectedAppSettings): boolean {
    return app.copyMethod === "Direct" && (app.pvc.create || app.restore.intoPvc);
}

export function replicationDestinationSpec(app: ProtectedAppSettings, minio: StackSettings["minio"]) {
    const target = restoresIntoPvc(app)
        ? { destinationPVC: app.pvc.name }
        : { capacity: app.pvc.capacity, accessModes: app.pvc.accessModes };
    return {
        // Pulumi owns the trigger, and it only changes when the config does: a later `pulumi up` can never
        // re-run a restore by itself.
        trigger: { manual: app.restore.trigger },
        restic: {
            ...moverSettings(app, minio),
            ...copySettings(app),
            ...target,
            ...(app.restore.previous !== undefined ? { previous: app.restore.previous } : {}),
            ...(app.restore.asOf ? { restoreAsOf: app.restore.asOf } : {}),
            enableFileDeletion: true,
            cleanupCachePVC: true,
            cleanupTempPVC: true,
        },
    };
}

/** The ReplicationDestination of a side-by-side restore (`restore.sideBySide`). */
export const sideRestoreDestinationName = (app: string) => `${app}-side-restore`;
/** The Pulumi resource name of the side-by-side copy's PVC (its object name is `restore.sideBySide.pvc`). */
export const sideCopyResourceName = (app: string) => `${app}-side-copy`;
/** Labels of a side-by-side copy: Velero skips it (it is a copy of backed-up data), people see its origin. */
export const sideCopyLabels = (app: ProtectedAppSettings) => ({ [volsyncProtectedLabel]: "true", "restore.storage-backup.io/copy-of": app.pvc.name });

/** A restore into a PVC of its own, written directly: the app's live PVC is not named anywhere in it. */
export function sideBySideDestinationSpec(app: ProtectedAppSettings, side: SideBySideRestore & { trigger: string }, minio: StackSettings["minio"]) {
    return {
        trigger: { manual: side.trigger },
        restic: {
            ...moverSettings(app, minio),
            copyMethod: "Direct",
            destinationPVC: side.pvc,
            ...(side.previous !== undefined ? { previous: side.previous } : {}),
            enableFileDeletion: true,
            cleanupCachePVC: true,
            cleanupTempPVC: true,
        },
    };
}

export class ProtectedApp extends pulumi.ComponentResource {
    readonly repository: string;
    readonly secretName: string;

    constructor(name: string, args: ProtectedAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(protectedAppType, name, {}, opts);
        const { app } = args;
        const namespace = app.namespace;
        const child = { parent: this, dependsOn: args.dependsOn };

        const secret = new k8s.apiextensions.CustomResource(`${name}-restic`, {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { name: resticSecretName(app.name), namespace },
            spec: externalSecretSpec(args),
        }, child);

        const repositoryAccess: pulumi.Resource[] = [secret];
        if (args.minio.caBundle) {
            repositoryAccess.push(new k8s.core.v1.ConfigMap(`${name}-minio-ca`, {
                metadata: { name: minioCaConfigMapName(app.name), namespace },
                data: { [minioCaKey]: args.minio.caBundle.pem },
            }, child));
        }

        const destination = new k8s.apiextensions.CustomResource(`${name}-restore`, {
            apiVersion: "volsync.backube/v1alpha1",
            kind: "ReplicationDestination",
            metadata: { name: restoreDestinationName(app.name), namespace },
            spec: replicationDestinationSpec(app, args.minio),
        }, { ...child, dependsOn: repositoryAccess });

        const protectedLabel = { [volsyncProtectedLabel]: "true" };
        const claim = app.pvc.create
            ? new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
                metadata: {
                    name: app.pvc.name,
                    namespace,
                    // No skipAwait: the provider accepts Pending for a WaitForFirstConsumer class and waits
                    // for Bound otherwise, as on any cluster.
                    labels: protectedLabel,
                },
                spec: {
                    accessModes: app.pvc.accessModes,
                    storageClassName: app.pvc.storageClass,
                    resources: { requests: { storage: app.pvc.capacity } },
                    // Bootstrap: a new PVC is filled from the latest backup by VolSync's volume populator.
                    ...(app.copyMethod === "Direct" ? {} : {
                        dataSourceRef: { apiGroup: "volsync.backube", kind: "ReplicationDestination", name: restoreDestinationName(app.name) },
                    }),
                },
            }, { ...child, dependsOn: [destination] })
            // An existing PVC only gets the label that keeps Velero's file-system backup off it.
            : new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-data`, {
                metadata: { name: app.pvc.name, namespace, labels: protectedLabel },
            }, child);

        new k8s.apiextensions.CustomResource(`${name}-backup`, {
            apiVersion: "volsync.backube/v1alpha1",
            kind: "ReplicationSource",
            metadata: { name: app.name, namespace },
            spec: replicationSourceSpec(app, args.minio),
        }, { ...child, dependsOn: [...repositoryAccess, claim] });

        const side = app.restore.sideBySide;
        if (side?.trigger) {
            const copy = new k8s.core.v1.PersistentVolumeClaim(sideCopyResourceName(name), {
                metadata: { name: side.pvc, namespace, labels: sideCopyLabels(app) },
                spec: {
                    accessModes: app.pvc.accessModes,
                    storageClassName: app.pvc.storageClass,
                    resources: { requests: { storage: app.pvc.capacity } },
                },
            }, child);
            new k8s.apiextensions.CustomResource(sideRestoreDestinationName(name), {
                apiVersion: "volsync.backube/v1alpha1",
                kind: "ReplicationDestination",
                metadata: { name: sideRestoreDestinationName(app.name), namespace },
                spec: sideBySideDestinationSpec(app, { ...side, trigger: side.trigger }, args.minio),
            }, { ...child, dependsOn: [...repositoryAccess, copy] });
        }

        this.repository = resticRepository(args.minio, args.bucket, app.name);
        this.secretName = resticSecretName(app.name);
        this.registerOutputs({ repository: this.repository, secretName: this.secretName });
    }
}
