import { PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import {
    describeResource, HELM_TYPES, helmValues, PVC, REPLICATION_SOURCE, VELERO_SCHEDULE, veleroValuesSchedules, VOLSYNC_MOVERS,
} from "../lib/k8s";
import { at, entries, items, UNKNOWN } from "../lib/props";

export interface BackupCoverageConfig {
    protectedNamespaces: string[];
    excludedNamespaces: string[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        protectedNamespaces: {
            type: "array", items: { type: "string" }, default: ["*"],
            description: "Namespaces whose PVCs must be backed up (\"*\" for all).",
        },
        excludedNamespaces: {
            type: "array", items: { type: "string" }, default: ["kube-system", "kube-public", "kube-node-lease"],
            description: "Namespaces exempt from backup coverage even when protectedNamespaces matches them.",
        },
    },
};

interface Claim {
    owner: PolicyResource;
    /** How the claim is named in messages (PVC, or StatefulSet volumeClaimTemplate). */
    label: string;
    namespace: unknown;
    name: unknown;
    labels: Record<string, unknown>;
}

const nsOf = (props: unknown): unknown => at(props, "metadata", "namespace") ?? "default";
const labelsOf = (props: unknown, ...path: string[]): Record<string, unknown> => Object.fromEntries(entries(at(props, ...path)));

/** PVCs the stack creates: PersistentVolumeClaims and the claims of StatefulSet volumeClaimTemplates. */
function claimsOf(resources: PolicyResource[]): Claim[] {
    const claims: Claim[] = [];
    for (const r of resources) {
        if (r.type === PVC) {
            claims.push({
                owner: r, label: describeResource(r), namespace: nsOf(r.props), name: at(r.props, "metadata", "name"),
                labels: labelsOf(r.props, "metadata", "labels"),
            });
        } else if (r.type === "kubernetes:apps/v1:StatefulSet") {
            const sts = at(r.props, "metadata", "name");
            const replicas = at(r.props, "spec", "replicas") ?? 1;
            items(at(r.props, "spec", "volumeClaimTemplates")).forEach((tpl) => {
                const tplName = at(tpl, "metadata", "name");
                const count = typeof replicas === "number" ? replicas : 1;
                for (let i = 0; i < count; i++) {
                    const known = typeof tplName === "string" && typeof sts === "string";
                    claims.push({
                        owner: r, label: `${describeResource(r)} volumeClaimTemplate ${JSON.stringify(tplName)} replica ${i}`,
                        namespace: nsOf(r.props), name: known ? `${tplName}-${sts}-${i}` : UNKNOWN,
                        labels: labelsOf(tpl, "metadata", "labels"),
                    });
                }
            });
        }
    }
    return claims;
}

/** What of a Velero Backup spec (a Schedule's template) decides whether it includes a PVC, read once. */
interface TemplateScope {
    includedNamespaces: unknown[];
    excludedNamespaces: unknown[];
    includedResources: string[];
    excludedResources: string[];
    matchLabels: [string, unknown][];
}

function scopeOf(template: unknown): TemplateScope {
    const list = (field: string) => items(at(template, field));
    return {
        includedNamespaces: list("includedNamespaces"),
        excludedNamespaces: list("excludedNamespaces"),
        includedResources: list("includedResources").map(String),
        excludedResources: list("excludedResources").map(String),
        matchLabels: entries(at(template, "labelSelector", "matchLabels")),
    };
}

const PVC_NAMES = ["persistentvolumeclaims", "pvc"];

function scopeCovers(scope: TemplateScope, claim: Claim): boolean {
    const { includedNamespaces: included, includedResources } = scope;
    return (included.length === 0 || included.includes("*") || included.includes(claim.namespace))
        && !scope.excludedNamespaces.includes(claim.namespace)
        && (includedResources.length === 0 || includedResources.some((x) => x === "*" || PVC_NAMES.includes(x)))
        && !scope.excludedResources.some((x) => PVC_NAMES.includes(x))
        && scope.matchLabels.every(([k, v]) => claim.labels[k] === v);
}

function validate(args: StackValidationArgs, report: ReportViolation): void {
    const cfg = configWithDefaults<BackupCoverageConfig>(configSchema, args.getConfig());
    const sources = args.resources.filter((r) => r.type === REPLICATION_SOURCE);
    const scopes = [
        ...args.resources.filter((r) => r.type === VELERO_SCHEDULE && at(r.props, "spec", "paused") !== true)
            .map((r) => at(r.props, "spec", "template")),
        ...args.resources.filter((r) => HELM_TYPES.includes(r.type))
            .flatMap((r) => veleroValuesSchedules(helmValues(r.props)).map((s) => at(s.schedule, "template"))),
    ].map(scopeOf);
    const replicated = new Set(sources.map((s) => `${String(nsOf(s.props))}/${String(at(s.props, "spec", "sourcePVC"))}`));
    const claims = claimsOf(args.resources);
    if (claims.length === 0 && sources.length === 0) {
        args.notApplicable("the stack creates no PVC, StatefulSet volume claim or ReplicationSource");
    }
    const unknownSources = sources.filter((s) => at(s.props, "spec", "sourcePVC") === UNKNOWN || at(s.props, "metadata", "namespace") === UNKNOWN);

    for (const claim of claims) {
        if (claim.namespace === UNKNOWN || claim.name === UNKNOWN) {
            report(`${claim.label}: metadata.name or metadata.namespace is unknown at preview, so backup coverage can't be proven. ` +
                `Give it a literal metadata.name and metadata.namespace.`, claim.owner.urn);
            continue;
        }
        const protectedNs = (cfg.protectedNamespaces.includes("*") || cfg.protectedNamespaces.includes(String(claim.namespace)))
            && !cfg.excludedNamespaces.includes(String(claim.namespace));
        if (!protectedNs) {
            continue;
        }
        if (replicated.has(`${claim.namespace}/${claim.name}`) || scopes.some((scope) => scopeCovers(scope, claim))) {
            continue;
        }
        const hint = unknownSources.length > 0
            ? ` (${unknownSources.length} ReplicationSource(s) have a sourcePVC or namespace unknown at preview and can't count)`
            : "";
        report(`${claim.label}: PVC "${claim.namespace}/${claim.name}" in protected namespace "${claim.namespace}" is backed up by ` +
            `no ReplicationSource (spec.sourcePVC) and no Velero schedule${hint}. Add a VolSync ReplicationSource for it, or a Velero ` +
            `Schedule whose template includes the namespace (policy config protectedNamespaces/excludedNamespaces).`, claim.owner.urn);
    }

    for (const s of sources) {
        for (const mover of VOLSYNC_MOVERS) {
            const method = at(s.props, "spec", mover, "copyMethod");
            const snapshotClass = at(s.props, "spec", mover, "volumeSnapshotClassName");
            if (method === "Snapshot" && (snapshotClass === undefined || snapshotClass === "" || snapshotClass === UNKNOWN)) {
                report(`${describeResource(s)}: spec.${mover}.copyMethod is "Snapshot" but spec.${mover}.volumeSnapshotClassName is ` +
                    `${snapshotClass === UNKNOWN ? "unknown at preview" : "not set"}. Name a VolumeSnapshotClass of the volume's CSI driver ` +
                    `(or use copyMethod "Direct" for OpenEBS hostpath volumes, which can't be snapshotted).`, s.urn);
            }
        }
    }
}

export const backupCoverage: StackValidationPolicy = {
    name: "backup-coverage",
    description: "Every PVC the stack creates in a protected namespace is covered by a VolSync ReplicationSource or a Velero schedule.",
    enforcementLevel: "mandatory",
    configSchema,
    validateStack: validate,
};
