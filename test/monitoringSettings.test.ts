// The `monitoring.*` settings as the program applies them: labels on every object a Prometheus selects,
// runbook links, the switch, and a clear error for a runbook URL that is not one.
import * as assert from "assert";
import { StackConfigError } from "../components/config/stackConfig";
import { customResourcesOfKind, resourcesOfType, runUnderMocks } from "./helpers/mockProgram";
import { minimalRawConfig, settingsFrom } from "./helpers/settings";

const withMonitoring = (monitoring: Record<string, unknown>) => settingsFrom({ ...minimalRawConfig(), monitoring });

describe("monitoring settings", function () {
    it("labels every PrometheusRule and ServiceMonitor (ours and the Velero chart's), and links each alert to runbookUrl", async function () {
        const labels = { release: "kube-prometheus-stack", team: "storage" };
        const { resources } = await runUnderMocks(withMonitoring({ labels, runbookUrl: "https://git.example.lan/infra/storage-backup/README.md" }));
        const objects = [...customResourcesOfKind(resources, "PrometheusRule"), ...customResourcesOfKind(resources, "ServiceMonitor")];
        assert.deepStrictEqual(objects.map((object) => object.inputs.metadata.name).sort(), ["velero-alerts", "volsync-alerts", "volsync-metrics"]);
        for (const object of objects) {
            assert.deepStrictEqual(object.inputs.metadata.labels, labels, object.inputs.metadata.name);
        }
        const velero = resourcesOfType(resources, "kubernetes:helm.sh/v4:Chart").find((chart) => chart.name === "velero")!;
        assert.deepStrictEqual(velero.inputs.values.metrics.serviceMonitor, { enabled: true, autodetect: false, additionalLabels: labels });
        const links = customResourcesOfKind(resources, "PrometheusRule").flatMap((rule) => rule.inputs.spec.groups[0].rules)
            .map((rule: { alert: string; annotations: { runbook_url: string } }) => [rule.alert, rule.annotations.runbook_url]);
        assert.strictEqual(links.length, 6);
        for (const [alert, url] of links) {
            assert.strictEqual(url, `https://git.example.lan/infra/storage-backup/README.md#${alert.toLowerCase()}`);
        }
    });

    it("monitoring.enabled: false creates no rules or monitors, and turns the Velero chart's ServiceMonitor off", async function () {
        const { resources } = await runUnderMocks(withMonitoring({ enabled: false }));
        assert.deepStrictEqual([...customResourcesOfKind(resources, "PrometheusRule"), ...customResourcesOfKind(resources, "ServiceMonitor")], []);
        const velero = resourcesOfType(resources, "kubernetes:helm.sh/v4:Chart").find((chart) => chart.name === "velero")!;
        assert.strictEqual(velero.inputs.values.metrics.serviceMonitor.enabled, false);
    });

    it("a runbookUrl that is not an absolute http(s) URL is a config error naming the key", function () {
        assert.throws(() => withMonitoring({ runbookUrl: "wiki/README.md" }), (error: StackConfigError) =>
            error.problems.some((problem) => /^storage-backup:monitoring\.runbookUrl: expected an absolute http\(s\) URL/.test(problem)));
    });
});
