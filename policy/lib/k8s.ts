/** Where Kubernetes, Helm and CRD resources keep the things the policies look at. */
import { at, items, Path, show, UNKNOWN } from "./props";

/** Path from a workload's inputs to its pod spec, by Pulumi type token. */
export const POD_SPEC_PATHS: Readonly<Record<string, Path>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/**
 * Server-side-apply patches of the same workloads (DeploymentPatch...): they can set the same fields,
 * but every field is optional in a patch, so only what a patch sets is checked.
 */
export const POD_SPEC_PATCH_PATHS: Readonly<Record<string, Path>> = Object.fromEntries(
    Object.entries(POD_SPEC_PATHS).map(([type, path]) => [`${type}Patch`, path]),
);

/** Path from a Job-creating resource's inputs to its Job spec. */
export const JOB_SPEC_PATHS: Readonly<Record<string, Path>> = {
    "kubernetes:batch/v1:Job": ["spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec"],
};

/** Helm releases run real Helm in the provider: the objects they create never reach a policy. */
export const OPAQUE_HELM_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release"];

/**
 * Components that render manifests in the provider and register every object as a child at preview,
 * as long as all of their inputs are known.
 */
export const RENDERING_TYPES: readonly string[] = [
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:yaml/v2:ConfigFile",
    "kubernetes:yaml/v2:ConfigGroup",
    "kubernetes:kustomize/v2:Directory",
];

/** Everything that carries Helm values. */
export const HELM_TYPES: readonly string[] = [
    ...OPAQUE_HELM_TYPES, "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart",
];

export const VELERO_SCHEDULE = "kubernetes:velero.io/v1:Schedule";
export const VELERO_BACKUP = "kubernetes:velero.io/v1:Backup";
export const VELERO_BSL = "kubernetes:velero.io/v1:BackupStorageLocation";
export const REPLICATION_SOURCE = "kubernetes:volsync.backube/v1alpha1:ReplicationSource";
export const REPLICATION_DESTINATION = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";
export const EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const SECRET = "kubernetes:core/v1:Secret";
export const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
export const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

/** VolSync mover blocks (each may carry moverResources and copyMethod). */
export const VOLSYNC_MOVERS: readonly string[] = ["restic", "rclone", "rsync", "rsyncTLS", "syncthing"];

export interface ResourceRef {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

/** "Deployment velero/velero (pulumi name velero-chart:velero/velero)" – names what a reader must fix. */
export function describeResource(r: ResourceRef): string {
    const kind = r.type.split(":").pop();
    const name = at(r.props, "metadata", "name");
    const namespace = at(r.props, "metadata", "namespace");
    const k8sName = typeof name === "string" ? (typeof namespace === "string" ? `${namespace}/${name}` : name) : undefined;
    if (!k8sName) {
        return `${kind} "${r.name}"`;
    }
    return name === r.name ? `${kind} "${k8sName}"` : `${kind} "${k8sName}" (Pulumi name "${r.name}")`;
}

export interface ContainerRef {
    /** e.g. `container "manager"` or `init container "setup"`. */
    label: string;
    /** Path of the container from the resource's inputs. */
    path: Path;
    container: unknown;
}

/** Every container and init container of a pod spec; UNKNOWN lists come back as a single UNKNOWN entry. */
export function containersOf(podSpec: unknown, podSpecPath: Path): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const [field, word] of [["initContainers", "init container"], ["containers", "container"]] as const) {
        const list = at(podSpec, field);
        if (list === UNKNOWN) {
            refs.push({ label: `${word}s`, path: [...podSpecPath, field], container: UNKNOWN });
            continue;
        }
        items(list).forEach((container, i) => {
            const name = at(container, "name");
            refs.push({
                label: `${word} ${typeof name === "string" ? `"${name}"` : `#${i}`}`,
                path: [...podSpecPath, field, i],
                container,
            });
        });
    }
    return refs;
}

/** Helm values of a chart or release resource. */
export function helmValues(props: unknown): unknown {
    return at(props, "values");
}

export interface NamedSchedule {
    name: string;
    path: Path;
    schedule: unknown;
}

/** Velero chart values `schedules.<name>` (each with `template`, a Backup spec). */
export function veleroValuesSchedules(values: unknown): NamedSchedule[] {
    const schedules = at(values, "schedules");
    if (schedules === undefined || schedules === null) {
        return [];
    }
    if (schedules === UNKNOWN) {
        return [{ name: "schedules", path: ["values", "schedules"], schedule: UNKNOWN }];
    }
    return Object.keys(schedules as object).map((name) => ({
        name, path: ["values", "schedules", name], schedule: at(schedules, name),
    }));
}

/** A short "value found" phrase used by every message. */
export function found(value: unknown): string {
    return value === undefined ? "it is not set" : `found ${show(value)}`;
}
