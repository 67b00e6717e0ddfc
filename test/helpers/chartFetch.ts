// Gets every pinned chart the way Helm does: through its repository's index.yaml, with the archive checked
// against the index's digest. From a mirror folder when one is configured or present (`../shared/helm-repo`
// beside the clone is the default), otherwise downloaded from the pinned repository URL (or the URL
// CHART_MIRROR names). What was obtained lands in one local repository folder under the project's cache
// (index.yaml + archives): the tests render from it and the sandbox serves it to the stack.
//
//   CHART_MIRROR  a folder or a repository URL; `none` for no mirror folder (default: ../shared/helm-repo if present)
//   CHART_CACHE   the cache folder (default: .cache/charts in the project)
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { ChartSource } from "../../components/config/chartSources";
import {
    ChartUnavailableError, digestProblem, findEntry, IndexEntry, lookUpInFolder, parseRepositoryIndex, RepositoryIndex,
} from "../../components/config/chartIndex";

const projectRoot = path.resolve(__dirname, "..", "..");
const defaultMirrorFolder = path.resolve(projectRoot, "..", "shared", "helm-repo");

export interface ChartFetchOptions {
    /** A repository folder to take archives from first. */
    mirrorFolder?: string;
    /** A repository URL that replaces every chart's pinned `repo` (a mirror, or a loopback "upstream" in tests). */
    repositoryUrl?: string;
    cacheDir: string;
    /** Progress lines (where each chart came from). */
    log?: (line: string) => void;
}

/** The options CHART_MIRROR and CHART_CACHE give. */
export function chartFetchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ChartFetchOptions {
    const mirror = env.CHART_MIRROR;
    const cacheDir = path.resolve(env.CHART_CACHE || path.join(projectRoot, ".cache", "charts"));
    if (mirror && /^https?:\/\//.test(mirror)) {
        return { repositoryUrl: mirror, cacheDir };
    }
    if (mirror === "none") {
        return { cacheDir };
    }
    const mirrorFolder = mirror ? path.resolve(mirror) : fs.existsSync(defaultMirrorFolder) ? defaultMirrorFolder : undefined;
    return { mirrorFolder, cacheDir };
}

/** The local repository folder (index.yaml + archives) that fetched charts land in. */
export const fetchedRepository = (cacheDir: string) => path.join(cacheDir, "repository");

/** Writes a file in one step: a reader never sees half an archive or index. */
function writeAtomically(file: string, data: Buffer | string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, data);
    fs.renameSync(partial, file);
}

async function download(url: string): Promise<Buffer> {
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    return Buffer.from(await response.arrayBuffer());
}

/** A folder name for a repository URL in the download cache. */
const cacheKey = (url: string) => url.replace(/^[a-z]+:\/\//, "").replace(/[^\w.-]+/g, "_").replace(/_+$/, "");

/** The archive from the repository at `repositoryUrl`, through its index; a problem line when it cannot be had. */
async function downloadArchive(repositoryUrl: string, chart: string, version: string, cacheDir: string):
    Promise<{ data: Buffer; entry: IndexEntry } | { problem: string }> {
    const base = repositoryUrl.endsWith("/") ? repositoryUrl : `${repositoryUrl}/`;
    const indexUrl = new URL("index.yaml", base).toString();
    let index: RepositoryIndex;
    try {
        const text = (await download(indexUrl)).toString("utf8");
        index = parseRepositoryIndex(text, indexUrl);
        writeAtomically(path.join(cacheDir, "downloads", cacheKey(base), "index.yaml"), text);
    } catch (error) {
        return { problem: `${indexUrl}: ${(error as Error).message}` };
    }
    const entry = findEntry(index, chart, version);
    if (!entry?.urls?.[0]) {
        return { problem: `${indexUrl}: no entry for ${chart} ${version}` };
    }
    const archiveUrl = new URL(entry.urls[0], base).toString();
    let data: Buffer;
    try {
        data = await download(archiveUrl);
    } catch (error) {
        return { problem: `${archiveUrl}: ${(error as Error).message}` };
    }
    const mismatch = digestProblem(entry, data, archiveUrl);
    return mismatch ? { problem: mismatch } : { data, entry };
}

/** Adds entries to the local repository's index (one entry per chart version, pointing at the file beside it). */
function recordInIndex(repository: string, added: IndexEntry[]): void {
    const indexFile = path.join(repository, "index.yaml");
    const index: RepositoryIndex = fs.existsSync(indexFile)
        ? parseRepositoryIndex(fs.readFileSync(indexFile, "utf8"), indexFile) : { apiVersion: "v1", entries: {} };
    for (const entry of added) {
        const others = (index.entries[entry.name] ?? []).filter((candidate) => candidate.version !== entry.version);
        index.entries[entry.name] = [...others, entry];
    }
    writeAtomically(indexFile, stringify({ ...index, generated: new Date().toISOString() }));
}

/**
 * Makes every chart in `charts` available in the local repository folder and returns that folder. A chart
 * already there (and matching its digest) is not fetched again. Fails with every place looked in, and the
 * expected and found digests, for a chart that no place could supply intact.
 */
export async function fetchCharts(charts: ChartSource[], options: ChartFetchOptions): Promise<string> {
    const repository = fetchedRepository(options.cacheDir);
    const added: IndexEntry[] = [];
    const failures: ChartUnavailableError[] = [];
    for (const { chart, version, repo } of charts) {
        if (!version) {
            throw new Error(`chart ${chart} has no exact version: only pinned charts can be fetched`);
        }
        const cached = lookUpInFolder(repository, chart, version);
        if ("archive" in cached) {
            continue;
        }
        const attempts = [`cache ${cached.problem}`];
        const keep = (data: Buffer, entry: IndexEntry, from: string) => {
            const file = `${chart}-${version}.tgz`;
            writeAtomically(path.join(repository, file), data);
            added.push({ ...entry, urls: [file] });
            options.log?.(`charts: ${chart} ${version} from ${from} (digest sha256:${entry.digest} checked)`);
        };
        if (options.mirrorFolder) {
            const mirrored = lookUpInFolder(options.mirrorFolder, chart, version);
            if ("archive" in mirrored) {
                keep(fs.readFileSync(mirrored.archive), mirrored.entry, options.mirrorFolder);
                continue;
            }
            attempts.push(`mirror ${mirrored.problem}`);
        }
        const repositoryUrl = options.repositoryUrl ?? repo;
        if (repositoryUrl) {
            const downloaded = await downloadArchive(repositoryUrl, chart, version, options.cacheDir);
            if ("data" in downloaded) {
                keep(downloaded.data, downloaded.entry, repositoryUrl);
                continue;
            }
            attempts.push(`repository ${downloaded.problem}`);
        }
        failures.push(new ChartUnavailableError(chart, version, attempts));
    }
    if (added.length > 0) {
        recordInIndex(repository, added);
    }
    if (failures.length > 0) {
        throw new Error(failures.map((failure) => failure.message).join("\n"));
    }
    return repository;
}
