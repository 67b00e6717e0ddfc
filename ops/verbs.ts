// Day-2 operations as single commands, built on the stack's own config and outputs.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProtectedAppSettings, StackSettings } from "../components/config/stackConfig";
import { restoreDestinationName, restoresIntoPvc } from "../components/protectedApp";
import { ClusterOps, ObjectRef, Progress } from "./cluster";
import { restoreSnapshotTo, snapshotTable, verifyRepository } from "./repositoryOps";
import { Restic } from "./restic";
import { StackOps } from "./stackOps";

export interface OpsContext {
    settings: StackSettings;
    progress: Progress;
    restic(app: ProtectedAppSettings): Promise<Restic>;
    cluster(): ClusterOps;
    stack(): Promise<StackOps>;
    /** Seconds to wait for VolSync. */
    timeoutSeconds: number;
}

export function findApp(settings: StackSettings, name: string): ProtectedAppSettings {
    const app = settings.apps.find((candidate) => candidate.name === name);
    if (!app) {
        const known = settings.apps.map((candidate) => candidate.name).join(", ") || "none";
        throw new Error(`no protected app "${name}" in this stack (apps: ${known})`);
    }
    return app;
}

const replicationSource = (app: ProtectedAppSettings): ObjectRef =>
    ({ apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationSource", namespace: app.namespace, name: app.name });
const replicationDestination = (app: ProtectedAppSettings): ObjectRef =>
    ({ apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationDestination", namespace: app.namespace, name: restoreDestinationName(app.name) });
const workloadRef = (app: ProtectedAppSettings): ObjectRef | undefined => app.workload
    && { apiVersion: "apps/v1", kind: app.workload.kind, namespace: app.namespace, name: app.workload.name };

export const stamp = () => new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");

/** Back up now: a manual trigger on the ReplicationSource, removed again once the sync is done. */
export async function backupNow(context: OpsContext, apps: ProtectedAppSettings[]): Promise<void> {
    const cluster = context.cluster();
    const value = `backup-${stamp()}`;
    for (const app of apps) {
        context.progress(`${app.name}: starting backup ${value}`);
        await cluster.mergePatch(replicationSource(app), { spec: { trigger: { manual: value } } });
    }
    try {
        for (const app of apps) {
            await cluster.waitForManualSync(replicationSource(app), value, context.timeoutSeconds, context.progress);
            context.progress(`${app.name}: backup done`);
        }
    } finally {
        // Back to the schedule, whatever happened.
        for (const app of apps) {
            await cluster.mergePatch(replicationSource(app), { spec: { trigger: { manual: null } } });
        }
    }
}

export async function listBackups(context: OpsContext, app: ProtectedAppSettings): Promise<string[]> {
    return snapshotTable(await (await context.restic(app)).snapshots());
}

export async function verifyBackups(context: OpsContext, app: ProtectedAppSettings, sampleSize: number): Promise<string> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `verify-${app.name}-`));
    try {
        const report = await verifyRepository(await context.restic(app), scratch, sampleSize, context.progress);
        return `${app.name}: repository OK; ${report.files} file(s), ${report.bytes} bytes of ${report.snapshot.short_id} (${report.snapshot.time}) restored and checksummed`;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

export async function unlockRepository(context: OpsContext, app: ProtectedAppSettings): Promise<string> {
    await (await context.restic(app)).unlock();
    return `${app.name}: stale locks removed (locks held by running backups are kept)`;
}

/**
 * Restore the app from the backup `previous` snapshots back: scale the workload down, run the
 * ReplicationDestination through the stack config, wait, scale it back up.
 */
export async function restoreApp(context: OpsContext, app: ProtectedAppSettings, previous: number, options: { scale: boolean }): Promise<string> {
    const restic = await context.restic(app);
    const snapshot = await restic.snapshotBack(previous);
    context.progress(`${app.name}: restoring ${snapshot.short_id} from ${snapshot.time}`);
    const workload = workloadRef(app);
    if (options.scale && !workload) {
        throw new Error(`${app.name} has no workload in the stack config (apps[].workload), so it cannot be scaled down for the restore; set it, or pass --no-scale if nothing writes to the volume`);
    }
    const cluster = context.cluster();
    const replicas = options.scale && workload ? await cluster.scale(workload, 0) : undefined;
    if (workload && replicas !== undefined) {
        context.progress(`${app.name}: scaled ${workload.kind} ${workload.name} from ${replicas} to 0`);
    }
    const trigger = `restore-${stamp()}`;
    const intoPvc = app.copyMethod === "Direct";
    const stack = await context.stack();
    await stack.applyRestoreSettings(context.settings, app.name, { trigger, previous, ...(intoPvc ? { intoPvc: true } : {}) },
        (line) => context.progress(`  pulumi: ${line.trimEnd()}`));
    await cluster.waitForManualSync(replicationDestination(app), trigger, context.timeoutSeconds, context.progress);
    if (workload && replicas !== undefined) {
        await cluster.scale(workload, replicas);
        context.progress(`${app.name}: scaled ${workload.kind} ${workload.name} back to ${replicas}`);
    }
    return restoresIntoPvc({ ...app, restore: { ...app.restore, intoPvc } })
        ? `${app.name}: restored ${snapshot.short_id} into PVC ${app.pvc.name}`
        : `${app.name}: restored ${snapshot.short_id} into a new VolumeSnapshot (see status.latestImage of ${restoreDestinationName(app.name)}); recreate the PVC from it`;
}

/** Break-glass: the backup's files into a local directory, with no cluster involved. */
export async function extractBackup(context: OpsContext, app: ProtectedAppSettings, previous: number, target: string): Promise<string> {
    if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
        throw new Error(`${target} is not empty; choose an empty or new directory (nothing is overwritten)`);
    }
    const snapshot = await restoreSnapshotTo(await context.restic(app), previous, target, context.progress);
    return `${app.name}: ${snapshot.short_id} (${snapshot.time}) extracted into ${target}`;
}
