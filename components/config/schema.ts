// The stack config schema: every key, its default (the design's values) and its constraints, in one place.
// Objects are strict so that a misspelt key is an error rather than a silently ignored setting.
import { z } from "zod";
import { caBundle } from "./caBundle";
import { chartMirror, chartSourcesWith } from "./chartMirror";
import { chartNames } from "./chartSources";
import {
    bucketName, cronSchedule, dnsLabel, goDuration, hostPort, httpUrl, objectName, pinnedImage, posixId, quantity,
} from "./formats";

const memoryResources = (request: string, limit: string) => z.strictObject({
    requests: z.strictObject({ memory: quantity.default(request), cpu: quantity.optional() }).prefault({}),
    limits: z.strictObject({ memory: quantity.default(limit), cpu: quantity.optional() }).prefault({}),
}).prefault({});

const chartSource = z.strictObject({
    chart: z.string().min(1),
    version: z.string().regex(/^v?\d+\.\d+\.\d+([-+][\w.-]+)?$/, "expected an exact chart version such as \"1.2.3\" (no ranges)").optional(),
    repo: httpUrl.optional(),
});

const chartsSchema = z.strictObject({
    /** One mirror for every chart not overridden below: a repository URL, an oci:// registry or a folder. */
    mirror: chartMirror.optional(),
    ...Object.fromEntries(chartNames.map((name) => [name, chartSource.optional()])) as Record<
        (typeof chartNames)[number], z.ZodOptional<typeof chartSource>>,
}).prefault({}).transform(({ mirror, ...overrides }, ctx) => {
    const { sources, problems } = chartSourcesWith(overrides, mirror);
    for (const problem of problems) {
        ctx.addIssue({ code: "custom", path: ["mirror"], message: `expected every pinned chart in the mirror; ${problem}` });
    }
    return sources;
});

const kubernetesSchema = z.strictObject({
    /** kubeconfig context; unset uses the kubeconfig's current context. */
    context: z.string().min(1).optional(),
    /** Path to a kubeconfig file; unset uses KUBECONFIG / ~/.kube/config. */
    kubeconfigPath: z.string().min(1).optional(),
    /** How long `pulumi up` waits for each object to become ready before it fails; unset keeps the
     * provider's own limits (10 minutes for most workloads). */
    awaitTimeout: goDuration.optional(),
    /** Node labels that every controller the stack deploys must run on (e.g. dedicated infra nodes).
     * Node agents (DaemonSets) are not restricted: they must run where the volumes are. */
    nodeSelector: z.record(z.string().min(1), z.string()).default({}),
}).prefault({});

const minioSchema = z.strictObject({
    endpoint: hostPort,
    useTls: z.boolean().default(true),
    /** Skip TLS verification (throwaway lab endpoints only; prefer caBundle). */
    insecureSkipVerify: z.boolean().default(false),
    /** CA certificate(s) that signed MinIO's certificate: inline PEM or a PEM file path. Every MinIO client
     * the stack configures trusts it (provider, bucket lookup, ops and restic, VolSync movers, Velero). */
    caBundle: caBundle.optional(),
    region: z.string().min(1).default("minio"),
});

const onepasswordSchema = z.strictObject({
    /** Vault name or UUID that holds the generated items. */
    vault: z.string().min(1),
    /** 1Password Connect server URL; unset means a service-account token is used. */
    connectUrl: httpUrl.optional(),
});

const monitoringSchema = z.strictObject({
    /** Create ServiceMonitors and PrometheusRules (needs prometheus-operator CRDs). */
    enabled: z.boolean().default(true),
    /** Labels the Prometheus rule/monitor selectors match on (kube-prometheus-stack: `release: <its release>`). */
    labels: z.record(z.string(), z.string()).default({}),
    /** Where this README is published (e.g. the repository's web view of README.md); every alert's
     * runbook_url points into its "When something goes wrong" section. Unset: `README.md#<alert>`. */
    runbookUrl: httpUrl.optional(),
}).prefault({});

const hostpathClassSchema = z.strictObject({
    name: objectName.default("openebs-localpv-hostpath"),
    basePath: z.string().regex(/^\/[^\0]*$/, "expected an absolute directory path such as \"/var/openebs/local\"").default("/var/openebs/local"),
    isDefault: z.boolean().default(true),
}).prefault({});

const lvmClassSchema = z.strictObject({
    name: objectName.default("openebs-lvm"),
    /** LVM volume group that exists on every storage node. */
    volumeGroup: z.string().regex(/^[A-Za-z0-9+_.-]+$/, "expected an LVM volume group name"),
    fsType: z.enum(["ext4", "xfs", "btrfs"]).default("ext4"),
    /** Each container of the LVM controller (provisioner, resizer, snapshotter and the chart's own
     * snapshot-controller), and each container of the node plugin. */
    controllerResources: memoryResources("32Mi", "128Mi"),
    nodeResources: memoryResources("64Mi", "256Mi"),
});

