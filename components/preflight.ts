// Checks, before any change, that the cluster objects the config names but this stack does not create
// really exist: a typo in a class name would otherwise surface hours later as a stuck backup.
import { StackSettings } from "./config/stackConfig";

/** One object the stack relies on but does not own. */
export interface ClusterDependency {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
    /** The config key to change if the object is missing. */
    configKey: string;
}

/** Answers whether an object exists; the real one asks the API server, tests pass their own. */
export type ClusterLookup = (dependency: ClusterDependency) => Promise<boolean>;

/** Everything the config names that this stack does not create itself. */
export function externalDependencies(settings: StackSettings, namespace: string): ClusterDependency[] {
    const ownSnapshotClasses = new Set(settings.snapshots.classes.map((snapshotClass) => snapshotClass.name));
    const ownStorageClasses = new Set([settings.openebs.hostpathClass.name, settings.openebs.lvmClass?.name]);
    const found = new Map<string, ClusterDependency>();
    const add = (dependency: ClusterDependency) => {
        const id = `${dependency.kind}/${dependency.namespace ?? ""}/${dependency.name}`;
        if (!found.has(id)) {
            found.set(id, dependency);
        }
    };
    settings.apps.forEach((app, index) => {
        const key = (setting: string) => `${namespace}:apps[${index}].${setting} (or volsync.appDefaults.${setting})`;
        if (app.copyMethod === "Snapshot" && app.volumeSnapshotClass && !ownSnapshotClasses.has(app.volumeSnapshotClass)) {
            add({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", name: app.volumeSnapshotClass, configKey: key("volumeSnapshotClass") });
        }
        if (app.cacheStorageClass && !ownStorageClasses.has(app.cacheStorageClass)) {
            add({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: app.cacheStorageClass, configKey: key("cacheStorageClass") });
        }
        if (app.pvc.storageClass && !ownStorageClasses.has(app.pvc.storageClass)) {
            add({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: app.pvc.storageClass, configKey: `${namespace}:apps[${index}].pvc.storageClass` });
        }
        if (!app.pvc.create) {
            add({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: app.pvc.name, namespace: app.namespace, configKey: `${namespace}:apps[${index}].pvc.name (or set pvc.create: true)` });
        }
    });
    if (settings.apps.length > 0) {
        add({ apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", name: settings.volsync.clusterSecretStore, configKey: `${namespace}:volsync.clusterSecretStore` });
    }
    return [...found.values()];
}

export class PreflightError extends Error {
    constructor(readonly missing: ClusterDependency[]) {
        super(`Preflight failed (nothing was changed): the cluster lacks objects the config names:\n${missing.map((dependency) =>
            `  - ${dependency.kind} "${dependency.namespace ? `${dependency.namespace}/` : ""}${dependency.name}" does not exist; create it or change ${dependency.configKey}`).join("\n")}`);
        this.name = "PreflightError";
    }
}

/** Fails with every missing object listed. */
export async function preflight(dependencies: ClusterDependency[], lookup: ClusterLookup): Promise<void> {
    const results = await Promise.all(dependencies.map(async (dependency) => ({ dependency, exists: await lookup(dependency) })));
    const missing = results.filter((result) => !result.exists).map((result) => result.dependency);
    if (missing.length > 0) {
        throw new PreflightError(missing);
    }
}

/**
 * Namespaces that Velero's schedule backs up but the cluster lacks (leaving out those this stack creates).
 * Velero counts each missing namespace as an error, so every backup of the schedule ends PartiallyFailed and
 * VeleroBackupFailed fires. A warning, not a failure: another stack may create them later.
 */
export async function scheduleNamespaceWarnings(settings: StackSettings, namespace: string, lookup: ClusterLookup): Promise<string[]> {
    const { schedule } = settings.velero;
    const own = new Set([settings.openebs.namespace, settings.snapshots.namespace, settings.volsync.namespace, settings.velero.namespace]);
    const configKey = `${namespace}:velero.schedule.includedNamespaces`;
    const candidates = schedule.includedNamespaces.filter((name) => !own.has(name));
    const exists = await Promise.all(candidates.map((name) => lookup({ apiVersion: "v1", kind: "Namespace", name, configKey })));
    const missing = candidates.filter((_, index) => !exists[index]);
    if (missing.length === 0) {
        return [];
    }
    return [`${configKey} names namespaces the cluster lacks: ${missing.join(", ")}. Velero counts each missing namespace as an error, `
        + `so every backup of schedule ${schedule.name} (${schedule.cron}) will end PartiallyFailed and VeleroBackupFailed will fire after each one. `
        + "Create the namespaces, or remove them from the list (nothing fails: another stack may create them later)."];
}

/** Settings that are valid but probably not what the user wants: shown as Pulumi warnings, nothing fails. */
export function preflightWarnings(settings: StackSettings, namespace: string): string[] {
    const warnings: string[] = [];
    if (settings.monitoring.enabled && Object.keys(settings.monitoring.labels).length === 0) {
        warnings.push(`${namespace}:monitoring.labels is empty: a Prometheus that selects ServiceMonitors and PrometheusRules by label `
            + "(kube-prometheus-stack selects `release: <its Helm release name>`) ignores this stack's scrapes and alerts. "
            + "Set the labels your Prometheus selects on (README.md, \"Monitoring\"), or monitoring.enabled: false.");
    }
    return warnings;
}
