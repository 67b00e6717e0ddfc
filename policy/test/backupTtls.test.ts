import { backupTtls } from "../policies/backupTtls";
import {
    assertClean, assertNotApplicable, assertViolations, container, describeMessages, goodRestic, helmChart, k8s, replicationSource, schedule, workload,
} from "./fixtures";
import { runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const backup = (ttl?: unknown) => k8s("velero.io/v1", "Backup", "once", { spec: ttl === undefined ? {} : { ttl } }, "velero");
const job = (spec: object) => ({ ...workload("Job", "migrate", { containers: [container("m")] }), props: { metadata: { name: "migrate" }, spec } });

describe("backup-ttls", () => {
    it("passes Velero schedules and backups with a TTL in range", async () => {
        assertClean(await runPolicy(backupTtls, schedule("daily", { ttl: "720h0m0s" })));
        assertClean(await runPolicy(backupTtls, backup("168h")));
    });

    it("flags a schedule without a TTL", async () => {
        assertViolations(await runPolicy(backupTtls, schedule("daily", {})),
            [/Schedule "velero\/daily": spec\.template\.ttl must be a Go duration within \[24h, 720h\], it is not set/]);
    });

    it("flags a TTL above the maximum and below the minimum", async () => {
        assertViolations(await runPolicy(backupTtls, schedule("daily", { ttl: "721h" })), [/spec\.template\.ttl is "721h", outside the allowed range \[24h, 720h\]/]);
        assertViolations(await runPolicy(backupTtls, backup("1h")), [/Backup "velero\/once": spec\.ttl is "1h", outside the allowed range/]);
    });

    it("rejects TTLs Go would not parse", async () => {
        assertViolations(await runPolicy(backupTtls, backup("30d")), [/spec\.ttl must be a Go duration within \[24h, 720h\], found "30d"/]);
    });

    it("checks schedules defined in Helm values", async () => {
        const chart = (ttl?: string) => helmChart("velero", { schedules: { nightly: { schedule: "0 1 * * *", template: ttl ? { ttl } : {} } } });
        assertClean(await runPolicy(backupTtls, chart("240h")));
        assertViolations(await runPolicy(backupTtls, chart()), [/Chart "velero", Helm schedule "nightly": values\.schedules\.nightly\.template\.ttl must be a Go duration/]);
        assertViolations(await runPolicy(backupTtls, { ...chart("2000h"), type: "kubernetes:helm.sh/v3:Release" }), [/Release "velero", Helm schedule "nightly".*outside the allowed range/]);
        assertClean(await runPolicy(backupTtls, helmChart("openebs", {})));
    });

    it("requires restic retention and a prune interval on ReplicationSources", async () => {
        assertClean(await runPolicy(backupTtls, replicationSource("db", goodRestic)));
        assertViolations(await runPolicy(backupTtls, replicationSource("db", { moverResources: goodRestic.moverResources })), [
            /ReplicationSource "apps\/db": spec\.restic\.retain must set a retention policy, it is not set/,
            /spec\.restic\.pruneIntervalDays must be a whole number of days in \[1, 30\], it is not set/,
        ]);
        assertViolations(await runPolicy(backupTtls, replicationSource("db", { ...goodRestic, retain: {}, pruneIntervalDays: 90 })), [
            /retain must set a retention policy, found \{\}/, /pruneIntervalDays must be a whole number of days in \[1, 30\], found 90/,
        ]);
    });

    it("requires ttlSecondsAfterFinished on Jobs and CronJob job templates", async () => {
        assertClean(await runPolicy(backupTtls, workload("Job", "migrate", { containers: [] })));
        assertClean(await runPolicy(backupTtls, workload("CronJob", "report", { containers: [] })));
        assertViolations(await runPolicy(backupTtls, job({ template: {} })), [/Job "migrate": spec\.ttlSecondsAfterFinished must be a whole number of seconds in \[0, 604800\], it is not set/]);
        const cron = workload("CronJob", "report", { containers: [] });
        (cron.props.spec as any).jobTemplate.spec.ttlSecondsAfterFinished = 10_000_000;
        assertViolations(await runPolicy(backupTtls, cron), [/spec\.jobTemplate\.spec\.ttlSecondsAfterFinished must be .* found 10000000/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(backupTtls, workload("Deployment", "app", { containers: [] })), "backup-ttls");
    });

    it("lets config move the bounds", async () => {
        const longTtl = schedule("yearly", { ttl: "8760h" });
        assertClean(await runPolicy(backupTtls, longTtl, { "backup-ttls": { maxBackupTtl: "8760h" } }));
        assertViolations(await runPolicy(backupTtls, backup("48h"), { "backup-ttls": { minBackupTtl: "72h" } }), [/outside the allowed range \[72h, 720h\]/]);
        assertClean(await runPolicy(backupTtls, replicationSource("db", { ...goodRestic, pruneIntervalDays: 90 }), { "backup-ttls": { maxPruneIntervalDays: 90 } }));
    });

    it("falls back to its defaults when the CLI passes no config", async () => {
        assertViolations(await runPolicy(backupTtls, schedule("daily", { ttl: "721h" }), {}, { applySchemaDefaults: false }), [/\[24h, 720h\]/]);
    });

    const source = 'ReplicationSource "apps/db"';
    describeMessages(backupTtls, {
        "a schedule without a TTL": [schedule("daily", {}),
            { resource: 'Schedule "velero/daily"', field: "spec.template.ttl", value: "it is not set", fix: "Set spec.template.ttl explicitly" }],
        "a TTL out of range": [schedule("daily", { ttl: "721h" }),
            { resource: 'Schedule "velero/daily"', field: "spec.template.ttl", value: '"721h"', fix: "Set spec.template.ttl within the range" }],
        "a TTL that is no Go duration": [backup("30d"), { resource: 'Backup "velero/once"', field: "spec.ttl", value: 'found "30d"', fix: "Set spec.ttl explicitly" }],
        "a TTL unknown at preview": [backup(UNKNOWN_AT_PREVIEW), { resource: 'Backup "velero/once"', field: "spec.ttl", value: "unknown at preview", fix: "Set it to a literal Go duration" }],
        "a Helm schedule without a TTL": [helmChart("velero", { schedules: { nightly: { template: {} } } }),
            { resource: 'Chart "velero", Helm schedule "nightly"', field: "values.schedules.nightly.template.ttl", value: "it is not set", fix: "Set values.schedules.nightly.template.ttl" }],
        "no restic retention": [replicationSource("db", { ...goodRestic, retain: undefined }),
            { resource: source, field: "spec.restic.retain", value: "it is not set", fix: "Set spec.restic.retain" }],
        "a retention unknown at preview": [replicationSource("db", { ...goodRestic, retain: { daily: UNKNOWN_AT_PREVIEW } }),
            { resource: source, field: "spec.restic.retain", value: "unknown at preview", fix: "Set literal retain counts" }],
        "a prune interval out of range": [replicationSource("db", { ...goodRestic, pruneIntervalDays: 90 }),
            { resource: source, field: "spec.restic.pruneIntervalDays", value: "found 90", fix: "Set spec.restic.pruneIntervalDays" }],
        "a prune interval unknown at preview": [replicationSource("db", { ...goodRestic, pruneIntervalDays: UNKNOWN_AT_PREVIEW }),
            { resource: source, field: "spec.restic.pruneIntervalDays", value: "unknown at preview", fix: "Set it to a literal number of days" }],
        "a Job without ttlSecondsAfterFinished": [job({ template: {} }),
            { resource: 'Job "migrate"', field: "spec.ttlSecondsAfterFinished", value: "it is not set", fix: "Set spec.ttlSecondsAfterFinished" }],
        "a Job TTL unknown at preview": [job({ ttlSecondsAfterFinished: UNKNOWN_AT_PREVIEW }),
            { resource: 'Job "migrate"', field: "spec.ttlSecondsAfterFinished", value: "unknown at preview", fix: "Set it to a literal number of seconds" }],
    });

    it("reports TTLs unknown at preview as violations", async () => {
        assertViolations(await runPolicy(backupTtls, schedule("daily", { ttl: UNKNOWN_AT_PREVIEW })), [/spec\.template\.ttl is unknown at preview/]);
        assertViolations(await runPolicy(backupTtls, helmChart("velero", { schedules: UNKNOWN_AT_PREVIEW })), [/values\.schedules\.template\.ttl is unknown at preview/]);
        assertViolations(await runPolicy(backupTtls, replicationSource("db", { ...goodRestic, retain: { daily: UNKNOWN_AT_PREVIEW }, pruneIntervalDays: UNKNOWN_AT_PREVIEW })),
            [/spec\.restic\.retain is unknown at preview/, /spec\.restic\.pruneIntervalDays is unknown at preview/]);
        assertViolations(await runPolicy(backupTtls, job({ ttlSecondsAfterFinished: UNKNOWN_AT_PREVIEW })), [/spec\.ttlSecondsAfterFinished is unknown at preview/]);
    });
});
