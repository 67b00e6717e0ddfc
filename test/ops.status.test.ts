// `ops status` judgement and table, on fixed times: overdue against the cron schedule at its boundary,
// failing runs, locks, pauses, unreachable parts, and what makes the command exit non-zero.
import * as assert from "assert";
import { ProtectedAppSettings } from "../components/config/stackConfig";
import { Snapshot } from "../ops/restic";
import { assessApp, formatAge, formatBytes, needsAttention, RepositoryState, SourceState, statusTable } from "../ops/status";
import { settingsFrom, minimalRawConfig } from "./helpers/settings";

const now = new Date("2026-11-30T08:30:00Z");

function appWith(schedule: string): ProtectedAppSettings {
    const raw = minimalRawConfig();
    raw.apps = [{ name: "demo", copyMethod: "Direct", schedule }];
    return settingsFrom(raw).apps[0];
}

const hourly = appWith("0 * * * *");
const snapshot = (time: string, id: string): Snapshot => ({ id: `${id}0000`, short_id: id, time, paths: ["/data"] });
const repository: RepositoryState = { snapshots: [snapshot("2026-11-30T08:05:00Z", "aaaa1111"), snapshot("2026-11-30T07:05:00Z", "bbbb2222")], storedBytes: 3 * 1024 * 1024, locks: 0 };
const synced = (lastSyncTime: string, extra: Partial<SourceState> = {}): SourceState =>
    ({ paused: false, createdAt: "2026-11-01T00:00:00Z", lastSyncTime, nextSyncTime: "2026-11-30T09:00:00Z", moverResult: "Successful", ...extra });
const kinds = (source: SourceState | Error, repo: RepositoryState | Error = repository, app = hourly) =>
    assessApp(app, source, repo, now).problems.map((problem) => `${problem.kind}${problem.alert ? ` ${problem.alert}` : ""}`);

