// Stack config validation: the committed stack parses, defaults are the design's, and each bad input
// fails before anything is registered with a message naming the key, the value and what is expected.
import * as assert from "assert";
import { StackConfigError } from "../components/config/stackConfig";
import { pinnedCharts } from "../components/config/chartSources";
import { allSecretsPresent, minimalRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

describe("stack config: valid input", function () {
    it("parses the committed apps stack", function () {
        const settings = settingsFrom(stackFileConfig("apps"));
        assert.strictEqual(settings.minio.endpoint, "10.25.11.3:9000");
        assert.strictEqual(settings.volsync.item, "volsync-minio");
        assert.strictEqual(settings.openebs.hostpathClass.name, "openebs-hostpath");
        assert.deepStrictEqual(settings.apps.map((app) => [app.name, app.volumeSnapshotClass, app.cacheStorageClass]),
            [["demo-ns", "csi-ceph-block", "openebs-hostpath"]]);
    });

    it("applies the design's defaults", function () {
        const settings = settingsFrom({ ...minimalRawConfig(), apps: [{ name: "wiki", copyMethod: "Direct" }] });
        assert.strictEqual(settings.openebs.hostpathClass.name, "openebs-localpv-hostpath");
        assert.strictEqual(settings.openebs.hostpathClass.basePath, "/var/openebs/local");
        assert.strictEqual(settings.openebs.hostpathClass.isDefault, true);
        assert.deepStrictEqual(settings.openebs.resources, { requests: { memory: "256Mi" }, limits: { memory: "500Mi" } });
        assert.deepStrictEqual(settings.velero.schedule, {
            name: "daily-backup", cron: "0 2 * * *", ttl: "720h", includedNamespaces: ["database", "monitoring", "network", "default"],
        });
        assert.strictEqual(settings.velero.storageLocation, "minio-s3");
        assert.strictEqual(settings.velero.bucket, "openebs-backups");
        assert.deepStrictEqual([settings.volsync.bucket, settings.volsync.user, settings.volsync.clusterSecretStore], ["volsync", "volsync-backup", "onepassword"]);
        assert.strictEqual(settings.minio.useTls, true);
        assert.deepStrictEqual(settings.charts, pinnedCharts);
        const [app] = settings.apps;
        assert.deepStrictEqual([app.namespace, app.pvc.name, app.uid, app.gid, app.cacheCapacity], ["wiki", "wiki", 1000, 1000, "2Gi"]);
    });

    it("lets a stack override one chart source and keep the others pinned", function () {
        const settings = settingsFrom({ ...minimalRawConfig(), charts: { velero: { chart: "./charts/velero" } } });
        assert.deepStrictEqual(settings.charts.velero, { chart: "./charts/velero" });
        assert.deepStrictEqual(settings.charts.volsync, pinnedCharts.volsync);
    });

    it("merges per-app mover resources over the defaults", function () {
        const settings = settingsFrom({ ...minimalRawConfig(), apps: [{ name: "db", copyMethod: "Direct", moverResources: { limits: { memory: "2Gi" } } }] });
        assert.deepStrictEqual(settings.apps[0].moverResources, { requests: { memory: "256Mi" }, limits: { memory: "2Gi" } });
    });
});

type Mutation = (raw: Record<string, any>) => void;
const app = (extra: Record<string, unknown> = {}) => ({ name: "wiki", copyMethod: "Direct", ...extra });

// Each case: what is wrong, how to make it wrong, the key the message must name, and words it must contain.
const badConfigs: [string, Mutation, string, RegExp][] = [
    ["missing MinIO settings", (raw) => { delete raw.minio; }, "storage-backup:minio", /missing/],
    ["missing MinIO endpoint", (raw) => { raw.minio = {}; }, "storage-backup:minio.endpoint", /required setting, expected a string \(missing\)/],
    ["endpoint with a scheme", (raw) => { raw.minio.endpoint = "https://minio.lan:9000"; }, "storage-backup:minio.endpoint", /without a scheme.*got "https:\/\/minio.lan:9000"/],
    ["endpoint without a port", (raw) => { raw.minio.endpoint = "minio.lan"; }, "storage-backup:minio.endpoint", /host:port/],
    ["endpoint port out of range", (raw) => { raw.minio.endpoint = "minio.lan:70000"; }, "storage-backup:minio.endpoint", /host:port/],
    ["useTls not a boolean", (raw) => { raw.minio.useTls = "yes"; }, "storage-backup:minio.useTls", /boolean.*got "yes"/],
    ["insecureSkipVerify without TLS", (raw) => { raw.minio.useTls = false; raw.minio.insecureSkipVerify = true; }, "storage-backup:minio.insecureSkipVerify", /useTls/],
    ["missing vault", (raw) => { raw.onepassword = {}; }, "storage-backup:onepassword.vault", /missing/],
    ["Connect URL not a URL", (raw) => { raw.onepassword.connectUrl = "connect.lan:8080"; }, "storage-backup:onepassword.connectUrl", /http\(s\) URL/],
    ["misspelt top-level key", (raw) => { raw.velro = {}; }, "storage-backup:velro", /unknown setting/],
    ["misspelt nested key", (raw) => { raw.velero = { schedule: { cronn: "0 2 * * *" } }; }, "storage-backup:velero.schedule.cronn", /unknown setting/],
    ["bad Velero cron", (raw) => { raw.velero = { schedule: { cron: "0 2 * *" } }; }, "storage-backup:velero.schedule.cron", /5-field cron.*got "0 2 \* \*"/],
    ["cron with an impossible hour", (raw) => { raw.velero = { schedule: { cron: "0 25 * * *" } }; }, "storage-backup:velero.schedule.cron", /cron/],
    ["bad VolSync schedule", (raw) => { raw.apps = [app({ schedule: "every hour" })]; }, "storage-backup:apps[0].schedule", /cron/],
    ["TTL without a unit", (raw) => { raw.velero = { schedule: { ttl: "720" } }; }, "storage-backup:velero.schedule.ttl", /Go duration.*got "720"/],
    ["TTL in days", (raw) => { raw.velero = { schedule: { ttl: "30d" } }; }, "storage-backup:velero.schedule.ttl", /Go duration/],
    ["empty namespace list", (raw) => { raw.velero = { schedule: { includedNamespaces: [] } }; }, "storage-backup:velero.schedule.includedNamespaces", /at least 1|>=1|too small/i],
    ["namespace not a DNS label", (raw) => { raw.velero = { schedule: { includedNamespaces: ["Database"] } }; }, "storage-backup:velero.schedule.includedNamespaces[0]", /DNS label/],
    ["bad memory quantity", (raw) => { raw.openebs = { resources: { limits: { memory: "500MB" } } }; }, "storage-backup:openebs.resources.limits.memory", /quantity.*got "500MB"/],
    ["request above limit", (raw) => { raw.openebs = { resources: { requests: { memory: "1Gi" }, limits: { memory: "500Mi" } } }; }, "storage-backup:openebs.resources.requests.memory", /at most the limit 500Mi/],
    ["bad cache capacity", (raw) => { raw.apps = [app({ cacheCapacity: "lots" })]; }, "storage-backup:apps[0].cacheCapacity", /quantity/],
    ["duplicate apps", (raw) => { raw.apps = [app(), app()]; }, "storage-backup:apps", /unique.*"wiki"/],
    ["same PVC protected twice", (raw) => { raw.apps = [app(), app({ name: "wiki2", namespace: "wiki", pvc: { name: "wiki" } })]; }, "storage-backup:apps", /wiki\/wiki/],
    ["app without a name", (raw) => { raw.apps = [{ copyMethod: "Direct" }]; }, "storage-backup:apps[0].name", /missing/],
    ["app name not a DNS label", (raw) => { raw.apps = [app({ name: "My_App" })]; }, "storage-backup:apps[0].name", /DNS label/],
    ["unknown copyMethod", (raw) => { raw.apps = [app({ copyMethod: "Rsync" })]; }, "storage-backup:apps[0].copyMethod", /Snapshot.*Clone.*Direct|"Snapshot"\|"Clone"\|"Direct"/],
    ["Snapshot without a snapshot class", (raw) => { raw.apps = [{ name: "wiki" }]; }, "storage-backup:apps[0].volumeSnapshotClass", /copyMethod Snapshot needs a VolumeSnapshotClass/],
    ["Snapshot of a LocalPV hostpath volume", (raw) => { raw.apps = [{ name: "wiki", volumeSnapshotClass: "x", pvc: { storageClass: "openebs-localpv-hostpath" } }]; }, "storage-backup:apps[0].copyMethod", /cannot snapshot; expected Direct or Clone/],
    ["Clone of a LocalPV hostpath volume", (raw) => { raw.apps = [app({ copyMethod: "Clone", pvc: { storageClass: "openebs-localpv-hostpath" } })]; }, "storage-backup:apps[0].copyMethod", /cannot clone/],
    ["retain policy keeping nothing", (raw) => { raw.apps = [app({ retain: { daily: 0 } })]; }, "storage-backup:apps[0].retain", /at least one non-zero/],
    ["negative uid", (raw) => { raw.apps = [app({ uid: -1 })]; }, "storage-backup:apps[0].uid", />=0|too small/i],
    ["prune interval of zero", (raw) => { raw.apps = [app({ pruneIntervalDays: 0 })]; }, "storage-backup:apps[0].pruneIntervalDays", />=1|too small/i],
    ["bucket name MinIO refuses (uppercase)", (raw) => { raw.volsync = { bucket: "VolSync" }; }, "storage-backup:volsync.bucket", /S3 bucket name.*got "VolSync"/],
    ["bucket name MinIO refuses (too short)", (raw) => { raw.velero = { bucket: "ab" }; }, "storage-backup:velero.bucket", /S3 bucket name/],
    ["bucket name shaped like an IP", (raw) => { raw.velero = { bucket: "192.168.1.10" }; }, "storage-backup:velero.bucket", /IP address/],
    ["one bucket for both purposes", (raw) => { raw.velero = { bucket: "volsync" }; }, "storage-backup:velero.bucket", /other than volsync.bucket/],
    ["one user for both purposes", (raw) => { raw.velero = { user: "volsync-backup" }; }, "storage-backup:velero.user", /other than volsync.user/],
    ["chart version range", (raw) => { raw.charts = { velero: { chart: "velero", version: "^12.0.0" } }; }, "storage-backup:charts.velero.version", /exact chart version/],
    ["unknown chart", (raw) => { raw.charts = { rook: { chart: "rook" } }; }, "storage-backup:charts.rook", /unknown setting/],
    ["plugin image without a tag", (raw) => { raw.velero = { awsPluginImage: "velero/velero-plugin-for-aws" }; }, "storage-backup:velero.awsPluginImage", /explicit tag or digest/],
    ["two default snapshot classes", (raw) => { raw.snapshots = { classes: [{ name: "a", driver: "x.csi", isDefault: true }, { name: "b", driver: "y.csi", isDefault: true }] }; }, "storage-backup:snapshots.classes", /at most one/],
    ["bad snapshot deletionPolicy", (raw) => { raw.snapshots = { classes: [{ name: "a", driver: "x.csi", deletionPolicy: "Keep" }] }; }, "storage-backup:snapshots.classes[0].deletionPolicy", /Delete.*Retain/],
    ["relative hostpath basePath", (raw) => { raw.openebs = { hostpathClass: { basePath: "var/openebs" } }; }, "storage-backup:openebs.hostpathClass.basePath", /absolute directory path/],
    ["LVM class without a volume group", (raw) => { raw.openebs = { lvmClass: {} }; }, "storage-backup:openebs.lvmClass.volumeGroup", /missing/],
    ["restore into the PVC with snapshots", (raw) => { raw.apps = [{ name: "wiki", volumeSnapshotClass: "x", restore: { intoPvc: true } }]; }, "storage-backup:apps[0].restore.intoPvc", /needs copyMethod Direct/],
    ["restore time not RFC 3339", (raw) => { raw.apps = [app({ restore: { asOf: "yesterday" } })]; }, "storage-backup:apps[0].restore.asOf", /RFC 3339.*got "yesterday"/],
    ["workload of an unsupported kind", (raw) => { raw.apps = [app({ workload: { kind: "DaemonSet", name: "x" } })]; }, "storage-backup:apps[0].workload.kind", /Deployment.*StatefulSet/],
    ["created PVC without its class", (raw) => { raw.apps = [{ name: "wiki", volumeSnapshotClass: "x", pvc: { create: true } }]; }, "storage-backup:apps[0].pvc.storageClass", /needs its class named/],
];

describe("stack config: bad input is refused with a clear message", function () {
    it(`covers at least 25 distinct cases (${badConfigs.length})`, function () {
        assert.ok(badConfigs.length >= 25);
    });

    for (const [what, mutate, key, expected] of badConfigs) {
        it(what, function () {
            const raw = minimalRawConfig();
            mutate(raw);
            assert.throws(() => settingsFrom(raw), (error: unknown) => {
                assert.ok(error instanceof StackConfigError, `not a StackConfigError: ${error}`);
                const line = error.problems.find((problem) => problem.startsWith(`${key}:`));
                assert.ok(line, `no problem names ${key}; got:\n${error.problems.join("\n")}`);
                assert.match(line, expected);
                assert.match(error.message, /nothing was changed/);
                return true;
            });
        });
    }

    it("names each missing secret with the command that sets it", function () {
        assert.throws(() => settingsFrom(minimalRawConfig(), new Set()), (error: StackConfigError) => {
            assert.deepStrictEqual(error.problems.map((problem) => problem.split(":").slice(0, 2).join(":")), [
                "storage-backup:minioAdminUser", "storage-backup:minioAdminPassword", "storage-backup:onepasswordConnectToken"]);
            assert.ok(error.problems.every((problem) => problem.includes("pulumi config set --secret")));
            return true;
        });
    });

    it("asks for a service-account token when no Connect URL is set", function () {
        const raw = minimalRawConfig();
        delete raw.onepassword.connectUrl;
        const present = new Set([...allSecretsPresent].filter((key) => key !== "onepasswordServiceAccountToken"));
        assert.throws(() => settingsFrom(raw, present), /onepasswordServiceAccountToken: missing/);
    });

    it("reports every problem at once", function () {
        const raw = minimalRawConfig();
        raw.minio.endpoint = "bad";
        raw.velero = { schedule: { cron: "bad", ttl: "bad" } };
        assert.throws(() => settingsFrom(raw), (error: StackConfigError) => error.problems.length === 3);
    });
});
