// `ops status`: one row per protected app, from the ReplicationSource's status (what VolSync reports) and
// the app's restic repository (what is really stored). A row is marked with the alert that the same
// condition raises in Prometheus, so the table and the pager agree; overdue or failing apps make the
// command exit non-zero.
import { CronExpressionParser } from "cron-parser";
import { ProtectedAppSettings } from "../components/config/stackConfig";
import { ObjectRef } from "./cluster";
import { Snapshot } from "./restic";
import { OpsContext } from "./verbs";

/** The parts of a ReplicationSource that status reads. */
export interface SourceState {
    paused: boolean;
    createdAt?: string;
    lastSyncTime?: string;
    nextSyncTime?: string;
    moverResult?: string;
    /** The `Synchronizing` condition: VolSync sets reason Error with the failure as message. */
    synchronizing?: { status: string; reason?: string; message?: string };
}

export interface RepositoryState {
    snapshots: Snapshot[];
    storedBytes: number;
    locks: number;
}

export type ProblemKind = "overdue" | "failing" | "locked" | "paused";

export interface Problem {
    kind: ProblemKind;
    /** The alert that fires on the same condition, if one does. */
    alert?: string;
    detail: string;
}

export interface AppStatus {
    app: string;
    namespace: string;
    schedule: string;
    paused: boolean;
    lastBackup?: string;
    lastBackupAgeSeconds?: number;
    nextDue?: string;
    snapshots?: number;
    newestSnapshot?: { id: string; time: string };
    repositoryBytes?: number;
    locked?: boolean;
    problems: Problem[];
}

/** Problems that make `ops status` exit non-zero. */
const blocking: ProblemKind[] = ["overdue", "failing"];

export const needsAttention = (status: AppStatus) => status.problems.some((problem) => blocking.includes(problem.kind));

/** Scheduled starts of `schedule` (UTC, as VolSync's controller runs it): the last two before `now` and the next. */
function scheduledStarts(schedule: string, now: Date): { previous: Date; beforePrevious: Date; next: Date } {
    const back = CronExpressionParser.parse(schedule, { currentDate: now, tz: "UTC" });
    const previous = back.prev().toDate();
    const beforePrevious = back.prev().toDate();
    const next = CronExpressionParser.parse(schedule, { currentDate: now, tz: "UTC" }).next().toDate();
    return { previous, beforePrevious, next };
}

/**
 * Judges one app. A backup is overdue when the sync that started at the scheduled time before the latest
 * one has not completed by now (VolSync counts such a missed interval, which fires VolSyncBackupOverdue).
 */
export function assessApp(app: ProtectedAppSettings, source: SourceState | Error, repository: RepositoryState | Error, now: Date): AppStatus {
    const problems: Problem[] = [];
    const status: AppStatus = { app: app.name, namespace: app.namespace, schedule: app.schedule, paused: app.paused, problems };
    const starts = scheduledStarts(app.schedule, now);

    if (source instanceof Error) {
        problems.push({ kind: "failing", detail: `ReplicationSource: ${source.message}` });
    } else {
        status.paused = source.paused;
        status.lastBackup = source.lastSyncTime;
        status.nextDue = source.nextSyncTime ?? starts.next.toISOString();
        if (source.lastSyncTime) {
            status.lastBackupAgeSeconds = Math.round((now.getTime() - Date.parse(source.lastSyncTime)) / 1000);
        }
        if (source.paused) {
            problems.push({ kind: "paused", detail: "backups are paused (apps[].paused)" });
        } else if (source.lastSyncTime ? Date.parse(source.lastSyncTime) < starts.beforePrevious.getTime()
            : source.createdAt !== undefined && Date.parse(source.createdAt) < starts.beforePrevious.getTime()) {
            problems.push({
                kind: "overdue", alert: "VolSyncBackupOverdue",
                detail: `${source.lastSyncTime ? "last backup" : "no backup yet;"} before the run scheduled at ${starts.beforePrevious.toISOString()}`,
            });
        }
        if (source.synchronizing?.reason === "Error" || source.moverResult === "Failed") {
            problems.push({
                kind: "failing", alert: "VolSyncVolumeOutOfSync",
                detail: `the last backup run failed${source.synchronizing?.message ? `: ${source.synchronizing.message}` : ""}`,
            });
        }
    }

    if (repository instanceof Error) {
        problems.push({ kind: "failing", detail: `repository: ${repository.message}` });
    } else {
        const [newest] = repository.snapshots;
        status.snapshots = repository.snapshots.length;
        status.newestSnapshot = newest && { id: newest.short_id, time: newest.time };
        status.repositoryBytes = repository.storedBytes;
        status.locked = repository.locks > 0;
        if (status.locked) {
            problems.push({ kind: "locked", detail: `${repository.locks} lock(s): a running backup, or stale ones (\`ops unlock ${app.name}\`)` });
        }
    }
    return status;
}

