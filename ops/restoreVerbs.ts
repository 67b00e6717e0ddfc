// Restores that leave the live data alone: an app's backup into a PVC next to the live one (VolSync), and a
// namespace from Velero's backups. Both create what they need, wait for the controller, and report.
import * as path from "path";
import { ProtectedAppSettings, StackSettings, defaultSideCopyPvc } from "../components/config/stackConfig";
import { sideRestoreDestinationName } from "../components/protectedApp";
import { ObjectRef } from "./cluster";
import { Restic, fileSha256 } from "./restic";
import { OpsContext, stamp } from "./verbs";

/**
 * Restores the backup `previous` snapshots back into the app's side-by-side PVC (`restore.sideBySide.pvc`,
 * by default `<pvc>-restore`): sets the switch in the stack config, applies only the copy's PVC and
 * ReplicationDestination, waits for VolSync and returns the PVC's name. The live PVC is not touched.
 */
export async function restoreSideBySide(context: OpsContext, app: ProtectedAppSettings, previous: number): Promise<string> {
    const snapshot = await (await context.restic(app)).snapshotBack(previous);
    const pvc = app.restore.sideBySide?.pvc ?? defaultSideCopyPvc(app.pvc.name);
    context.progress(`${app.name}: restoring ${snapshot.short_id} (${snapshot.time}) into PVC ${app.namespace}/${pvc}, next to ${app.pvc.name}`);
    const trigger = `side-${stamp()}`;
    const stack = await context.stack();
    await stack.applySideBySideSettings(context.settings, app.name, { trigger, previous }, (line) => context.progress(`  pulumi: ${line.trimEnd()}`));
    const destination: ObjectRef = {
        apiVersion: "volsync.backube/v1alpha1", kind: "ReplicationDestination", namespace: app.namespace, name: sideRestoreDestinationName(app.name),
    };
    await context.cluster().waitForManualSync(destination, trigger, context.timeoutSeconds, context.progress);
    context.progress(`${app.name}: ${snapshot.short_id} restored into ${app.namespace}/${pvc}; compare it with \`ops verify ${app.name} --against <where it is mounted>${previous ? ` --previous ${previous}` : ""}\``);
    return pvc;
}

export interface CopyComparison {
    files: number;
    bytes: number;
    /** Files of the backup that differ from the copy or are missing from it. */
    problems: string[];
}

/**
 * Every file of the snapshot compared with the same file in `directory` (a restored copy, such as the
 * side-by-side PVC mounted somewhere): SHA-256 of the copy against the repository's (`restic dump`).
 * The snapshot's own root (VolSync backs a volume up as `/data`) maps to the directory's root.
 */
export async function compareWithCopy(restic: Restic, snapshotId: string, roots: string[], directory: string): Promise<CopyComparison> {
    const root = roots.length === 1 ? roots[0] : "/";
    const comparison: CopyComparison = { files: 0, bytes: 0, problems: [] };
    for (const file of await restic.files(snapshotId)) {
        const copy = path.join(directory, path.relative(root, file.path));
        const [actual, stored] = await Promise.all([fileSha256(copy).catch(() => undefined), restic.storedSha256(snapshotId, file.path)]);
        if (actual === undefined) {
            comparison.problems.push(`${file.path}: missing from ${directory}`);
        } else if (actual !== stored) {
            comparison.problems.push(`${file.path}: SHA-256 ${actual} in the copy, ${stored} in the backup`);
        } else {
            comparison.files += 1;
            comparison.bytes += file.size;
        }
    }
    return comparison;
}

/** Velero's terminal restore phases; anything else is still running. */
const finishedRestorePhases = new Set(["Completed", "PartiallyFailed", "Failed", "FailedValidation"]);
const velero = "velero.io/v1";
/** Velero labels each backup a schedule makes with the schedule's name. */
export const scheduleLabel = "velero.io/schedule-name";

const completedAt = (backup: any) => Date.parse(backup.status?.completionTimestamp ?? backup.metadata?.creationTimestamp ?? 0);

/** The backup to restore from: the named one, or the newest completed backup of the stack's schedule. */
async function chooseBackup(context: OpsContext, settings: StackSettings["velero"], name?: string): Promise<any> {
    const cluster = context.cluster();
    if (name) {
        const backup = await cluster.read({ apiVersion: velero, kind: "Backup", namespace: settings.namespace, name });
        if (!["Completed", "PartiallyFailed"].includes(backup.status?.phase)) {
            throw new Error(`Velero backup ${name} is ${backup.status?.phase ?? "not finished"}; only a Completed (or PartiallyFailed) backup can be restored`);
        }
        return backup;
    }
    const backups = (await cluster.list(velero, "Backup", settings.namespace, `${scheduleLabel}=${settings.schedule.name}`))
        .sort((a, b) => completedAt(b) - completedAt(a));
    const completed = backups.find((backup) => backup.status?.phase === "Completed");
    if (completed) {
        return completed;
    }
    const none = `schedule ${settings.schedule.name} has no completed Velero backup in namespace ${settings.namespace}`;
    const unsuccessful = backups.filter((backup) => unsuccessfulBackupPhases.has(backup.status?.phase));
    if (unsuccessful.length === 0) {
        throw new Error(`${none}; name one with --backup`);
    }
    // Choosing between them is the operator's call: say what each holds and how to look closer.
    throw new Error([
        `${none}, only these (newest first):`,
        ...unsuccessful.map((backup) => `  ${backupSummary(backup)}`),
        "A PartiallyFailed backup holds everything Velero could back up: `velero backup describe <name> --details` lists what failed;"
        + " restore from one with --backup <name>. Failed backups cannot be restored.",
    ].join("\n"));
}

