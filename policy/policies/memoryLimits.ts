import { ResourceValidationArgs, ResourceValidationPolicy, ReportViolation, PolicyConfigSchema } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import {
    containersOf, describeResource, found, OPAQUE_HELM_TYPES, POD_SPEC_PATCH_PATHS, POD_SPEC_PATHS, RENDERING_TYPES,
    REPLICATION_DESTINATION, REPLICATION_SOURCE, VOLSYNC_MOVERS,
} from "../lib/k8s";
import { at, formatPath, Path, show, UNKNOWN, walkLeaves } from "../lib/props";
import { compareQuantities, parseQuantity, Quantity } from "../lib/quantity";

export interface MemoryLimitsConfig {
    maxMemoryLimit: string;
    controlPlaneMaxLimit: string;
    controlPlaneMaxRequest: string;
    controlPlaneNamePattern: string;
}

const configSchema: PolicyConfigSchema = {
    properties: {
        maxMemoryLimit: {
            type: "string", default: "2Gi",
            description: "Largest memory limit any container or VolSync mover may set.",
        },
        controlPlaneMaxLimit: {
            type: "string", default: "500Mi",
            description: "Largest memory limit for storage control-plane components (ADR-003).",
        },
        controlPlaneMaxRequest: {
            type: "string", default: "256Mi",
            description: "Largest memory request for storage control-plane components (ADR-003).",
        },
        controlPlaneNamePattern: {
            type: "string", default: "localpv-provisioner|snapshot-controller|volsync|^velero$",
            description: "Regular expression on a workload's metadata.name that marks it as a storage control-plane component.",
        },
    },
};

interface Bounds {
    maxLimit: Quantity;
    maxLimitText: string;
    maxRequest?: Quantity;
    maxRequestText?: string;
    /** Config keys a reader can change, named in messages. */
    limitKey: string;
    requestKey?: string;
}

function checkResources(
    where: string, resources: unknown, resourcesPath: Path, bounds: Bounds, report: ReportViolation, partial = false,
): void {
    const fieldOf = (kind: string) => `${formatPath(resourcesPath)}.${kind}.memory`;
    const read = (kind: "requests" | "limits"): Quantity | undefined => {
        const value = at(resources, kind, "memory");
        if (value === undefined && partial) {
            return undefined;
        }
        if (value === UNKNOWN) {
            report(`${where}: ${fieldOf(kind)} is unknown at preview (computed from another resource's output), so the memory ` +
                `${kind === "limits" ? "limit" : "request"} can't be checked. Set it to a literal quantity.`);
            return undefined;
        }
        const parsed = typeof value === "string" || typeof value === "number" ? parseQuantity(value) : undefined;
        if (!parsed || parsed.num <= 0n) {
            report(`${where}: ${fieldOf(kind)} must be a positive memory quantity, ${found(value)}. ` +
                `Set ${fieldOf(kind)}, e.g. "128Mi".`);
            return undefined;
        }
        return parsed;
    };
    const request = read("requests");
    const limit = read("limits");
    const requestText = show(at(resources, "requests", "memory"));
    const limitText = show(at(resources, "limits", "memory"));
    if (request && limit && compareQuantities(request, limit) > 0) {
        report(`${where}: memory request ${requestText} is larger than its limit ${limitText}. ` +
            `Lower ${fieldOf("requests")} to at most the limit.`);
    }
    if (limit && compareQuantities(limit, bounds.maxLimit) > 0) {
        report(`${where}: memory limit ${limitText} exceeds the maximum ${bounds.maxLimitText}. ` +
            `Lower ${fieldOf("limits")} to at most ${bounds.maxLimitText} (policy config ${bounds.limitKey}).`);
    }
    if (request && bounds.maxRequest && compareQuantities(request, bounds.maxRequest) > 0) {
        report(`${where}: memory request ${requestText} exceeds the maximum ${bounds.maxRequestText}. ` +
            `Lower ${fieldOf("requests")} to at most ${bounds.maxRequestText} (policy config ${bounds.requestKey}).`);
    }
}

