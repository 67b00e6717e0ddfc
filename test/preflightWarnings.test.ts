// Settings that are valid but likely wrong produce Pulumi warnings, never errors.
import * as assert from "assert";
import { ClusterDependency, preflightWarnings, scheduleNamespaceWarnings } from "../components/preflight";
import { configNamespace, minimalRawConfig, settingsFrom } from "./helpers/settings";

describe("preflight warnings", function () {
    const warningsFor = (monitoring: Record<string, unknown> | undefined) =>
        preflightWarnings(settingsFrom({ ...minimalRawConfig(), ...(monitoring ? { monitoring } : {}) }), configNamespace);

    it("warns when monitoring is on (the default) and no label is set, naming the key and kube-prometheus-stack's selector", function () {
        const [warning, ...others] = warningsFor(undefined);
        assert.deepStrictEqual(others, []);
        assert.match(warning, /^storage-backup:monitoring\.labels is empty: /);
        assert.match(warning, /release: <its Helm release name>/);
        assert.deepStrictEqual(warningsFor({ enabled: true, labels: {} }), [warning]);
    });

    it("is quiet once a label is set, or with monitoring off", function () {
        assert.deepStrictEqual(warningsFor({ labels: { release: "kube-prometheus-stack" } }), []);
        assert.deepStrictEqual(warningsFor({ enabled: false }), []);
    });

    describe("namespaces of Velero's schedule that the cluster lacks", function () {
        /** A cluster with exactly these namespaces, noting what it was asked. */
        const clusterWith = (...namespaces: string[]) => {
            const asked: ClusterDependency[] = [];
            return { asked, lookup: async (dependency: ClusterDependency) => (asked.push(dependency), namespaces.includes(dependency.name)) };
        };
        const settings = (includedNamespaces?: string[]) =>
            settingsFrom({ ...minimalRawConfig(), ...(includedNamespaces ? { velero: { schedule: { includedNamespaces } } } : {}) });

        it("names each missing namespace, the key, the schedule and the consequence: PartiallyFailed backups and VeleroBackupFailed", async function () {
            const cluster = clusterWith("default", "network");
            const [warning, ...others] = await scheduleNamespaceWarnings(settings(), configNamespace, cluster.lookup);
            assert.deepStrictEqual(others, []);
            assert.match(warning, /^storage-backup:velero\.schedule\.includedNamespaces names namespaces the cluster lacks: database, monitoring\. /);
            assert.match(warning, /every backup of schedule daily-backup \(0 2 \* \* \*\) will end PartiallyFailed and VeleroBackupFailed will fire/);
            assert.deepStrictEqual(cluster.asked.map((dependency) => `${dependency.apiVersion}/${dependency.kind}/${dependency.name}`),
                ["v1/Namespace/database", "v1/Namespace/monitoring", "v1/Namespace/network", "v1/Namespace/default"]);
        });

        it("is quiet when every namespace exists, and never asks about the namespaces the stack creates itself", async function () {
            assert.deepStrictEqual(await scheduleNamespaceWarnings(settings(), configNamespace, clusterWith("database", "monitoring", "network", "default").lookup), []);
            const cluster = clusterWith();
            assert.deepStrictEqual(await scheduleNamespaceWarnings(settings(["velero", "volsync-system", "openebs"]), configNamespace, cluster.lookup), []);
            assert.deepStrictEqual(cluster.asked, []);
        });
    });
});
