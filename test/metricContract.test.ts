// The metric contract check (test/helpers/metricContract.ts) that the sandbox suite runs against the real
// Velero server's /metrics: it must pass on what the rules need and fail on a renamed metric or label.
import * as assert from "assert";
import { veleroAlertRules } from "../components/velero";
import { metricRequirements, unmetRequirements } from "./helpers/metricContract";
import { minimalRawConfig, settingsFrom } from "./helpers/settings";

/** Exposition text shaped as Velero 1.18 writes it (series the sandbox's server exports after a backup). */
const exported = [
    "# HELP velero_backup_location_status_gauge Backup location status (1 available, 0 unavailable)",
    "# TYPE velero_backup_location_status_gauge gauge",
    'velero_backup_location_status_gauge{backup_location_name="minio-s3"} 1',
    'velero_backup_last_successful_timestamp{schedule="daily-backup"} 1.7648e+09',
    'velero_backup_failure_total{schedule="daily-backup"} 0',
    'velero_backup_partial_failure_total{schedule="daily-backup"} 0',
    'velero_backup_partial_failure_total{schedule=""} 1',
].join("\n") + "\n";

describe("metric contract check", function () {
    const requirements = veleroAlertRules(settingsFrom(minimalRawConfig()).velero).flatMap((rule) => metricRequirements(rule.expr, "velero_"));

    it("reads each metric, its equality matchers and its grouping labels from the program's Velero alerts", function () {
        assert.deepStrictEqual(requirements, [
            { metric: "velero_backup_location_status_gauge", matchers: {}, labels: ["backup_location_name"] },
            { metric: "velero_backup_last_successful_timestamp", matchers: { schedule: "daily-backup" }, labels: [] },
            { metric: "velero_backup_failure_total", matchers: { schedule: "daily-backup" }, labels: [] },
            { metric: "velero_backup_partial_failure_total", matchers: { schedule: "daily-backup" }, labels: [] },
        ]);
    });

    it("passes when every metric is exported with those labels", function () {
        assert.deepStrictEqual(unmetRequirements(requirements, exported), []);
    });

    it("fails on a renamed metric, a renamed label and a schedule with no series, naming each", function () {
        const broken = ['increase(velero_backup_failures_total{schedule="daily-backup"}[1h]) > 0',
            "min by (location) (velero_backup_location_status_gauge) == 0", 'time() - velero_backup_last_successful_timestamp{schedule="weekly"} > 90000']
            .flatMap((expr) => metricRequirements(expr, "velero_"));
        assert.deepStrictEqual(unmetRequirements(broken, exported), [
            'velero_backup_failures_total with {"schedule":"daily-backup"}: not exported',
            'velero_backup_location_status_gauge with {"location":"*"}: exported only as {"backup_location_name":"minio-s3"}',
            'velero_backup_last_successful_timestamp with {"schedule":"weekly"}: exported only as {"schedule":"daily-backup"}',
        ]);
    });

    it("does not take a regex or negative matcher for an equality", function () {
        assert.deepStrictEqual(metricRequirements('velero_x{a=~"b.*", c!="d", e="f"}', "velero_")[0].matchers, { e: "f" });
    });
});