const openebsSchema = z.strictObject({
    namespace: dnsLabel.default("openebs"),
    /** Provisioner replicas, spread across nodes; one leads, the others take over (ADR-003). */
    replicas: z.number().int().min(1).max(9).default(2),
    resources: memoryResources("256Mi", "500Mi"),
    hostpathClass: hostpathClassSchema,
    /** Opt-in block-device class (LocalPV LVM), the successor of LocalPV device. */
    lvmClass: lvmClassSchema.optional(),
}).prefault({});

const snapshotClassSchema = z.strictObject({
    name: objectName,
    driver: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "expected a CSI driver name such as \"rook-ceph.rbd.csi.ceph.com\""),
    deletionPolicy: z.enum(["Delete", "Retain"]).default("Delete"),
    isDefault: z.boolean().default(false),
    parameters: z.record(z.string(), z.string()).default({}),
});

const snapshotsSchema = z.strictObject({
    namespace: dnsLabel.default("snapshot-controller"),
    resources: memoryResources("64Mi", "256Mi"),
    /** VolumeSnapshotClasses this stack creates. Classes named elsewhere but not here must already exist. */
    classes: z.array(snapshotClassSchema).default([]),
}).prefault({});

const retainSchema = z.strictObject({
    hourly: z.number().int().min(0).optional(),
    daily: z.number().int().min(0).optional(),
    weekly: z.number().int().min(0).optional(),
    monthly: z.number().int().min(0).optional(),
    yearly: z.number().int().min(0).optional(),
    within: goDuration.optional(),
}).refine((retain) => Object.values(retain).some((value) => value !== undefined && value !== 0), {
    message: "expected at least one non-zero retention count (hourly, daily, weekly, monthly, yearly) or within",
});

const copyMethod = z.enum(["Snapshot", "Clone", "Direct"]);

const pruneIntervalDays = z.number().int().min(1).max(365);

/** How many backups back (0 = latest); `pulumi config set --path` may store it as a string. */
const backupsBack = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0));

/** Changing this value issues the bucket user a new secret key (rotation); the restic password stays. */
const keyRotation = z.string().min(1).optional();

/** The ReplicationDestination's first manual trigger value. */
export const initialRestoreTrigger = "initial";

const appDefaultsSchema = z.strictObject({
    schedule: cronSchedule.default("0 * * * *"),
    copyMethod: copyMethod.default("Snapshot"),
    volumeSnapshotClass: objectName.optional(),
    cacheStorageClass: objectName.optional(),
    cacheCapacity: quantity.default("2Gi"),
    retain: retainSchema.default({ hourly: 24, daily: 7, weekly: 4 }),
    pruneIntervalDays: pruneIntervalDays.default(7),
    moverResources: memoryResources("256Mi", "1Gi"),
    uid: posixId.default(1000),
    gid: posixId.default(1000),
    paused: z.boolean().default(false),
}).prefault({});

const pvcSchema = z.strictObject({
    /** PVC name; defaults to the app name. */
    name: objectName.optional(),
    /** Create the PVC here, populated from the latest backup on first creation (bootstrap). */
    create: z.boolean().default(false),
    /** Size of a created PVC. */
    capacity: quantity.default("5Gi"),
    /** Class of the volume being protected; decides whether snapshots are possible. */
    storageClass: objectName.optional(),
    accessModes: z.array(z.enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"])).min(1).default(["ReadWriteOnce"]),
}).prefault({});

const appSchema = z.strictObject({
    name: dnsLabel.refine((name) => name.length <= 40, "expected at most 40 characters (object names get suffixes)"),
    /** Namespace of the app; defaults to the app name. */
    namespace: dnsLabel.optional(),
    pvc: pvcSchema,
    schedule: cronSchedule.optional(),
    copyMethod: copyMethod.optional(),
    volumeSnapshotClass: objectName.optional(),
    cacheStorageClass: objectName.optional(),
    cacheCapacity: quantity.optional(),
    retain: retainSchema.optional(),
    pruneIntervalDays: pruneIntervalDays.optional(),
    moverResources: z.strictObject({
        requests: z.strictObject({ memory: quantity.optional(), cpu: quantity.optional() }).optional(),
        limits: z.strictObject({ memory: quantity.optional(), cpu: quantity.optional() }).optional(),
    }).optional(),
    uid: posixId.optional(),
    gid: posixId.optional(),
    paused: z.boolean().optional(),
    /** Changing this value makes the next sync remove stale restic locks (`restic unlock`). */
    unlock: z.string().min(1).optional(),
    /** The workload scaled down while a restore writes into its PVC. */
    workload: z.strictObject({
        kind: z.enum(["Deployment", "StatefulSet"]),
        name: objectName,
    }).optional(),
    // `pulumi config set --path` may store numbers and booleans as strings, so those two accept both.
    restore: z.strictObject({
        /** Changing this value runs one restore; the first value runs when the stack creates the app. */
        trigger: z.string().min(1).default(initialRestoreTrigger),
        /** Restore the Nth-latest backup instead of the latest (0 = latest). */
        previous: backupsBack.optional(),
        /** Restore the newest backup at or before this time. */
        asOf: z.string().datetime({ offset: true, message: "expected an RFC 3339 time such as \"2026-11-23T02:00:00Z\"" }).optional(),
        /** Write into the app's own PVC (Direct copies only). Off by default so a restore never
         * overwrites live data unless asked to. */
        intoPvc: z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]).default(false),
        /** Restore side by side: a backup into a PVC of its own next to the live one, which it never touches. */
        sideBySide: z.strictObject({
            /** The new PVC; defaults to `<pvc.name>-restore`. */
            pvc: objectName.optional(),
            /** Setting or changing this value runs one side-by-side restore; unset, no copy exists. */
            trigger: z.string().min(1).optional(),
            /** Which backup (0 = latest). */
            previous: backupsBack.optional(),
        }).optional(),
    }).prefault({}),
});

