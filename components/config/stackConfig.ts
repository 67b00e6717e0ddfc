// Reads and validates the whole stack config into one typed object. Everything is checked before the
// program registers a single resource, and every problem is reported at once, naming the key, the value
// found and what is expected.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ChartName, ChartSource } from "./chartSources";
import { quantityValue } from "./formats";
import { CopyMethod, MemoryResources, ParsedStackConfig, RawAppConfig, RawRestoreConfig, RetainPolicy, stackConfigSchema } from "./schema";

export type { ChartName, ChartSource } from "./chartSources";
export type { CopyMethod, MemoryResources, RetainPolicy } from "./schema";

/** One protected app with every default applied. */
export interface ProtectedAppSettings {
    name: string;
    namespace: string;
    pvc: { name: string; create: boolean; capacity: string; storageClass?: string; accessModes: string[] };
    schedule: string;
    copyMethod: CopyMethod;
    volumeSnapshotClass?: string;
    cacheStorageClass?: string;
    cacheCapacity: string;
    retain: RetainPolicy;
    pruneIntervalDays: number;
    moverResources: MemoryResources;
    uid: number;
    gid: number;
    paused: boolean;
    unlock?: string;
    workload?: RawAppConfig["workload"];
    restore: Omit<RawRestoreConfig, "sideBySide"> & { sideBySide?: SideBySideRestore };
}

/** The side-by-side copy's PVC unless `restore.sideBySide.pvc` names one. */
export const defaultSideCopyPvc = (pvc: string) => `${pvc}-restore`;

/** A restore into a PVC of its own, next to the app's live PVC. */
export interface SideBySideRestore {
    pvc: string;
    /** Unset: the copy's PVC and restore do not exist (yet). */
    trigger?: string;
    previous?: number;
}

export type StackSettings = Omit<ParsedStackConfig, "apps" | "charts"> & {
    charts: Record<ChartName, ChartSource>;
    apps: ProtectedAppSettings[];
};

/** Credentials read from secret config; never part of the typed settings object. */
export interface StackSecrets {
    minioAdminUser: pulumi.Output<string>;
    minioAdminPassword: pulumi.Output<string>;
    onepasswordToken: pulumi.Output<string>;
}

/** Secret config keys, by what they unlock. */
export const secretKeys = {
    minioAdminUser: "minioAdminUser",
    minioAdminPassword: "minioAdminPassword",
    onepasswordConnectToken: "onepasswordConnectToken",
    onepasswordServiceAccountToken: "onepasswordServiceAccountToken",
} as const;

/** Invalid stack config: reported without a stack trace, one line per problem. */
export class StackConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`Invalid stack config (nothing was changed):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "StackConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    const text = JSON.stringify(value);
    return `got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object"
        ? (node as Record<PropertyKey, unknown>)[key as string] : undefined), root);
}

function keyName(namespace: string, path: PropertyKey[]): string {
    const [top, ...rest] = path;
    return `${namespace}:${String(top)}${rest.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")}`;
}

function schemaProblems(namespace: string, raw: unknown, error: z.ZodError): string[] {
    return error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => `${keyName(namespace, [...issue.path, key])}: unknown setting (check the spelling against README.md)`).join("\n  - ");
        }
        const value = valueAt(raw, issue.path);
        const found = describe(value);
        if (value === undefined && issue.code === "invalid_type") {
            return `${keyName(namespace, issue.path)}: required setting, expected a ${issue.expected} (${found})`;
        }
        const expected = issue.message.startsWith("expected") ? issue.message
            : issue.message.replace(/^Invalid input: /, "").replace(/^Invalid option: /, "");
        return `${keyName(namespace, issue.path)}: ${expected} (${found})`;
    });
}

function mergeResources(base: MemoryResources, override: RawAppConfig["moverResources"]): MemoryResources {
    return {
        requests: { ...base.requests, ...override?.requests },
        limits: { ...base.limits, ...override?.limits },
    } as MemoryResources;
}

function resolveApp(config: ParsedStackConfig, app: RawAppConfig): ProtectedAppSettings {
    const defaults = config.volsync.appDefaults;
    return {
        name: app.name,
        namespace: app.namespace ?? app.name,
        pvc: { ...app.pvc, name: app.pvc.name ?? app.name },
        schedule: app.schedule ?? defaults.schedule,
        copyMethod: app.copyMethod ?? defaults.copyMethod,
        volumeSnapshotClass: app.volumeSnapshotClass ?? defaults.volumeSnapshotClass,
        cacheStorageClass: app.cacheStorageClass ?? defaults.cacheStorageClass,
        cacheCapacity: app.cacheCapacity ?? defaults.cacheCapacity,
        retain: app.retain ?? defaults.retain,
        pruneIntervalDays: app.pruneIntervalDays ?? defaults.pruneIntervalDays,
        moverResources: mergeResources(defaults.moverResources, app.moverResources),
        uid: app.uid ?? defaults.uid,
        gid: app.gid ?? defaults.gid,
        paused: app.paused ?? defaults.paused,
        unlock: app.unlock,
        workload: app.workload,
        restore: {
            ...app.restore,
            sideBySide: app.restore.sideBySide && {
                ...app.restore.sideBySide, pvc: app.restore.sideBySide.pvc ?? defaultSideCopyPvc(app.pvc.name ?? app.name),
            },
        },
    };
}

