/**
 * Runs policies the way the @pulumi/policy 1.21 analyzer server does, without starting its gRPC
 * server (constructing a PolicyPack would): props go through a protobuf Struct and the runtime's own
 * deserializer, then into its unknown-checking proxy; opts, stackTags, isType/asType, getConfig and
 * notApplicable have the server's shapes; an uncaught UnknownValueError becomes an advisory
 * "can't run during preview" diagnostic and the enforcement level is resolved as the server does.
 */
import {
    EnforcementLevel, Policies, Policy, PolicyResource, PolicyResourceOptions, ReportViolation,
    ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
    unknownCheckingProxy, UnknownValueError,
} from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { allPolicies } from "../policies";

// The server's own deserializer; marked @internal, so its declaration is stripped from the typings.
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
    deserializeProperties(props: Struct, proxySecrets: boolean): Record<string, unknown>;
};

/** What the engine sends for a value unknown at preview (the SDK's own sentinel). */
export const UNKNOWN_AT_PREVIEW: string = unknownValue;

/** A resource as the engine reports it; mock-captured program resources map onto this directly. */
export interface ResourceRecord {
    type: string;
    name: string;
    props: Record<string, unknown>;
    urn?: string;
    opts?: Partial<PolicyResourceOptions>;
    /** URN of the parent, resolved to the parent's PolicyResource for stack policies. */
    parent?: string;
}

/** `--policy-pack-config` file contents: policy name → { enforcementLevel?, ...properties }. */
export type PackConfig = Record<string, { enforcementLevel?: EnforcementLevel } & Record<string, unknown>>;

export interface Violation {
    policyName: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    urn?: string;
}

export interface PackResult {
    violations: Violation[];
    notApplicable: { policyName: string; reason?: string }[];
}

export interface RunOptions {
    /** The pack's default level (index.ts uses mandatory). */
    packLevel?: EnforcementLevel;
    /** The CLI fills in schema defaults; false gives a policy raw `{}` as a config-less run would. */
    applySchemaDefaults?: boolean;
    stackTags?: Record<string, string>;
}

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

export function urnOf(r: ResourceRecord): string {
    return r.urn ?? `urn:pulumi:test::storage-backup::${r.type}::${r.name}`;
}

/** The SDK never sends `undefined` to the engine: object keys are dropped, array holes become null. */
function engineShape(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => (v === undefined ? null : engineShape(v)));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, engineShape(v)]));
    }
    return value;
}

/** The properties as they arrive over gRPC: one Struct per resource, decoded once per request. */
function engineStruct(props: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(engineShape(props) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** A record together with its properties as the engine sends them. */
export interface WireResource extends ResourceRecord {
    struct: Struct;
}

/** Encodes records as the engine would, so a benchmark can leave the engine's side out of its timing. */
export function onTheWire(resources: ResourceRecord[]): WireResource[] {
    return resources.map((r) => ({ ...r, struct: engineStruct(r.props) }));
}

/** Props as a policy sees them: the server deserializes the Struct afresh for every validation and proxies it. */
function propsFromStruct(struct: Struct): Record<string, any> {
    return unknownCheckingProxy(deserializeProperties(struct, false));
}

function runtimeOpts(r: ResourceRecord): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
        ...r.opts,
    };
}

function frozenTags(tags: Record<string, string> = {}): ReadonlyMap<string, string> {
    const map = new Map(Object.entries(tags));
    return Object.freeze({
        entries: map.entries.bind(map), forEach: map.forEach.bind(map), get: map.get.bind(map),
        has: map.has.bind(map), keys: map.keys.bind(map), size: map.size, values: map.values.bind(map),
        [Symbol.iterator]: map[Symbol.iterator].bind(map),
    }) as ReadonlyMap<string, string>;
}

function getConfigFor(policy: Policy, config: PackConfig, applyDefaults: boolean): <T extends object>() => T {
    return <T extends object>() => {
        const { enforcementLevel: _level, ...given } = config[policy.name] ?? {};
        const defaults: Record<string, unknown> = {};
        for (const [key, prop] of Object.entries(applyDefaults ? policy.configSchema?.properties ?? {} : {})) {
            if (prop.default !== undefined) {
                defaults[key] = prop.default;
            }
        }
        return { ...defaults, ...given } as T;
    };
}

/** `isType`/`asType` as the server builds them: the class's Pulumi type token, else its isInstance. */
function typeChecks(type: string, props: Record<string, any>): Pick<ResourceValidationArgs, "isType" | "asType"> {
    const isType = (cls: any) => cls?.__pulumiType === type || cls?.isInstance?.({ __pulumiType: type }) === true;
    return { isType, asType: ((cls: any) => (isType(cls) ? props : undefined)) as ResourceValidationArgs["asType"] };
}

