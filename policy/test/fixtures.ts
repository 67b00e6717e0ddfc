/** Small builders for the Kubernetes/MinIO resources the tests feed to the policies. */
import { Policy } from "@pulumi/policy";
import * as assert from "assert";
import { PackConfig, PackResult, ResourceRecord, runPolicy } from "./harness";

export function container(name: string, memory: { request?: unknown; limit?: unknown } = { request: "64Mi", limit: "128Mi" }, extra: object = {}) {
    const resources: Record<string, Record<string, unknown>> = { requests: { cpu: "10m" }, limits: {} };
    if (memory.request !== undefined) resources.requests.memory = memory.request;
    if (memory.limit !== undefined) resources.limits.memory = memory.limit;
    return { name, image: "example/app:1.0", resources, ...extra };
}

/** Pod spec locations per workload type, mirroring what the Kubernetes provider takes as inputs. */
const WRAP: Record<string, (podSpec: object) => object> = {
    Pod: (podSpec) => ({ spec: podSpec }),
    Deployment: (podSpec) => ({ spec: { template: { spec: podSpec } } }),
    StatefulSet: (podSpec) => ({ spec: { template: { spec: podSpec } } }),
    DaemonSet: (podSpec) => ({ spec: { template: { spec: podSpec } } }),
    ReplicaSet: (podSpec) => ({ spec: { template: { spec: podSpec } } }),
    Job: (podSpec) => ({ spec: { ttlSecondsAfterFinished: 3600, template: { spec: podSpec } } }),
    CronJob: (podSpec) => ({ spec: { schedule: "0 3 * * *", jobTemplate: { spec: { ttlSecondsAfterFinished: 3600, template: { spec: podSpec } } } } }),
};
const API: Record<string, string> = {
    Pod: "core/v1", Deployment: "apps/v1", StatefulSet: "apps/v1", DaemonSet: "apps/v1", ReplicaSet: "apps/v1", Job: "batch/v1", CronJob: "batch/v1",
};
export const WORKLOAD_KINDS = Object.keys(WRAP);

export function workload(kind: string, name: string, podSpec: object, namespace = "apps"): ResourceRecord {
    return {
        type: `kubernetes:${API[kind]}:${kind}`,
        name,
        props: { apiVersion: API[kind].replace("core/", ""), kind, metadata: { name, namespace }, ...WRAP[kind](podSpec) },
    };
}

export const deployment = (name: string, containers: object[], namespace = "apps") => workload("Deployment", name, { containers }, namespace);

export function k8s(apiVersion: string, kind: string, name: string, body: object, namespace = "apps"): ResourceRecord {
    return {
        type: `kubernetes:${apiVersion}:${kind}`,
        name,
        props: { apiVersion, kind, metadata: { name, namespace }, ...body },
    };
}

export const replicationSource = (name: string, restic: object, sourcePVC = name, namespace = "apps") =>
    k8s("volsync.backube/v1alpha1", "ReplicationSource", name, {
        spec: { sourcePVC, trigger: { schedule: "0 * * * *" }, restic: { repository: `${name}-restic-secret`, copyMethod: "Direct", ...restic } },
    }, namespace);

export const goodRestic = {
    retain: { daily: 7, weekly: 4 },
    pruneIntervalDays: 7,
    moverResources: { requests: { memory: "256Mi" }, limits: { memory: "1Gi" } },
};

export const schedule = (name: string, template: object) =>
    k8s("velero.io/v1", "Schedule", name, { spec: { schedule: "0 2 * * *", template } }, "velero");

export const helmChart = (name: string, values: object, type = "kubernetes:helm.sh/v4:Chart"): ResourceRecord => ({
    type, name, props: { chart: name, version: "1.0.0", namespace: name, values },
});

export const pvc = (name: string, namespace = "apps", labels: Record<string, string> = {}): ResourceRecord => {
    const r = k8s("v1", "PersistentVolumeClaim", name, {
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: "openebs-hostpath", resources: { requests: { storage: "1Gi" } } },
    }, namespace);
    (r.props.metadata as Record<string, unknown>).labels = labels;
    return { ...r, type: "kubernetes:core/v1:PersistentVolumeClaim" };
};

/** The result's messages for an assertion's report; fails unless there are exactly `count` of them. */
function messagesOf(result: PackResult, count: number): string {
    const messages = result.violations.map((v) => `[${v.enforcementLevel}] ${v.message}`).join("\n");
    assert.strictEqual(result.violations.length, count, `expected ${count} violation(s), got:\n${messages}`);
    return messages;
}

/** Asserts the result holds exactly one mandatory violation per pattern, in any order, and nothing else. */
export function assertViolations(result: PackResult, patterns: RegExp[], level = "mandatory"): void {
    const messages = messagesOf(result, patterns.length);
    for (const pattern of patterns) {
        assert.ok(result.violations.some((v) => pattern.test(v.message) && v.enforcementLevel === level),
            `no ${level} violation matches ${pattern}; got:\n${messages}`);
    }
}

/** What every message names, each given literally: the resource (the message starts with it), the field, the value found, the fix. */
export interface Named {
    resource: string;
    field: string;
    value: string;
    fix: string;
}

/** Asserts one mandatory violation per entry, naming all four of its parts, and nothing else. */
export function assertNames(result: PackResult, expected: Named[]): void {
    const messages = messagesOf(result, expected.length);
    for (const parts of expected) {
        const names = (message: string) => message.startsWith(parts.resource) && [parts.field, parts.value, parts.fix].every((p) => message.includes(p));
        assert.ok(result.violations.some((v) => v.enforcementLevel === "mandatory" && names(v.message)),
            `no mandatory violation names ${JSON.stringify(parts)}; got:\n${messages}`);
    }
}

export function assertClean(result: PackResult): void {
    assertViolations(result, []);
}

export function assertNotApplicable(result: PackResult, policyName: string): void {
    assert.deepStrictEqual(result.violations, []);
    assert.ok(result.notApplicable.some((n) => n.policyName === policyName), `expected ${policyName} to be not applicable`);
}

/** One test per case: the policy's only violation for the case's resources (and pack config) names all four parts. */
export function describeMessages(policy: Policy, cases: Record<string, [ResourceRecord | ResourceRecord[], Named, PackConfig?]>): void {
    describe("every message names the resource, the field, the value found and the fix", () => {
        for (const [name, [resources, named, config]] of Object.entries(cases)) {
            it(name, async () => assertNames(await runPolicy(policy, resources, config), [named]));
        }
    });
}