function parseBound(key: string, text: string): Quantity {
    const q = parseQuantity(text);
    if (!q) {
        throw new Error(`memory-limits: policy config ${key} is not a quantity: ${JSON.stringify(text)}`);
    }
    return q;
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const cfg = configWithDefaults<MemoryLimitsConfig>(configSchema, args.getConfig());
    const subject = describeResource(args);
    const general: Bounds = {
        maxLimit: parseBound("maxMemoryLimit", cfg.maxMemoryLimit), maxLimitText: cfg.maxMemoryLimit, limitKey: "maxMemoryLimit",
    };

    if (OPAQUE_HELM_TYPES.includes(args.type)) {
        report(`${subject}: type is ${show(args.type)}, which creates its objects inside Helm, so no policy can inspect its ` +
            `containers' memory limits. Deploy the chart with kubernetes.helm.sh/v4 Chart, which registers every rendered object.`);
        return;
    }
    if (RENDERING_TYPES.includes(args.type)) {
        // A renderer with an unknown input renders nothing at preview: its containers would pass unseen.
        walkLeaves(args.props, (path, leaf) => {
            if (leaf === UNKNOWN) {
                report(`${subject}: input ${formatPath(path)} is unknown at preview, so the chart renders nothing and its ` +
                    `containers' memory limits can't be checked. Make every chart input a literal (e.g. a fixed namespace name).`);
            }
        });
        return;
    }
    if (args.type === REPLICATION_SOURCE || args.type === REPLICATION_DESTINATION) {
        const movers = VOLSYNC_MOVERS.filter((m) => at(args.props, "spec", m) !== undefined);
        for (const mover of movers) {
            const path = ["spec", mover, "moverResources"];
            checkResources(`${subject}, ${mover} mover`, at(args.props, ...path), path, general, report);
        }
        return;
    }
    const partial = args.type in POD_SPEC_PATCH_PATHS;
    const podSpecPath = POD_SPEC_PATHS[args.type] ?? POD_SPEC_PATCH_PATHS[args.type];
    if (!podSpecPath) {
        args.notApplicable(`memory-limits only checks workloads, VolSync movers and Helm charts, not ${args.type}`);
    }
    const podSpec = at(args.props, ...podSpecPath);
    if (podSpec === UNKNOWN) {
        report(`${subject}: the pod spec ${formatPath(podSpecPath)} is unknown at preview, so memory limits can't be checked. ` +
            `Build the pod template from literal values.`);
        return;
    }
    const workloadName = at(args.props, "metadata", "name");
    const controlPlane = typeof workloadName === "string" && new RegExp(cfg.controlPlaneNamePattern).test(workloadName);
    const bounds: Bounds = controlPlane
        ? {
            maxLimit: parseBound("controlPlaneMaxLimit", cfg.controlPlaneMaxLimit),
            maxLimitText: `${cfg.controlPlaneMaxLimit} for storage control-plane components`,
            limitKey: "controlPlaneMaxLimit",
            maxRequest: parseBound("controlPlaneMaxRequest", cfg.controlPlaneMaxRequest),
            maxRequestText: `${cfg.controlPlaneMaxRequest} for storage control-plane components`,
            requestKey: "controlPlaneMaxRequest",
        }
        : general;
    for (const c of containersOf(podSpec, podSpecPath)) {
        if (c.container === UNKNOWN) {
            report(`${subject}: ${formatPath(c.path)} is unknown at preview, so the memory limits of ${c.label} can't be checked. ` +
                `List the containers literally.`);
            continue;
        }
        checkResources(`${subject}, ${c.label}`, at(c.container, "resources"), [...c.path, "resources"], bounds, report, partial);
    }
}

export const memoryLimits: ResourceValidationPolicy = {
    name: "memory-limits",
    description: "Every container, init container and VolSync mover sets a memory request and a memory limit within the configured bounds.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