/** Finished, but not Completed: what `ops velero-restore` lists when a schedule has nothing better. */
const unsuccessfulBackupPhases = new Set(["PartiallyFailed", "Failed", "FailedValidation"]);

function backupSummary(backup: any): string {
    const status = backup.status ?? {};
    const counts = status.phase === "FailedValidation"
        ? `validation: ${(status.validationErrors ?? []).join("; ")}` : `${status.errors ?? 0} error(s), ${status.warnings ?? 0} warning(s)`;
    return `${backup.metadata.name}: ${status.phase}, ${counts}, ${status.completionTimestamp ?? backup.metadata.creationTimestamp ?? "time unknown"}`;
}

export interface VeleroRestoreOptions {
    /** A named backup instead of the schedule's newest completed one. */
    backup?: string;
    /** Restore into this namespace instead of the original (Velero's namespaceMapping). */
    into?: string;
}

/**
 * Creates a `velero.io/v1` Restore of one namespace, waits until Velero reports a final phase, and returns
 * a report. Existing objects are left as they are (Velero's default `existingResourcePolicy: none`).
 */
export async function veleroRestore(context: OpsContext, namespace: string, options: VeleroRestoreOptions): Promise<string[]> {
    const settings = context.settings.velero;
    for (const [what, value] of [["namespace", namespace], ["--into", options.into]] as const) {
        if (value !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
            throw new Error(`${what}: expected a Kubernetes namespace name (lowercase letters, digits, '-') (got "${value}")`);
        }
    }
    if (!options.backup && !settings.schedule.includedNamespaces.includes(namespace)) {
        throw new Error(`namespace ${namespace} is not in velero.schedule.includedNamespaces (${settings.schedule.includedNamespaces.join(", ")}), so the schedule's backups do not hold it; name a backup that does with --backup`);
    }
    const backup = await chooseBackup(context, settings, options.backup);
    const cluster = context.cluster();
    // The API server completes the name, so two restores started in the same second do not collide.
    const created = await cluster.create({
        apiVersion: velero, kind: "Restore", metadata: { generateName: `${namespace}-${stamp().toLowerCase()}-`, namespace: settings.namespace },
        spec: {
            backupName: backup.metadata.name,
            includedNamespaces: [namespace],
            ...(options.into ? { namespaceMapping: { [namespace]: options.into } } : {}),
            // Volumes come back too: file-system backups (node agent) and snapshots alike.
            restorePVs: true,
            existingResourcePolicy: "none",
        },
    });
    const name: string = created.metadata.name;
    const ref: ObjectRef = { apiVersion: velero, kind: "Restore", namespace: settings.namespace, name };
    context.progress(`restoring namespace ${namespace}${options.into ? ` into ${options.into}` : ""} from Velero backup ${backup.metadata.name} (${backup.status?.completionTimestamp ?? "time unknown"}) as Restore ${name}`);
    const restore = await cluster.waitFor(ref, (object) => finishedRestorePhases.has(object.status?.phase), context.timeoutSeconds, context.progress,
        (object) => `phase ${object.status?.phase ?? "New"}`);
    const status = restore.status ?? {};
    const report = [
        `Restore ${settings.namespace}/${name}: ${status.phase}`,
        `  backup ${backup.metadata.name}, namespace ${namespace}${options.into ? ` -> ${options.into}` : ""}`,
        `  warnings ${status.warnings ?? 0}, errors ${status.errors ?? 0}${status.failureReason ? `, reason: ${status.failureReason}` : ""}`,
    ];
    if (status.phase !== "Completed") {
        throw new Error(`${report.join("\n")}\nsee \`velero restore describe ${name} --details\` and \`velero restore logs ${name}\``);
    }
    return report;
}

/** `ops verify --against DIR`: the whole backup `previous` snapshots back compared file by file with a copy. */
export async function verifyCopy(context: OpsContext, app: ProtectedAppSettings, directory: string, previous: number): Promise<string> {
    const restic = await context.restic(app);
    const snapshot = await restic.snapshotBack(previous);
    context.progress(`comparing every file of ${snapshot.short_id} (${snapshot.time}) with ${directory}...`);
    const comparison = await compareWithCopy(restic, snapshot.id, snapshot.paths, directory);
    if (comparison.problems.length > 0) {
        throw new Error(`${directory} does not match ${snapshot.short_id}:\n  ${comparison.problems.join("\n  ")}`);
    }
    return `${app.name}: ${directory} matches ${snapshot.short_id} (${snapshot.time}): ${comparison.files} file(s), ${comparison.bytes} bytes, every SHA-256 equal`;
}