function resourceProblems(namespace: string, key: string, resources: MemoryResources): string[] {
    const problems: string[] = [];
    for (const kind of ["memory", "cpu"] as const) {
        const request = resources.requests[kind];
        const limit = resources.limits[kind];
        if (request && limit && quantityValue(request)! > quantityValue(limit)!) {
            problems.push(`${namespace}:${key}.requests.${kind}: expected at most the limit ${limit} (got "${request}")`);
        }
    }
    return problems;
}

function duplicates(values: string[]): string[] {
    return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/** Cross-field rules that a per-key schema cannot express. */
function consistencyProblems(namespace: string, config: ParsedStackConfig, apps: ProtectedAppSettings[]): string[] {
    const problems: string[] = [];
    const key = (path: string) => `${namespace}:${path}`;

    problems.push(...resourceProblems(namespace, "openebs.resources", config.openebs.resources));
    problems.push(...resourceProblems(namespace, "snapshots.resources", config.snapshots.resources));
    problems.push(...resourceProblems(namespace, "volsync.resources", config.volsync.resources));
    problems.push(...resourceProblems(namespace, "velero.resources", config.velero.resources));
    problems.push(...resourceProblems(namespace, "velero.nodeAgentResources", config.velero.nodeAgentResources));

    if (config.minio.insecureSkipVerify && !config.minio.useTls) {
        problems.push(`${key("minio.insecureSkipVerify")}: only meaningful with minio.useTls: true (got true with useTls: false)`);
    }
    if (config.minio.caBundle && !config.minio.useTls) {
        problems.push(`${key("minio.caBundle")}: only meaningful with minio.useTls: true; set useTls: true to use HTTPS with this CA (got useTls: false)`);
    }
    if (config.minio.caBundle && config.minio.insecureSkipVerify) {
        problems.push(`${key("minio.insecureSkipVerify")}: expected false when minio.caBundle is set, certificates are verified against that CA (got true)`);
    }
    if (config.volsync.bucket === config.velero.bucket) {
        problems.push(`${key("velero.bucket")}: expected a bucket other than volsync.bucket, each purpose has its own (got "${config.velero.bucket}")`);
    }
    if (config.volsync.user === config.velero.user) {
        problems.push(`${key("velero.user")}: expected a user other than volsync.user, each purpose has its own (got "${config.velero.user}")`);
    }
    if (config.volsync.item === config.velero.item) {
        problems.push(`${key("velero.item")}: expected an item title other than volsync.item (got "${config.velero.item}")`);
    }
    // snapshot-controller may share VolSync's namespace (the apps stack does); any other pair would have
    // two components own one namespace.
    const namespaces = Object.entries({
        "openebs.namespace": config.openebs.namespace, "snapshots.namespace": config.snapshots.namespace,
        "velero.namespace": config.velero.namespace, "volsync.namespace": config.volsync.namespace,
    });
    namespaces.forEach(([setting, name], index) => {
        for (const [other] of namespaces.slice(index + 1).filter(([other, otherName]) => otherName === name
            && !(setting === "snapshots.namespace" && other === "volsync.namespace"))) {
            problems.push(`${key(setting)}: expected a namespace other than ${other}'s (only snapshots.namespace may equal volsync.namespace) (got "${name}")`);
        }
    });
    if (config.openebs.lvmClass && config.openebs.lvmClass.name === config.openebs.hostpathClass.name) {
        problems.push(`${key("openebs.lvmClass.name")}: expected a name other than openebs.hostpathClass.name (got "${config.openebs.lvmClass.name}")`);
    }
    for (const name of duplicates(config.snapshots.classes.map((snapshotClass) => snapshotClass.name))) {
        problems.push(`${key("snapshots.classes")}: class names must be unique (got "${name}" more than once)`);
    }
    if (config.snapshots.classes.filter((snapshotClass) => snapshotClass.isDefault).length > 1) {
        problems.push(`${key("snapshots.classes")}: at most one class may set isDefault: true`);
    }
    for (const name of duplicates(apps.map((app) => app.name))) {
        problems.push(`${key("apps")}: app names must be unique, they name the repository path and secrets (got "${name}" more than once)`);
    }
    for (const claim of duplicates(apps.map((app) => `${app.namespace}/${app.pvc.name}`))) {
        problems.push(`${key("apps")}: each PVC may be protected once (got ${claim} more than once)`);
    }

    apps.forEach((app, index) => {
        const appKey = (path: string) => key(`apps[${index}].${path}`);
        problems.push(...resourceProblems(namespace, `apps[${index}].moverResources`, app.moverResources));
        if (app.copyMethod === "Snapshot" && !app.volumeSnapshotClass) {
            problems.push(`${appKey("volumeSnapshotClass")}: copyMethod Snapshot needs a VolumeSnapshotClass; set it here or in volsync.appDefaults, or use copyMethod Direct (missing)`);
        }
        const localClasses = [config.openebs.hostpathClass.name];
        if (app.copyMethod === "Snapshot" && app.pvc.storageClass && localClasses.includes(app.pvc.storageClass)) {
            problems.push(`${appKey("copyMethod")}: the volume's class "${app.pvc.storageClass}" is LocalPV hostpath, which cannot snapshot; expected Direct or Clone (got "Snapshot")`);
        }
        if (app.copyMethod === "Clone" && app.pvc.storageClass && localClasses.includes(app.pvc.storageClass)) {
            problems.push(`${appKey("copyMethod")}: the volume's class "${app.pvc.storageClass}" is LocalPV hostpath, which cannot clone; expected Direct (got "Clone")`);
        }
        if (app.restore.intoPvc && app.copyMethod !== "Direct") {
            problems.push(`${appKey("restore.intoPvc")}: restoring into the app's PVC needs copyMethod Direct; ${app.copyMethod} restores produce a snapshot to recreate the PVC from (got true)`);
        }
        if (app.restore.sideBySide?.pvc === app.pvc.name) {
            problems.push(`${appKey("restore.sideBySide.pvc")}: expected a PVC other than the app's own, a side-by-side restore never touches the live volume (got "${app.pvc.name}")`);
        }
        if (app.pvc.create && !app.pvc.storageClass && app.copyMethod !== "Direct") {
            problems.push(`${appKey("pvc.storageClass")}: a PVC created here needs its class named, so the copy method can be checked against it (missing)`);
        }
    });
    return problems;
}

/**
 * Validates raw config values (as read from the stack) into settings. `present` tells which secret
 * keys are set; their values never pass through here.
 */
export function parseStackConfig(namespace: string, raw: Record<string, unknown>, present: Set<string>): StackSettings {
    const parsed = stackConfigSchema.safeParse(raw);
    if (!parsed.success) {
        throw new StackConfigError(schemaProblems(namespace, raw, parsed.error));
    }
    const config = parsed.data;
    const apps = config.apps.map((app) => resolveApp(config, app));
    const problems = consistencyProblems(namespace, config, apps);

    for (const secret of [secretKeys.minioAdminUser, secretKeys.minioAdminPassword]) {
        if (!present.has(secret)) {
            problems.push(`${namespace}:${secret}: missing; set it with \`pulumi config set --secret ${secret} <value>\``);
        }
    }
    const tokenKey = config.onepassword.connectUrl ? secretKeys.onepasswordConnectToken : secretKeys.onepasswordServiceAccountToken;
    if (!present.has(tokenKey)) {
        problems.push(`${namespace}:${tokenKey}: missing (${config.onepassword.connectUrl ? "onepassword.connectUrl is set, so a Connect token is needed" : "without onepassword.connectUrl a service-account token is needed"}); set it with \`pulumi config set --secret ${tokenKey} <token>\``);
    }
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return { ...config, apps };
}

const secretKeyNames = new Set<string>(Object.values(secretKeys));

/** Reads this stack's config (project namespace) and validates it. */
export function readStackConfig(config = new pulumi.Config()): { settings: StackSettings; secrets: StackSecrets; configNamespace: string } {
    // Every key in the project namespace is read, so a misspelt top-level key is reported, not ignored.
    const raw: Record<string, unknown> = {};
    const prefix = `${config.name}:`;
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        const key = fullKey.slice(prefix.length);
        if (fullKey.startsWith(prefix) && !secretKeyNames.has(key)) {
            raw[key] = config.getObject<unknown>(key);
        }
    }
    const present = new Set(Object.values(secretKeys).filter((key) => config.getSecret(key) !== undefined));
    const settings = parseStackConfig(config.name, raw, present);
    const tokenKey = settings.onepassword.connectUrl ? secretKeys.onepasswordConnectToken : secretKeys.onepasswordServiceAccountToken;
    return {
        settings,
        configNamespace: config.name,
        secrets: {
            minioAdminUser: config.requireSecret(secretKeys.minioAdminUser),
            minioAdminPassword: config.requireSecret(secretKeys.minioAdminPassword),
            onepasswordToken: config.requireSecret(tokenKey),
        },
    };
}