export function formatAge(seconds: number): string {
    const minutes = Math.floor(seconds / 60);
    const [days, hours] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60)];
    return days > 0 ? `${days}d${hours}h` : hours > 0 ? `${hours}h${minutes % 60}m` : `${minutes}m`;
}

export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    const power = Math.min(units.length - 1, bytes > 0 ? Math.floor(Math.log2(bytes) / 10) : 0);
    return power === 0 ? `${bytes} B` : `${(bytes / 2 ** (10 * power)).toFixed(1)} ${units[power]}`;
}

const minute = (time?: string) => (time ? `${new Date(time).toISOString().slice(0, 16).replace("T", " ")}Z` : "-");

/** The plain-text table: one row per app, problems spelt out in the last column. */
export function statusTable(statuses: AppStatus[]): string[] {
    const header = ["APP", "LAST BACKUP", "AGE", "SCHEDULE", "NEXT DUE", "SNAPSHOTS", "NEWEST SNAPSHOT", "SIZE", "LOCKED", "PAUSED", "STATE"];
    const rows = statuses.map((status) => [
        status.app,
        minute(status.lastBackup),
        status.lastBackupAgeSeconds === undefined ? "-" : formatAge(status.lastBackupAgeSeconds),
        status.schedule,
        minute(status.nextDue),
        status.snapshots === undefined ? "?" : String(status.snapshots),
        status.newestSnapshot ? `${status.newestSnapshot.id} ${minute(status.newestSnapshot.time)}` : "-",
        status.repositoryBytes === undefined ? "?" : formatBytes(status.repositoryBytes),
        status.locked === undefined ? "?" : status.locked ? "LOCKED" : "no",
        status.paused ? "PAUSED" : "no",
        status.problems.length === 0 ? "ok" : status.problems.map((problem) =>
            `${problem.kind.toUpperCase()}${problem.alert ? ` (${problem.alert})` : ""}: ${problem.detail}`).join("; "),
    ]);
    const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
    return [header, ...rows].map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  "));
}

const replicationSource = (app: ProtectedAppSettings): ObjectRef =>
    ({ apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationSource", namespace: app.namespace, name: app.name });

async function sourceState(context: OpsContext, app: ProtectedAppSettings): Promise<SourceState> {
    const object = await context.cluster().read(replicationSource(app));
    const synchronizing = (object.status?.conditions ?? []).find((condition: { type: string }) => condition.type === "Synchronizing");
    return {
        paused: object.spec?.paused === true,
        createdAt: object.metadata?.creationTimestamp,
        lastSyncTime: object.status?.lastSyncTime,
        nextSyncTime: object.status?.nextSyncTime,
        moverResult: object.status?.latestMoverStatus?.result,
        synchronizing: synchronizing && { status: synchronizing.status, reason: synchronizing.reason, message: synchronizing.message },
    };
}

async function repositoryState(context: OpsContext, app: ProtectedAppSettings): Promise<RepositoryState> {
    const restic = await context.restic(app);
    const [snapshots, storedBytes, locks] = await Promise.all([restic.snapshots(true), restic.storedBytes(), restic.lockIds()]);
    return { snapshots, storedBytes, locks: locks.length };
}

const orError = <T>(promise: Promise<T>): Promise<T | Error> => promise.catch((error: Error) => error);

/** Every protected app's status, each read on its own (one unreachable repository does not hide the
 * others), one app at a time so that a stack of many apps does not start restic for all of them at once. */
async function appStatuses(context: OpsContext): Promise<AppStatus[]> {
    const now = new Date();
    const statuses: AppStatus[] = [];
    for (const app of context.settings.apps) {
        context.progress(`${app.name}: reading the ReplicationSource and the repository...`);
        const [source, repository] = await Promise.all([orError(sourceState(context, app)), orError(repositoryState(context, app))]);
        statuses.push(assessApp(app, source, repository, now));
    }
    return statuses;
}

/** What `ops status` prints (the table, or JSON with `--json`) and whether every app is fine. */
export async function statusReport(context: OpsContext, json: boolean): Promise<{ output: string[]; ok: boolean }> {
    const apps = await appStatuses(context);
    const ok = !apps.some(needsAttention);
    if (json) {
        return { output: [JSON.stringify({ ok, apps }, null, 2)], ok };
    }
    return { output: apps.length === 0 ? ["no protected apps in this stack"] : statusTable(apps), ok };
}