/** The args object the server builds for one resource and one policy. */
export function resourceArgs(
    r: ResourceRecord, policy: Policy, config: PackConfig = {}, options: RunOptions = {}, struct = engineStruct(r.props),
): ResourceValidationArgs {
    const props = propsFromStruct(struct);
    return {
        type: r.type, props, urn: urnOf(r), name: r.name, opts: runtimeOpts(r),
        stackTags: frozenTags(options.stackTags),
        ...typeChecks(r.type, props),
        getConfig: getConfigFor(policy, config, options.applySchemaDefaults ?? true),
        notApplicable: throwNotApplicable,
    };
}

/** The args object the server builds for a stack policy (props are outputs there; here, whatever the records carry). */
export function stackArgs(
    resources: ResourceRecord[], policy: Policy, config: PackConfig = {}, options: RunOptions = {}, structs = resources.map((r) => engineStruct(r.props)),
): StackValidationArgs {
    const built: PolicyResource[] = resources.map((r, i) => {
        const props = propsFromStruct(structs[i]);
        return {
            type: r.type, props, urn: urnOf(r), name: r.name, opts: runtimeOpts(r), dependencies: [], propertyDependencies: {},
            ...typeChecks(r.type, props),
        };
    });
    const byUrn = new Map(built.map((b) => [b.urn, b]));
    resources.forEach((r, i) => {
        if (r.parent && byUrn.has(r.parent)) {
            built[i].parent = byUrn.get(r.parent);
        }
    });
    return {
        resources: built, stackTags: frozenTags(options.stackTags),
        getConfig: getConfigFor(policy, config, options.applySchemaDefaults ?? true),
        notApplicable: throwNotApplicable,
    };
}

function levelOf(policy: Policy, config: PackConfig, options: RunOptions): EnforcementLevel {
    const level = config[policy.name]?.enforcementLevel ?? policy.enforcementLevel ?? options.packLevel ?? "mandatory";
    return level === "remediate" ? "mandatory" : level;
}

async function runOne(
    policy: Policy, level: EnforcementLevel, result: PackResult, urn: string | undefined,
    call: (report: ReportViolation) => void | Promise<void>,
): Promise<void> {
    const report: ReportViolation = (message, violationUrn) => {
        result.violations.push({ policyName: policy.name, message, enforcementLevel: level, urn: violationUrn ?? urn });
    };
    try {
        await call(report);
    } catch (e: unknown) {
        if (e instanceof UnknownValueError) {
            result.violations.push({
                policyName: policy.name, enforcementLevel: "advisory", urn,
                message: `can't run policy '${policy.name}' during preview: ${(e as Error).message}`,
            });
        } else if (e instanceof NotApplicableError) {
            result.notApplicable.push({ policyName: policy.name, reason: e.reason });
        } else {
            throw e;
        }
    }
}

const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => "validateResource" in p;
const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

/** Runs resource policies over each record and stack policies over all of them, as `pulumi preview` would. */
export async function runPackOverResources(
    resources: (ResourceRecord | WireResource)[], config: PackConfig = {}, policies: Policies = allPolicies, options: RunOptions = {},
): Promise<PackResult> {
    const result: PackResult = { violations: [], notApplicable: [] };
    const structs = resources.map((r) => ("struct" in r ? r.struct : engineStruct(r.props)));
    const enabled = policies.filter(isResourcePolicy)
        .map((p) => ({ p, level: levelOf(p, config, options), validations: p.validateResource === undefined ? [] : [p.validateResource].flat() }))
        .filter(({ level }) => level !== "disabled");
    for (const [i, r] of resources.entries()) {
        for (const { p, level, validations } of enabled) {
            for (const validate of validations) {
                // The server deserializes and proxies props afresh for every validation.
                await runOne(p, level, result, urnOf(r), (report) => validate(resourceArgs(r, p, config, options, structs[i]), report));
            }
        }
    }
    for (const p of policies.filter(isStackPolicy)) {
        const level = levelOf(p, config, options);
        if (level !== "disabled") {
            await runOne(p, level, result, undefined, (report) => p.validateStack(stackArgs(resources, p, config, options, structs), report));
        }
    }
    return result;
}

/** Violations of one policy over one resource (or, for a stack policy, over the list). */
export async function runPolicy(
    policy: Policy, resources: ResourceRecord | ResourceRecord[], config: PackConfig = {}, options: RunOptions = {},
): Promise<PackResult> {
    return runPackOverResources([resources].flat(), config, [policy as ResourceValidationPolicy], options);
}

/** Violations that would fail `pulumi preview`. */
export function blocking(result: PackResult): Violation[] {
    return result.violations.filter((v) => v.enforcementLevel === "mandatory");
}
