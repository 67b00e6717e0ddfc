// Every alert the program deploys, proven with the real `promtool test rules`: the rule files are the
// PrometheusRule objects the program registers (apps stack config, under mocks), and each alert gets
// series that make it fire and series that must not, at the boundaries of its window and `for`. The
// series use the metric names VolSync and Velero really export, and the expected thresholds are stated
// here, not read back from the rules: a broken expression, a renamed metric or a threshold typo fails,
// with promtool's own output in the failure.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { customResourcesOfKind, runUnderMocks } from "./helpers/mockProgram";
import { settingsFrom, stackFileConfig } from "./helpers/settings";

const toolchainPromtool = path.resolve(__dirname, "..", "toolchain", "bin", "promtool");

type Labels = Record<string, string>;

interface RuleGroup {
    name: string;
    rules: { alert: string; expr: string; for: string; labels: Labels; annotations: Labels }[];
}

interface Case {
    /** What the case proves; promtool prints it as the test group's name on failure. */
    name: string;
    /** Series as `metric{labels}` and promtool's expanding notation, one sample per minute from t=0. */
    series: Record<string, string>;
    /** At each time, the label sets (besides alertname and severity) of the alerts firing; [] = none. */
    expect: [at: string, firing: Labels[]][];
}

const source = { obj_name: "demo-ns", obj_namespace: "demo-ns" };
const sourceSeries = '{obj_name="demo-ns",obj_namespace="demo-ns",role="source",method="restic",job="volsync-metrics"}';
const destinationSeries = '{obj_name="demo-ns-restore",obj_namespace="demo-ns",role="destination",method="restic",job="volsync-metrics"}';

/** The cases per alert. Thresholds of the apps stack: exporter 15m, out of sync 30m (volsync.outOfSyncAlertAfter
 * default), overdue window 2h + 5m, location 5m, backup age 25h (velero.maxBackupAge default) + 15m, failures 1h + 5m. */
const cases: Record<string, Case[]> = {
    VolSyncExporterAbsent: [
        {
            name: "fires 15m after the last healthy scrape, not a minute before",
            series: { 'up{job="volsync-metrics",instance="10.0.0.7:8443"}': "1x10 0x40" },
            expect: [["25m", []], ["26m", [{}]]],
        },
        { name: "fires when the target was never discovered", series: {}, expect: [["14m", []], ["15m", [{}]]] },
        {
            name: "a target under another job name does not count (the alerts select on job volsync-metrics)",
            series: { 'up{job="volsync",instance="10.0.0.7:8443"}': "1x30" },
            expect: [["15m", [{}]]],
        },
        { name: "does not fire while the target is up", series: { 'up{job="volsync-metrics",instance="10.0.0.7:8443"}': "1x60" }, expect: [["60m", []]] },
    ],
    VolSyncVolumeOutOfSync: [
        {
            name: "fires 30m after a source goes out of sync",
            series: { [`volsync_volume_out_of_sync${sourceSeries}`]: "0x10 1x60" },
            expect: [["40m", []], ["41m", [source]]],
        },
        {
            name: "does not fire when the sync completes within 30m",
            series: { [`volsync_volume_out_of_sync${sourceSeries}`]: "0x10 1x28 0x30" },
            expect: [["41m", []], ["60m", []]],
        },
        {
            name: "never fires for a destination (a one-shot restore stays out of sync by design)",
            series: { [`volsync_volume_out_of_sync${destinationSeries}`]: "1x120" },
            expect: [["120m", []]],
        },
    ],
    VolSyncBackupOverdue: [
        {
            name: "fires 5m after a missed interval and stays for the 2h window",
            series: { [`volsync_missed_intervals_total${sourceSeries}`]: "0x60 1x130" },
            expect: [["65m", []], ["66m", [source]], ["178m", [source]], ["185m", []]],
        },
        {
            name: "old misses and a restarted controller (counter reset) do not fire",
            series: { [`volsync_missed_intervals_total${sourceSeries}`]: "3x60 0x100" },
            expect: [["30m", []], ["70m", []], ["150m", []]],
        },
        {
            name: "never fires for a destination",
            series: { [`volsync_missed_intervals_total${destinationSeries}`]: "0x60 1x60" },
            expect: [["70m", []]],
        },
    ],
    VeleroBackupLocationUnavailable: [
        {
            name: "fires 5m after Velero marks a location unavailable, naming it",
            series: {
                'velero_backup_location_status_gauge{backup_location_name="minio-s3",job="velero"}': "1x10 0x30",
                'velero_backup_location_status_gauge{backup_location_name="offsite",job="velero"}': "1x40",
            },
            expect: [["15m", []], ["16m", [{ backup_location_name: "minio-s3" }]]],
        },
        {
            name: "does not fire for a location that recovers within 5m or stays available",
            series: { 'velero_backup_location_status_gauge{backup_location_name="minio-s3",job="velero"}': "1x10 0x3 1x30" },
            expect: [["16m", []], ["30m", []]],
        },
    ],
    VeleroBackupTooOld: [
        {
            // promtool's clock starts at 0, so a timestamp of 0 is a backup at t=0.
            name: "fires 15m after the last successful backup is older than 25h",
            series: { 'velero_backup_last_successful_timestamp{schedule="daily-backup",job="velero"}': "0x1600" },
            expect: [["1515m", []], ["1516m", [{ schedule: "daily-backup", job: "velero" }]]],
        },
        {
            name: "a newer backup and other schedules do not fire",
            series: {
                'velero_backup_last_successful_timestamp{schedule="daily-backup",job="velero"}': "0x1440 86400x160",
                'velero_backup_last_successful_timestamp{schedule="adhoc",job="velero"}': "0x1600",
            },
            expect: [["1516m", []], ["1600m", []]],
        },
    ],
    VeleroBackupFailed: [
        {
            name: "fires 5m after a failed backup, for the 1h window",
            series: {
                'velero_backup_failure_total{schedule="daily-backup",job="velero"}': "0x30 1x100",
                'velero_backup_partial_failure_total{schedule="daily-backup",job="velero"}': "0x130",
            },
            expect: [["35m", []], ["36m", [{ schedule: "daily-backup", job: "velero" }]], ["95m", []]],
        },
        {
            name: "fires on a partially failed backup",
            series: {
                'velero_backup_failure_total{schedule="daily-backup",job="velero"}': "0x100",
                'velero_backup_partial_failure_total{schedule="daily-backup",job="velero"}': "0x30 1x70",
            },
            expect: [["36m", [{ schedule: "daily-backup", job: "velero" }]]],
        },
        {
            name: "does not fire without failures, or for another schedule",
            series: {
                'velero_backup_failure_total{schedule="daily-backup",job="velero"}': "2x100",
                'velero_backup_failure_total{schedule="adhoc",job="velero"}': "0x30 1x70",
            },
            expect: [["36m", []], ["90m", []]],
        },
    ],
};

