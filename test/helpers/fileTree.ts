// Checksums of a directory tree, to compare what a restore produced with what was backed up.
import * as fs from "fs";
import * as path from "path";
import { fileSha256 } from "../../ops/restic";

/** SHA-256 of every file under `root`, by relative path. */
export async function treeChecksums(root: string): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((candidate) => candidate.isFile())) {
        const full = path.join(entry.parentPath, entry.name);
        result[path.relative(root, full)] = await fileSha256(full);
    }
    return result;
}
