// Velero: cluster-object and file-system backups of whole namespaces to its own MinIO bucket, on a
// schedule with a TTL, plus alerts. The S3 credentials live in a Secret the chart only references.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRule, prometheusRule } from "./alertRules";
import { ChartSource, StackSettings } from "./config/stackConfig";
import { goDurationSeconds } from "./config/formats";
import { deployChart } from "./helmChart";
import { ownedNamespace } from "./namespace";
import { s3Url } from "./s3Endpoint";

export interface VeleroArgs {
    chart: ChartSource;
    settings: StackSettings["velero"];
    minio: StackSettings["minio"];
    monitoring: StackSettings["monitoring"];
    /** Node labels the Velero server must run on (the node agent runs on every node) (`kubernetes.nodeSelector`). */
    nodeSelector: Record<string, string>;
    /** The Velero bucket's scoped user. */
    accessKeyId: pulumi.Input<string>;
    secretAccessKey: pulumi.Input<string>;
    /** Whether CSI VolumeSnapshotClasses exist, so Velero may snapshot CSI volumes. */
    csiSnapshots: boolean;
}

/** Name of the Secret holding the AWS credentials file; the chart is pointed at it, never given keys. */
export const veleroCredentialsSecret = "velero-s3-secret";
/** PVCs with this label are protected by VolSync, so Velero's file-system backup skips them. */
export const volsyncProtectedLabel = "backup.storage-backup.io/volsync";
export const volumePolicyName = "velero-volume-policy";
/** Secret with MinIO's CA bundle, referenced by the storage location. */
export const veleroMinioCaSecret = "velero-minio-ca";

/**
 * The Velero server release the stack deploys: the one the sandbox runs and its e2e suite proves
 * (toolchain/velero), a patch release above the pinned chart's appVersion (12.1.0 ships 1.18.1).
 */
export const veleroImageTag = "v1.18.3";

export function awsCredentialsFile(accessKeyId: string, secretAccessKey: string): string {
    return `[default]\naws_access_key_id=${accessKeyId}\naws_secret_access_key=${secretAccessKey}\n`;
}

export function veleroValues(args: Pick<VeleroArgs, "settings" | "monitoring" | "csiSnapshots" | "nodeSelector">): Record<string, unknown> {
    const { settings, monitoring } = args;
    return {
        // The chart's own repository, only the tag pinned; the node agent runs the same image.
        image: { tag: veleroImageTag },
        initContainers: [{
            name: "velero-plugin-for-aws",
            image: settings.awsPluginImage,
            imagePullPolicy: "IfNotPresent",
            volumeMounts: [{ mountPath: "/target", name: "plugins" }],
            resources: { requests: { memory: "64Mi" }, limits: { memory: "128Mi" } },
        }],
        resources: settings.resources,
        nodeSelector: args.nodeSelector,
        credentials: { useSecret: true, existingSecret: veleroCredentialsSecret },
        // The storage location and schedule are created as our own resources (validated, visible to policy).
        backupsEnabled: false,
        snapshotsEnabled: false,
        upgradeCRDs: false,
        cleanUpCRDs: false,
        deployNodeAgent: settings.fileSystemBackup,
        nodeAgent: { resources: settings.nodeAgentResources },
        configuration: {
            uploaderType: "kopia",
            defaultBackupStorageLocation: settings.storageLocation,
            features: args.csiSnapshots ? "EnableCSI" : "",
        },
        metrics: {
            enabled: true,
            serviceMonitor: { enabled: monitoring.enabled, autodetect: false, additionalLabels: monitoring.labels },
        },
    };
}

/** Velero alerts for the configured schedule and storage location, on the metrics Velero 1.18 exports. The
 * sandbox suite checks every metric and label these expressions use against the real v1.18.3 server's
 * /metrics (test/helpers/metricContract.ts). */
export function veleroAlertRules(settings: StackSettings["velero"]): AlertRule[] {
    const schedule = settings.schedule.name;
    const selector = `schedule="${schedule}"`;
    return [
        {
            alert: "VeleroBackupLocationUnavailable",
            // Velero >= 1.17 sets this gauge per BackupStorageLocation from its phase after each validation
            // (1 Available, 0 Unavailable); before that only failed backup validations hinted at it. Not
            // narrowed to our location, so the alert still fires if the location label were ever renamed.
            expr: `min by (backup_location_name) (velero_backup_location_status_gauge) == 0`,
            for: "5m",
            severity: "critical",
            summary: "A Velero backup storage location is unavailable.",
            description: `BackupStorageLocation {{ $labels.backup_location_name }} (this stack's is ${settings.storageLocation}) failed validation: Velero cannot reach or use its bucket, so schedule ${schedule} cannot back up. Check \`velero backup-location get\`, MinIO and the Secret ${veleroCredentialsSecret}.`,
        },
        {
            alert: "VeleroBackupTooOld",
            expr: `time() - velero_backup_last_successful_timestamp{${selector}} > ${goDurationSeconds(settings.maxBackupAge)}`,
            for: "15m",
            severity: "critical",
            summary: "The last successful Velero backup is too old.",
            description: `Schedule ${schedule} has not completed a backup within ${settings.maxBackupAge}.`,
        },
        {
            alert: "VeleroBackupFailed",
            expr: `increase(velero_backup_failure_total{${selector}}[1h]) > 0 or increase(velero_backup_partial_failure_total{${selector}}[1h]) > 0`,
            for: "5m",
            severity: "warning",
            summary: "A Velero backup failed or partially failed.",
            description: `A backup of schedule ${schedule} failed or partially failed; see \`velero backup describe --details\` for the newest backup of ${schedule}.`,
        },
    ];
}