const volsyncSchema = z.strictObject({
    namespace: dnsLabel.default("volsync-system"),
    resources: memoryResources("128Mi", "500Mi"),
    bucket: bucketName.default("volsync"),
    user: z.string().regex(/^[A-Za-z0-9_.@+=,-]{3,64}$/, "expected a MinIO user name of 3-64 characters").default("volsync-backup"),
    item: z.string().min(1).default("volsync-minio"),
    keyRotation,
    clusterSecretStore: objectName.default("onepassword"),
    appDefaults: appDefaultsSchema,
    /** How long a source may stay out of sync before alerting. */
    outOfSyncAlertAfter: z.string().regex(/^\d+[smhd]$/, "expected a Prometheus duration such as \"15m\"").default("30m"),
}).prefault({});

const veleroScheduleSchema = z.strictObject({
    name: objectName.default("daily-backup"),
    cron: cronSchedule.default("0 2 * * *"),
    ttl: goDuration.default("720h"),
    includedNamespaces: z.array(dnsLabel).min(1).default(["database", "monitoring", "network", "default"]),
}).prefault({});

const veleroSchema = z.strictObject({
    namespace: dnsLabel.default("velero"),
    resources: memoryResources("256Mi", "500Mi"),
    nodeAgentResources: memoryResources("256Mi", "1Gi"),
    bucket: bucketName.default("openebs-backups"),
    user: z.string().regex(/^[A-Za-z0-9_.@+=,-]{3,64}$/, "expected a MinIO user name of 3-64 characters").default("velero-backup"),
    item: z.string().min(1).default("velero-minio"),
    keyRotation,
    storageLocation: objectName.default("minio-s3"),
    /** The plugin release the sandbox runs with the server (toolchain/velero-aws). */
    awsPluginImage: pinnedImage.default("velero/velero-plugin-for-aws:v1.14.3"),
    /** Empty disables the CRC checksums that newer AWS SDKs send and MinIO rejects. */
    checksumAlgorithm: z.enum(["", "CRC32", "CRC32C", "SHA1", "SHA256"]).default(""),
    /** Back up volumes without snapshots (LocalPV hostpath) with the node agent. */
    fileSystemBackup: z.boolean().default(true),
    schedule: veleroScheduleSchema,
    /** A native volume snapshotter; only where the cluster has one. */
    volumeSnapshotLocation: z.strictObject({
        provider: z.string().min(1),
        config: z.record(z.string(), z.string()).default({}),
    }).optional(),
    /** Alert when the newest successful backup is older than this. */
    maxBackupAge: goDuration.default("25h"),
}).prefault({});

export const stackConfigSchema = z.strictObject({
    kubernetes: kubernetesSchema,
    minio: minioSchema,
    onepassword: onepasswordSchema,
    charts: chartsSchema,
    monitoring: monitoringSchema,
    openebs: openebsSchema,
    snapshots: snapshotsSchema,
    volsync: volsyncSchema,
    velero: veleroSchema,
    apps: z.array(appSchema).default([]),
});

export type RawStackConfig = z.input<typeof stackConfigSchema>;
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type MemoryResources = ParsedStackConfig["openebs"]["resources"];
export type RetainPolicy = z.output<typeof retainSchema>;
export type CopyMethod = z.output<typeof copyMethod>;
export type RawAppConfig = z.output<typeof appSchema>;
export type RawRestoreConfig = RawAppConfig["restore"];
