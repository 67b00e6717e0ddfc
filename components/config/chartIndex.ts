// A Helm repository's index (index.yaml): which archive holds a chart version and the sha256 digest that
// archive must have. The program's folder mirror (`charts.mirror`) and the tests' and sandbox's chart
// fetching share it, so every archive anyone renders is checked against its repository's index the same way.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface IndexEntry {
    name: string;
    version: string;
    digest?: string;
    urls: string[];
    [field: string]: unknown;
}

export interface RepositoryIndex {
    apiVersion?: string;
    entries: Record<string, IndexEntry[]>;
    [field: string]: unknown;
}

/** The index in `text`; `where` (a file or URL) names it in the error when it is not an index. */
export function parseRepositoryIndex(text: string, where: string): RepositoryIndex {
    let index: unknown;
    try {
        index = parse(text);
    } catch (error) {
        throw new Error(`${where} is not valid YAML (${(error as Error).message.split("\n")[0]})`);
    }
    if (typeof index !== "object" || index === null || typeof (index as RepositoryIndex).entries !== "object") {
        throw new Error(`${where} is not a Helm repository index (it has no entries)`);
    }
    return index as RepositoryIndex;
}

export function findEntry(index: RepositoryIndex, chart: string, version: string): IndexEntry | undefined {
    return (index.entries[chart] ?? []).find((entry) => entry.version === version);
}

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** Why an archive's bytes are not the ones its index entry promises, or undefined when they are. */
export function digestProblem(entry: IndexEntry, data: Buffer, archive: string): string | undefined {
    if (!entry.digest) {
        return `its index entry has no digest, so ${archive} cannot be checked (refused)`;
    }
    const found = sha256(data);
    return found === entry.digest ? undefined
        : `${archive} does not match its index: expected digest sha256:${entry.digest}, found sha256:${found} (refused)`;
}

/** A chart version that could be obtained from none of the places looked in. */
export class ChartUnavailableError extends Error {
    constructor(readonly chart: string, readonly version: string, readonly attempts: string[]) {
        super(`chart ${chart} ${version} is not available; looked in:\n${attempts.map((attempt) => `  - ${attempt}`).join("\n")}`);
        this.name = "ChartUnavailableError";
    }
}

export type FolderLookup = { archive: string; entry: IndexEntry } | { problem: string };

/**
 * The archive of `chart` at `version` in a repository folder (index.yaml beside its archives), checked
 * against the index's digest. A problem says what was wrong there, prefixed with the folder.
 */
export function lookUpInFolder(folder: string, chart: string, version: string): FolderLookup {
    const indexFile = path.join(folder, "index.yaml");
    const problem = (reason: string) => ({ problem: `${folder}: ${reason}` });
    if (!fs.existsSync(indexFile)) {
        return problem(fs.existsSync(folder) ? "no index.yaml" : "no such folder");
    }
    let entry: IndexEntry | undefined;
    try {
        entry = findEntry(parseRepositoryIndex(fs.readFileSync(indexFile, "utf8"), indexFile), chart, version);
    } catch (error) {
        return problem((error as Error).message);
    }
    if (!entry) {
        return problem(`index.yaml has no entry for ${chart} ${version}`);
    }
    const url = entry.urls?.[0] ?? "";
    // A folder mirror must hold its archives: an absolute URL would mean a download behind the user's back.
    if (!url || /^[a-z][\w+.-]*:/i.test(url) || path.isAbsolute(url)) {
        return problem(`index.yaml lists ${chart} ${version} at "${url}", expected a file name relative to the folder`);
    }
    const archive = path.join(folder, url);
    if (!fs.existsSync(archive)) {
        return problem(`index.yaml lists ${url}, which is missing`);
    }
    const mismatch = digestProblem(entry, fs.readFileSync(archive), archive);
    return mismatch ? problem(mismatch.replace(`${archive} `, `${url} `)) : { archive, entry };
}
