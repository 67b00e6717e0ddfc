import * as assert from "assert";
import { memoryLimits } from "../policies/memoryLimits";
import {
    assertClean, assertNotApplicable, assertViolations, container, deployment, describeMessages, goodRestic, helmChart, k8s, replicationSource, workload,
    WORKLOAD_KINDS,
} from "./fixtures";
import { runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

describe("memory-limits", () => {
    for (const kind of WORKLOAD_KINDS) {
        it(`passes a ${kind} whose containers set request <= limit <= max`, async () => {
            assertClean(await runPolicy(memoryLimits, workload(kind, "app", { containers: [container("app")] })));
        });
        it(`flags a ${kind} container without a memory limit`, async () => {
            const r = await runPolicy(memoryLimits, workload(kind, "app", { containers: [container("app", { request: "64Mi" })] }));
            assertViolations(r, [new RegExp(`${kind} "apps/app".*container "app".*limits\\.memory must be a positive memory quantity, it is not set`)]);
        });
    }

    it("flags a missing request, naming the field", async () => {
        const r = await runPolicy(memoryLimits, deployment("app", [container("app", { limit: "128Mi" })]));
        assertViolations(r, [/container "app": spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory must be a positive memory quantity, it is not set/]);
    });

    it("flags init containers too", async () => {
        const r = await runPolicy(memoryLimits, workload("Deployment", "app", {
            initContainers: [container("setup", {})], containers: [container("app")],
        }));
        assertViolations(r, [/init container "setup".*initContainers\[0\]\.resources\.requests\.memory/, /init container "setup".*initContainers\[0\]\.resources\.limits\.memory/]);
    });

    it("flags a request larger than the limit", async () => {
        const r = await runPolicy(memoryLimits, deployment("app", [container("app", { request: "256Mi", limit: "128Mi" })]));
        assertViolations(r, [/memory request "256Mi" is larger than its limit "128Mi"/]);
    });

    it("flags a limit over the maximum, with value, limit and config key", async () => {
        const r = await runPolicy(memoryLimits, deployment("app", [container("app", { request: "1Gi", limit: "3Gi" })]));
        assertViolations(r, [/memory limit "3Gi" exceeds the maximum 2Gi\. Lower .*limits\.memory to at most 2Gi \(policy config maxMemoryLimit\)/]);
    });

    it("compares quantities exactly at the boundary", async () => {
        assertClean(await runPolicy(memoryLimits, deployment("app", [container("app", { request: "1e3", limit: "2147483648" })])));
        assertViolations(await runPolicy(memoryLimits, deployment("app", [container("app", { request: "128974848e0", limit: "2147483649" })])),
            [/memory limit "2147483649" exceeds the maximum 2Gi/]);
    });

    it("rejects a value that is not a quantity", async () => {
        const r = await runPolicy(memoryLimits, deployment("app", [container("app", { request: "64MB", limit: "128Mi" })]));
        assertViolations(r, [/requests\.memory must be a positive memory quantity, found "64MB"/]);
    });

    it("holds storage control-plane components to ADR-003 (limit <= 500Mi, request <= 256Mi)", async () => {
        for (const name of ["velero", "snapshot-controller", "openebs-localpv-provisioner", "volsync"]) {
            assertClean(await runPolicy(memoryLimits, deployment(name, [container("c", { request: "256Mi", limit: "500Mi" })], "storage")));
            const r = await runPolicy(memoryLimits, deployment(name, [container("c", { request: "300Mi", limit: "600Mi" })], "storage"));
            assertViolations(r, [
                /memory limit "600Mi" exceeds the maximum 500Mi for storage control-plane components.*controlPlaneMaxLimit/,
                /memory request "300Mi" exceeds the maximum 256Mi for storage control-plane components.*controlPlaneMaxRequest/,
            ]);
        }
        // Velero's node-agent is not control plane: the general maximum applies.
        assertClean(await runPolicy(memoryLimits, workload("DaemonSet", "node-agent", { containers: [container("c", { request: "300Mi", limit: "1Gi" })] })));
    });

    it("checks VolSync mover resources on sources and destinations", async () => {
        assertClean(await runPolicy(memoryLimits, replicationSource("db", goodRestic)));
        const r = await runPolicy(memoryLimits, replicationSource("db", { moverResources: { limits: { memory: "4Gi" } } }));
        assertViolations(r, [
            /ReplicationSource "apps\/db".*restic mover: spec\.restic\.moverResources\.requests\.memory must be a positive memory quantity, it is not set/,
            /restic mover: memory limit "4Gi" exceeds the maximum 2Gi/,
        ]);
        const rd = k8s("volsync.backube/v1alpha1", "ReplicationDestination", "db-restore", { spec: { restic: { repository: "s" } } });
        assertViolations(await runPolicy(memoryLimits, rd), [/ReplicationDestination.*requests\.memory/, /ReplicationDestination.*limits\.memory/]);
    });

    it("flags a Helm Release, whose containers it cannot inspect", async () => {
        const r = await runPolicy(memoryLimits, helmChart("velero", {}, "kubernetes:helm.sh/v3:Release"));
        assertViolations(r, [/Release "velero": type is "kubernetes:helm\.sh\/v3:Release", which creates its objects inside Helm.*kubernetes\.helm\.sh\/v4 Chart/]);
    });

    it("passes a v4 Chart with literal inputs (its rendered children are checked one by one)", async () => {
        assertClean(await runPolicy(memoryLimits, helmChart("velero", { resources: { limits: { memory: "500Mi" } } })));
    });

    it("checks what a workload patch sets, and only that", async () => {
        const patch = (containers: object[]) => ({ ...deployment("app", containers), type: "kubernetes:apps/v1:DeploymentPatch" });
        assertClean(await runPolicy(memoryLimits, patch([{ name: "app", image: "example/app:1.1" }])));
        assertViolations(await runPolicy(memoryLimits, patch([container("app", { limit: "8Gi" })])), [/DeploymentPatch "apps\/app", container "app": memory limit "8Gi" exceeds the maximum 2Gi/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(memoryLimits, k8s("storage.k8s.io/v1", "StorageClass", "x", {})), "memory-limits");
    });

    it("lets config raise the maximum", async () => {
        const big = deployment("app", [container("app", { request: "1Gi", limit: "3Gi" })]);
        assertClean(await runPolicy(memoryLimits, big, { "memory-limits": { maxMemoryLimit: "4Gi" } }));
        assertViolations(await runPolicy(memoryLimits, big, { "memory-limits": { maxMemoryLimit: "1Gi" } }, { applySchemaDefaults: false }),
            [/exceeds the maximum 1Gi/]);
    });

    it("falls back to its defaults when the CLI passes no config", async () => {
        const big = deployment("app", [container("app", { request: "1Gi", limit: "3Gi" })]);
        assertViolations(await runPolicy(memoryLimits, big, {}, { applySchemaDefaults: false }), [/exceeds the maximum 2Gi/]);
    });

    const app = 'Deployment "apps/app", container "app"';
    const field = (kind: string) => `spec.template.spec.containers[0].resources.${kind}.memory`;
    describeMessages(memoryLimits, {
        "a missing limit": [deployment("app", [container("app", { request: "64Mi" })]),
            { resource: app, field: field("limits"), value: "it is not set", fix: `Set ${field("limits")}` }],
        "a value that is no quantity": [deployment("app", [container("app", { request: "64MB", limit: "128Mi" })]),
            { resource: app, field: field("requests"), value: 'found "64MB"', fix: `Set ${field("requests")}` }],
        "a request above the limit": [deployment("app", [container("app", { request: "256Mi", limit: "128Mi" })]),
            { resource: app, field: field("requests"), value: '"256Mi"', fix: "to at most the limit" }],
        "a limit above the maximum": [deployment("app", [container("app", { request: "1Gi", limit: "3Gi" })]),
            { resource: app, field: field("limits"), value: '"3Gi"', fix: "to at most 2Gi (policy config maxMemoryLimit)" }],
        "a control-plane request above its maximum": [deployment("velero", [container("velero", { request: "300Mi", limit: "500Mi" })], "velero"),
            { resource: 'Deployment "velero/velero", container "velero"', field: field("requests"), value: '"300Mi"', fix: "to at most 256Mi" }],
        "a mover limit above the maximum": [replicationSource("db", { moverResources: { requests: { memory: "1Gi" }, limits: { memory: "4Gi" } } }),
            { resource: 'ReplicationSource "apps/db", restic mover', field: "spec.restic.moverResources.limits.memory", value: '"4Gi"', fix: "to at most 2Gi" }],
        "a Helm Release": [helmChart("velero", {}, "kubernetes:helm.sh/v3:Release"),
            { resource: 'Release "velero"', field: "type", value: '"kubernetes:helm.sh/v3:Release"', fix: "Deploy the chart with kubernetes.helm.sh/v4 Chart" }],
        "a chart input unknown at preview": [helmChart("velero", { configuration: { namespace: UNKNOWN_AT_PREVIEW } }),
            { resource: 'Chart "velero"', field: "values.configuration.namespace", value: "unknown at preview", fix: "Make every chart input a literal" }],
        "a limit unknown at preview": [deployment("app", [container("app", { request: "64Mi", limit: UNKNOWN_AT_PREVIEW })]),
            { resource: app, field: field("limits"), value: "unknown at preview", fix: "Set it to a literal quantity" }],
        "a pod spec unknown at preview": [{ ...deployment("app", []), props: { metadata: { name: "app", namespace: "apps" }, spec: { template: UNKNOWN_AT_PREVIEW } } },
            { resource: 'Deployment "apps/app"', field: "spec.template.spec", value: "unknown at preview", fix: "Build the pod template from literal values" }],
        "a container list unknown at preview": [workload("Deployment", "app", { containers: UNKNOWN_AT_PREVIEW }),
            { resource: 'Deployment "apps/app"', field: "spec.template.spec.containers", value: "unknown at preview", fix: "List the containers literally" }],
    });

    describe("values unknown at preview block instead of degrading to a warning", () => {
        it("reports an unknown memory limit as a mandatory violation", async () => {
            const r = await runPolicy(memoryLimits, deployment("app", [container("app", { request: "64Mi", limit: UNKNOWN_AT_PREVIEW })]));
            assertViolations(r, [/limits\.memory is unknown at preview \(computed from another resource's output\)/]);
        });
        it("reports an unknown containers list", async () => {
            const r = await runPolicy(memoryLimits, workload("Deployment", "app", { containers: UNKNOWN_AT_PREVIEW }));
            assertViolations(r, [/spec\.template\.spec\.containers is unknown at preview, so the memory limits of containers/]);
        });
        it("reports an unknown pod template", async () => {
            const r = await runPolicy(memoryLimits, { ...deployment("app", []), props: { metadata: { name: "app" }, spec: { template: UNKNOWN_AT_PREVIEW } } });
            assertViolations(r, [/pod spec spec\.template\.spec is unknown at preview/]);
        });
        it("reports a chart input that is unknown, since the chart then renders nothing", async () => {
            const r = await runPolicy(memoryLimits, helmChart("velero", { configuration: { namespace: UNKNOWN_AT_PREVIEW } }));
            assertViolations(r, [/Chart "velero": input values\.configuration\.namespace is unknown at preview, so the chart renders nothing/]);
        });
        it("an unknown mover limit is reported too", async () => {
            const r = await runPolicy(memoryLimits, replicationSource("db", { moverResources: { requests: { memory: "1Gi" }, limits: { memory: UNKNOWN_AT_PREVIEW } } }));
            assertViolations(r, [/restic mover: spec\.restic\.moverResources\.limits\.memory is unknown at preview/]);
        });
        it("never lets the runtime's advisory 'can't run during preview' through", async () => {
            const r = await runPolicy(memoryLimits, deployment("app", [UNKNOWN_AT_PREVIEW as unknown as object]));
            assert.ok(r.violations.every((v) => v.enforcementLevel === "mandatory"), JSON.stringify(r.violations));
            assertViolations(r, [/containers\[0\] is unknown at preview, so the memory limits of container #0 can't be checked/]);
        });
    });
});