/** Annotations as Prometheus renders them for an alert with `labels` (only `{{ $labels.x }}` is used). */
function rendered(annotations: Labels, labels: Labels): Labels {
    return Object.fromEntries(Object.entries(annotations).map(([key, text]) =>
        [key, text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "")]));
}

function promtool(...args: string[]) {
    const run = spawnSync(toolchainPromtool, args, { encoding: "utf8" });
    return { ok: run.status === 0, output: `promtool ${args.join(" ")} (exit ${run.status}):\n${run.stdout}${run.stderr}` };
}

describe("alert rules, proven with promtool", function () {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
    let groups: RuleGroup[];
    /** Rule file by alert name: each alert is tested with its own file, so one broken file fails only its alerts. */
    let ruleFileOf: Record<string, string>;
    let ruleFiles: string[];

    before(async function () {
        if (!fs.existsSync(toolchainPromtool)) {
            this.test!.parent!.title += ` (skipped: ${toolchainPromtool} is not built; run npm run toolchain -- promtool)`;
            this.skip();
        }
        const { resources } = await runUnderMocks(settingsFrom(stackFileConfig("apps")));
        const rules = customResourcesOfKind(resources, "PrometheusRule");
        groups = rules.flatMap((rule) => rule.inputs.spec.groups as RuleGroup[]);
        ruleFileOf = {};
        ruleFiles = rules.map((rule) => {
            const file = path.join(scratch, `${rule.inputs.metadata.name}.yaml`);
            fs.writeFileSync(file, stringify({ groups: rule.inputs.spec.groups }));
            for (const group of rule.inputs.spec.groups as RuleGroup[]) {
                group.rules.forEach((alertRule) => (ruleFileOf[alertRule.alert] = file));
            }
            return file;
        });
    });

    after(function () {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("promtool check rules accepts every rule file the program produces", function () {
        const check = promtool("check", "rules", ...ruleFiles);
        assert.ok(check.ok, check.output);
    });

    it("every alert has test cases, and every case names an alert the program produces", function () {
        assert.deepStrictEqual(groups.flatMap((group) => group.rules.map((rule) => rule.alert)).sort(), Object.keys(cases).sort());
    });

    for (const [alert, alertCases] of Object.entries(cases)) {
        it(`${alert}: ${alertCases.map((testCase) => testCase.name).join("; ")}`, function () {
            const rule = groups.flatMap((group) => group.rules).find((candidate) => candidate.alert === alert);
            assert.ok(rule, `the program produces no alert ${alert}`);
            const tests = alertCases.map((testCase) => ({
                name: `${alert}: ${testCase.name}`,
                interval: "1m",
                input_series: Object.entries(testCase.series).map(([series, values]) => ({ series, values })),
                alert_rule_test: testCase.expect.map(([at, firing]) => ({
                    eval_time: at,
                    alertname: alert,
                    exp_alerts: firing.map((labels) => {
                        const all = { ...labels, ...rule.labels };
                        return { exp_labels: all, exp_annotations: rendered(rule.annotations, all) };
                    }),
                })),
            }));
            const testFile = path.join(scratch, `${alert}.test.yaml`);
            fs.writeFileSync(testFile, stringify({ rule_files: [ruleFileOf[alert]], evaluation_interval: "1m", tests }));
            const run = promtool("test", "rules", testFile);
            assert.ok(run.ok, run.output);
        });
    }

    it("every alert has a summary, a severity, a description naming the object, and a runbook entry in README", function () {
        const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## When something goes wrong"));
        const end = section.indexOf("\n## ");
        const runbookHeadings = new Set([...(end < 0 ? section : section.slice(0, end)).matchAll(/^### (\S+)$/gm)].map((match) => match[1]));
        for (const rule of groups.flatMap((group) => group.rules)) {
            assert.ok(rule.annotations.summary, `${rule.alert}: summary`);
            assert.match(rule.labels.severity, /^(warning|critical)$/, `${rule.alert}: severity`);
            assert.match(rule.annotations.description, /\$labels\.(obj_name|backup_location_name)|volsync-metrics|daily-backup/, `${rule.alert}: description names no object`);
            assert.strictEqual(rule.annotations.runbook_url, `README.md#${rule.alert.toLowerCase()}`);
            assert.ok(runbookHeadings.has(rule.alert), `README's "When something goes wrong" has no "### ${rule.alert}" entry`);
        }
    });
});