describe("ops status: judging an app", function () {
    it("a recent backup is fine: age, next due, snapshots, newest, size, not locked", function () {
        const status = assessApp(hourly, synced("2026-11-30T08:05:00Z"), repository, now);
        assert.deepStrictEqual(status, {
            app: "demo", namespace: "demo", schedule: "0 * * * *", paused: false,
            lastBackup: "2026-11-30T08:05:00Z", lastBackupAgeSeconds: 25 * 60, nextDue: "2026-11-30T09:00:00Z",
            snapshots: 2, newestSnapshot: { id: "aaaa1111", time: "2026-11-30T08:05:00Z" }, repositoryBytes: 3 * 1024 * 1024, locked: false,
            problems: [],
        });
        assert.strictEqual(needsAttention(status), false);
    });

    it("overdue exactly when the run scheduled before the latest one has not completed (hourly: 07:00 at 08:30)", function () {
        assert.deepStrictEqual(kinds(synced("2026-11-30T07:00:00Z")), []);
        assert.deepStrictEqual(kinds(synced("2026-11-30T06:59:59Z")), ["overdue VolSyncBackupOverdue"]);
        assert.ok(needsAttention(assessApp(hourly, synced("2026-11-30T06:59:59Z"), repository, now)));
    });

    it("a daily schedule allows a day: 02:00 yesterday is the boundary at 08:30", function () {
        const daily = appWith("0 2 * * *");
        assert.deepStrictEqual(kinds(synced("2026-11-29T02:30:00Z"), repository, daily), []);
        assert.deepStrictEqual(kinds(synced("2026-11-29T01:59:00Z"), repository, daily), ["overdue VolSyncBackupOverdue"]);
    });

    it("never backed up: overdue once a scheduled run should have finished, pending before that; next due from the schedule", function () {
        const never = (createdAt: string): SourceState => ({ paused: false, createdAt });
        assert.deepStrictEqual(kinds(never("2026-11-30T06:00:00Z")), ["overdue VolSyncBackupOverdue"]);
        assert.deepStrictEqual(kinds(never("2026-11-30T07:30:00Z")), []);
        assert.strictEqual(assessApp(hourly, never("2026-11-30T07:30:00Z"), repository, now).nextDue, "2026-11-30T09:00:00.000Z");
    });

    it("a failed run is failing (the condition VolSyncVolumeOutOfSync pages on), with VolSync's message", function () {
        const failed = synced("2026-11-30T08:05:00Z", { moverResult: "Failed", synchronizing: { status: "False", reason: "Error", message: "repository is already locked" } });
        const [problem] = assessApp(hourly, failed, repository, now).problems;
        assert.deepStrictEqual(problem, { kind: "failing", alert: "VolSyncVolumeOutOfSync", detail: "the last backup run failed: repository is already locked" });
    });

    it("paused: marked, never overdue, does not fail the command", function () {
        const status = assessApp(hourly, synced("2026-11-29T00:00:00Z", { paused: true }), repository, now);
        assert.deepStrictEqual(status.problems.map((problem) => problem.kind), ["paused"]);
        assert.strictEqual(status.paused, true);
        assert.strictEqual(needsAttention(status), false);
    });

    it("a locked repository is marked but does not fail the command (a running backup holds a lock too)", function () {
        const status = assessApp(hourly, synced("2026-11-30T08:05:00Z"), { ...repository, locks: 1 }, now);
        assert.strictEqual(status.locked, true);
        assert.deepStrictEqual(status.problems.map((problem) => problem.kind), ["locked"]);
        assert.strictEqual(needsAttention(status), false);
    });

    it("an unreadable ReplicationSource or repository is failing, and the other part is still shown", function () {
        const noSource = assessApp(hourly, new Error("ReplicationSource demo/demo does not exist"), repository, now);
        assert.deepStrictEqual(noSource.problems, [{ kind: "failing", detail: "ReplicationSource: ReplicationSource demo/demo does not exist" }]);
        assert.strictEqual(noSource.snapshots, 2);
        const noRepository = assessApp(hourly, synced("2026-11-30T08:05:00Z"), new Error("listing snapshots failed (restic exit 1): wrong password"), now);
        assert.deepStrictEqual(noRepository.problems.map((problem) => problem.kind), ["failing"]);
        assert.strictEqual(noRepository.lastBackup, "2026-11-30T08:05:00Z");
        assert.ok(needsAttention(noRepository));
    });
});

describe("ops status: the table", function () {
    it("one aligned row per app, problems spelt out with their alert", function () {
        const table = statusTable([
            assessApp(hourly, synced("2026-11-30T08:05:00Z"), repository, now),
            { ...assessApp(hourly, synced("2026-11-30T05:00:00Z"), { ...repository, locks: 2 }, now), app: "wiki" },
        ]);
        assert.strictEqual(table.length, 3);
        assert.match(table[0], /^APP\s+LAST BACKUP\s+AGE\s+SCHEDULE\s+NEXT DUE\s+SNAPSHOTS\s+NEWEST SNAPSHOT\s+SIZE\s+LOCKED\s+PAUSED\s+STATE$/);
        assert.match(table[1], /^demo\s+2026-11-30 08:05Z\s+25m\s+0 \* \* \* \*\s+2026-11-30 09:00Z\s+2\s+aaaa1111 2026-11-30 08:05Z\s+3\.0 MiB\s+no\s+no\s+ok$/);
        assert.match(table[2], /^wiki\s+.*\s+3h30m\s+.*LOCKED\s+no\s+OVERDUE \(VolSyncBackupOverdue\): last backup before the run scheduled at 2026-11-30T07:00:00.000Z; LOCKED: 2 lock\(s\)/);
        assert.strictEqual(table[0].indexOf("STATE"), table[1].indexOf("ok"));
    });

    it("ages and sizes read plainly", function () {
        assert.deepStrictEqual([formatAge(59), formatAge(3 * 3600 + 5 * 60), formatAge(2 * 86400 + 3 * 3600)], ["0m", "3h5m", "2d3h"]);
        assert.deepStrictEqual([formatBytes(0), formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)], ["0 B", "512 B", "1.5 KiB", "5.0 GiB"]);
    });
});
