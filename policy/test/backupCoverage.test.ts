import { backupCoverage } from "../policies/backupCoverage";
import { assertClean, assertNotApplicable, assertViolations, describeMessages, helmChart, k8s, pvc, replicationSource, schedule, workload } from "./fixtures";
import { ResourceRecord, runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const statefulSet = (name: string, replicas: number): ResourceRecord => {
    const sts = workload("StatefulSet", name, { containers: [] });
    Object.assign(sts.props.spec as object, { replicas, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {} }] });
    return sts;
};

describe("backup-coverage (stack policy)", () => {
    it("passes PVCs covered by a ReplicationSource or a Velero schedule", async () => {
        assertClean(await runPolicy(backupCoverage, [pvc("db"), replicationSource("db-backup", {}, "db")]));
        assertClean(await runPolicy(backupCoverage, [pvc("db"), schedule("nightly", { includedNamespaces: ["apps"], ttl: "720h" })]));
        assertClean(await runPolicy(backupCoverage, [pvc("db"), schedule("all", { ttl: "720h" })]));
        assertClean(await runPolicy(backupCoverage, [pvc("db", "apps", { tier: "db" }), schedule("db", { labelSelector: { matchLabels: { tier: "db" } } })]));
        assertClean(await runPolicy(backupCoverage, [pvc("db"), helmChart("velero", { schedules: { nightly: { template: { includedNamespaces: ["apps"] } } } })]));
    });

    it("flags a PVC nothing backs up, naming it and the fix", async () => {
        assertViolations(await runPolicy(backupCoverage, [pvc("db"), replicationSource("other", {}, "other")]),
            [/PersistentVolumeClaim "apps\/db": PVC "apps\/db" in protected namespace "apps" is backed up by no ReplicationSource \(spec\.sourcePVC\) and no Velero schedule\. Add a VolSync ReplicationSource/]);
    });

    it("does not count schedules that leave the PVC out", async () => {
        for (const template of [
            { includedNamespaces: ["other"] }, { excludedNamespaces: ["apps"] }, { includedResources: ["deployments"] },
            { excludedResources: ["persistentvolumeclaims"] }, { labelSelector: { matchLabels: { tier: "web" } } },
        ]) {
            assertViolations(await runPolicy(backupCoverage, [pvc("db"), schedule("s", template)]), [/PVC "apps\/db" .* no Velero schedule/]);
        }
        const paused = schedule("s", {});
        (paused.props.spec as Record<string, unknown>).paused = true;
        assertViolations(await runPolicy(backupCoverage, [pvc("db"), paused]), [/no Velero schedule/]);
        assertViolations(await runPolicy(backupCoverage, [pvc("db", "apps"), replicationSource("db", {}, "db", "other")]), [/no ReplicationSource/]);
    });

    it("covers StatefulSet volumeClaimTemplates replica by replica", async () => {
        assertViolations(await runPolicy(backupCoverage, [statefulSet("pg", 2), replicationSource("pg0", {}, "data-pg-0")]),
            [/StatefulSet "apps\/pg" volumeClaimTemplate "data" replica 1: PVC "apps\/data-pg-1"/]);
    });

    it("flags a Snapshot copyMethod without a VolumeSnapshotClass", async () => {
        assertViolations(await runPolicy(backupCoverage, [pvc("db"), replicationSource("db", { copyMethod: "Snapshot" })]),
            [/ReplicationSource "apps\/db": spec\.restic\.copyMethod is "Snapshot" but spec\.restic\.volumeSnapshotClassName is not set/]);
        assertClean(await runPolicy(backupCoverage, [pvc("db"), replicationSource("db", { copyMethod: "Snapshot", volumeSnapshotClassName: "csi-snap" })]));
    });

    it("ignores unprotected and excluded namespaces", async () => {
        assertClean(await runPolicy(backupCoverage, [pvc("scratch", "kube-system")]));
        assertClean(await runPolicy(backupCoverage, [pvc("db")], { "backup-coverage": { protectedNamespaces: ["prod"] } }));
    });

    it("lets config narrow or widen the protected namespaces", async () => {
        const config = { "backup-coverage": { protectedNamespaces: ["*"], excludedNamespaces: ["apps"] } };
        assertClean(await runPolicy(backupCoverage, [pvc("db")], config));
        assertViolations(await runPolicy(backupCoverage, [pvc("scratch", "kube-system")], { "backup-coverage": { excludedNamespaces: [] } }), [/"kube-system\/scratch"/]);
    });

    it("does not apply to a stack without PVCs or ReplicationSources", async () => {
        assertNotApplicable(await runPolicy(backupCoverage, [k8s("v1", "ConfigMap", "c", {})]), "backup-coverage");
        assertNotApplicable(await runPolicy(backupCoverage, []), "backup-coverage");
    });

    const anonymous = pvc("db");
    (anonymous.props.metadata as Record<string, unknown>).namespace = UNKNOWN_AT_PREVIEW;
    describeMessages(backupCoverage, {
        "a PVC nothing backs up": [[pvc("db")],
            { resource: 'PersistentVolumeClaim "apps/db"', field: "spec.sourcePVC", value: 'PVC "apps/db"', fix: "Add a VolSync ReplicationSource for it" }],
        "a PVC named only after create": [[anonymous],
            { resource: 'PersistentVolumeClaim "db"', field: "metadata.namespace", value: "unknown at preview", fix: "Give it a literal metadata.name and metadata.namespace" }],
        "a Snapshot copy without a VolumeSnapshotClass": [[pvc("db"), replicationSource("db", { copyMethod: "Snapshot" })],
            { resource: 'ReplicationSource "apps/db"', field: "spec.restic.volumeSnapshotClassName", value: "not set", fix: "Name a VolumeSnapshotClass" }],
    });

    it("reports what is unknown at preview instead of guessing", async () => {
        const anonymous = pvc("db");
        (anonymous.props.metadata as Record<string, unknown>).name = UNKNOWN_AT_PREVIEW;
        assertViolations(await runPolicy(backupCoverage, [anonymous]), [/metadata\.name or metadata\.namespace is unknown at preview, so backup coverage can't be proven/]);
        assertViolations(await runPolicy(backupCoverage, [pvc("db"), replicationSource("db", {}, UNKNOWN_AT_PREVIEW)]),
            [/no Velero schedule \(1 ReplicationSource\(s\) have a sourcePVC or namespace unknown at preview and can't count\)/]);
        assertViolations(await runPolicy(backupCoverage, [pvc("db"), replicationSource("db", { copyMethod: "Snapshot", volumeSnapshotClassName: UNKNOWN_AT_PREVIEW })]),
            [/volumeSnapshotClassName is unknown at preview/]);
    });
});
