// The real upstream charts as the project fetched them (helpers/chartFetch.ts: through each repository's
// index, digest-checked): which archive holds a chart version, the files inside it, and its default values.
import * as tar from "tar";
import { parse } from "yaml";
import { chartNames, pinnedCharts } from "../../components/config/chartSources";
import { lookUpInFolder } from "../../components/config/chartIndex";
import { chartFetchOptionsFromEnv, fetchCharts, fetchedRepository } from "./chartFetch";

/** Fetches every pinned chart into the project's chart cache (a no-op when they are there); the folder. */
export function fetchPinnedCharts(log?: (line: string) => void): Promise<string> {
    return fetchCharts(chartNames.map((name) => pinnedCharts[name]), { ...chartFetchOptionsFromEnv(), log });
}

/** The fetched archive of `chart` at `version`, checked against its index digest again on every use. */
export function chartArchive(chart: string, version: string): string {
    const repository = fetchedRepository(chartFetchOptionsFromEnv().cacheDir);
    const found = lookUpInFolder(repository, chart, version);
    if ("problem" in found) {
        throw new Error(`chart ${chart} ${version} has not been fetched (${found.problem}); ` +
            `the tests' root hook and the sandbox fetch the pinned charts, or run: npm run charts`);
    }
    return found.archive;
}

/** Regular files of a .tgz by path, read at once (tar's sync mode emits every entry's data before returning). */
export function archiveFiles(archive: string): Map<string, string> {
    const files = new Map<string, string>();
    tar.list({
        file: archive,
        sync: true,
        onReadEntry: (entry) => {
            if (entry.type !== "File") {
                entry.resume();
                return;
            }
            const chunks: Buffer[] = [];
            entry.on("data", (chunk: Buffer) => chunks.push(chunk));
            entry.on("end", () => files.set(entry.path, Buffer.concat(chunks).toString("utf8")));
        },
    });
    return files;
}

type Values = Record<string, unknown>;

const isMap = (value: unknown): value is Values => typeof value === "object" && value !== null && !Array.isArray(value);

/** `over` laid over `under`, maps merged key by key, as Helm merges a parent's values into a subchart's. */
function merged(under: unknown, over: unknown): unknown {
    if (!isMap(under) || !isMap(over)) {
        return over === undefined ? under : over;
    }
    const result: Values = { ...under };
    for (const [key, value] of Object.entries(over)) {
        result[key] = merged(under[key], value);
    }
    return result;
}

/** The chart's default values; each bundled subchart's defaults sit under its name, under the parent's. */
export function chartDefaults(archive: string): Values {
    const files = archiveFiles(archive);
    const defaultsAt = (dir: string): Values => {
        const values = (parse(files.get(`${dir}/values.yaml`) ?? "") ?? {}) as Values;
        const subcharts = new Set([...files.keys()]
            .map((file) => file.startsWith(`${dir}/charts/`) ? file.slice(dir.length + "/charts/".length).split("/") : [])
            .filter((parts) => parts.length > 1 && parts[1] === "Chart.yaml").map((parts) => parts[0]));
        for (const subchart of subcharts) {
            values[subchart] = merged(defaultsAt(`${dir}/charts/${subchart}`), values[subchart]);
        }
        return values;
    };
    const root = [...files.keys()][0].split("/")[0];
    return defaultsAt(root);
}
