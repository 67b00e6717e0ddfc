// The data side of day-2 operations, on an app's restic repository: list, verify, unlock, restore.
import * as fs from "fs";
import * as path from "path";
import { fileSha256, Restic, Snapshot } from "./restic";
import { Progress } from "./cluster";

/** One line per snapshot, numbered as `--previous` counts them (0 = latest). */
export function snapshotTable(snapshots: Snapshot[]): string[] {
    if (snapshots.length === 0) {
        return ["no backups yet"];
    }
    return [
        "previous  time                       id        paths",
        ...snapshots.map((snapshot, index) =>
            `${String(index).padEnd(8)}  ${new Date(snapshot.time).toISOString().padEnd(25)}  ${snapshot.short_id.padEnd(8)}  ${snapshot.paths.join(", ")}`),
    ];
}

/** Up to `count` files spread evenly over the snapshot's sorted file list. */
export function sampleFiles<T extends { path: string }>(files: T[], count: number): T[] {
    const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));
    if (sorted.length <= count) {
        return sorted;
    }
    return Array.from({ length: count }, (_, index) => sorted[Math.floor((index * sorted.length) / count)]);
}

export interface VerifyReport {
    snapshot: Snapshot;
    files: number;
    bytes: number;
}

/**
 * `restic check`, then a test restore of a sample of the latest backup into `scratch`, each file's
 * SHA-256 compared with the same file read back through `restic dump`.
 */
export async function verifyRepository(restic: Restic, scratch: string, sampleSize: number, progress: Progress): Promise<VerifyReport> {
    progress("checking repository structure (restic check)...");
    await restic.check();
    const snapshot = await restic.snapshotBack(0);
    const sample = sampleFiles(await restic.files(snapshot.id), sampleSize);
    progress(`restoring ${sample.length} sample file(s) of ${snapshot.short_id} into ${scratch}...`);
    await restic.restore(snapshot.id, scratch, sample.map((file) => file.path));
    let bytes = 0;
    for (const file of sample) {
        const restored = path.join(scratch, file.path);
        const [actual, stored] = await Promise.all([fileSha256(restored), restic.storedSha256(snapshot.id, file.path)]);
        if (actual !== stored) {
            throw new Error(`verification failed: ${file.path} restored with SHA-256 ${actual}, stored as ${stored}`);
        }
        bytes += fs.statSync(restored).size;
    }
    return { snapshot, files: sample.length, bytes };
}

/** Restores the backup `previous` snapshots before the latest into `target` (used where no cluster is). */
export async function restoreSnapshotTo(restic: Restic, previous: number, target: string, progress: Progress): Promise<Snapshot> {
    const snapshot = await restic.snapshotBack(previous);
    progress(`restoring ${snapshot.short_id} (${snapshot.time}) into ${target}...`);
    await restic.restore(snapshot.id, target);
    return snapshot;
}