/** Velero's resource-policy document: skip volumes VolSync already backs up. */
export function volumePolicyDocument(): string {
    return [
        "version: v1",
        "volumePolicies:",
        "  - conditions:",
        "      pvcLabels:",
        `        ${volsyncProtectedLabel}: "true"`,
        "    action:",
        "      type: skip",
        "",
    ].join("\n");
}

export class Velero extends pulumi.ComponentResource {
    readonly storageLocationName: string;
    readonly scheduleName: string;

    constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:backup:Velero", name, {}, opts);
        const { settings, minio } = args;
        const child = { parent: this };
        const namespace = ownedNamespace(settings.namespace, {
            // The node agent mounts the kubelet's pod volumes from the host.
            "pod-security.kubernetes.io/enforce": settings.fileSystemBackup ? "privileged" : "baseline",
        }, this);
        const afterNamespace = { ...child, dependsOn: [namespace] };

        const credentials = new k8s.core.v1.Secret(`${name}-s3`, {
            metadata: { name: veleroCredentialsSecret, namespace: settings.namespace },
            type: "Opaque",
            stringData: {
                cloud: pulumi.secret(pulumi.all([args.accessKeyId, args.secretAccessKey])
                    .apply(([id, key]) => awsCredentialsFile(id, key))),
            },
        }, { ...afterNamespace, additionalSecretOutputs: ["data", "stringData"] });
        const chart = deployChart(name, {
            source: args.chart, namespace: settings.namespace, values: veleroValues(args), dependsOn: [namespace, credentials],
        }, this);
        const afterChart = { ...child, dependsOn: [chart] };

        const s3Config: Record<string, string> = {
            region: minio.region,
            s3ForcePathStyle: "true",
            s3Url: s3Url(minio),
            checksumAlgorithm: settings.checksumAlgorithm,
            ...(minio.insecureSkipVerify ? { insecureSkipTLSVerify: "true" } : {}),
        };
        // Velero reads a location's CA only from a Secret in its own namespace.
        const caSecret = minio.caBundle && new k8s.core.v1.Secret(`${name}-minio-ca`, {
            metadata: { name: veleroMinioCaSecret, namespace: settings.namespace },
            type: "Opaque",
            stringData: { "ca.crt": minio.caBundle.pem },
        }, afterNamespace);
        new k8s.apiextensions.CustomResource(`${name}-${settings.storageLocation}`, {
            apiVersion: "velero.io/v1",
            kind: "BackupStorageLocation",
            metadata: { name: settings.storageLocation, namespace: settings.namespace },
            spec: {
                provider: "aws",
                default: true,
                objectStorage: {
                    bucket: settings.bucket,
                    // Velero and its node agent verify MinIO against this CA (caCertRef replaces the deprecated caCert).
                    ...(caSecret ? { caCertRef: { name: veleroMinioCaSecret, key: "ca.crt" } } : {}),
                },
                config: s3Config,
                credential: { name: veleroCredentialsSecret, key: "cloud" },
            },
        }, { ...child, dependsOn: [chart, ...(caSecret ? [caSecret] : [])] });

        if (settings.volumeSnapshotLocation) {
            new k8s.apiextensions.CustomResource(`${name}-snapshots`, {
                apiVersion: "velero.io/v1",
                kind: "VolumeSnapshotLocation",
                metadata: { name: "default", namespace: settings.namespace },
                spec: {
                    provider: settings.volumeSnapshotLocation.provider,
                    config: settings.volumeSnapshotLocation.config,
                    credential: { name: veleroCredentialsSecret, key: "cloud" },
                },
            }, afterChart);
        }

        const volumePolicy = new k8s.core.v1.ConfigMap(`${name}-volume-policy`, {
            metadata: { name: volumePolicyName, namespace: settings.namespace },
            data: { "policy.yaml": volumePolicyDocument() },
        }, afterNamespace);

        this.storageLocationName = settings.storageLocation;
        this.scheduleName = settings.schedule.name;
        new k8s.apiextensions.CustomResource(`${name}-${settings.schedule.name}`, {
            apiVersion: "velero.io/v1",
            kind: "Schedule",
            metadata: { name: this.scheduleName, namespace: settings.namespace },
            spec: {
                schedule: settings.schedule.cron,
                useOwnerReferencesInBackup: false,
                template: {
                    ttl: settings.schedule.ttl,
                    includedNamespaces: settings.schedule.includedNamespaces,
                    storageLocation: settings.storageLocation,
                    snapshotVolumes: args.csiSnapshots,
                    defaultVolumesToFsBackup: settings.fileSystemBackup,
                    resourcePolicy: { kind: "configmap", name: volumePolicyName },
                },
            },
        }, { ...child, dependsOn: [chart, volumePolicy] });

        if (args.monitoring.enabled) {
            prometheusRule(`${name}-alerts`, settings.namespace, args.monitoring, veleroAlertRules(settings), afterNamespace);
        }
        this.registerOutputs({ storageLocationName: this.storageLocationName, scheduleName: this.scheduleName });
    }
}
