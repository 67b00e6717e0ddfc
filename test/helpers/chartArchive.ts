// The real upstream charts, read in place from the shared Helm repository (../shared/helm-repo): which
// archive holds a chart version, the files inside it, and the default values it ships.
import * as fs from "fs";
import * as path from "path";
import * as tar from "tar";
import { parse } from "yaml";

export const sharedHelmRepo = process.env.SHARED_HELM_REPO_DIR ?? path.resolve(__dirname, "..", "..", "..", "shared", "helm-repo");

interface IndexEntry { version: string; urls: string[] }

/** The archive of `chart` at `version`, as the repository's index lists it; fails when it is not there. */
export function chartArchive(chart: string, version: string): string {
    const index = parse(fs.readFileSync(path.join(sharedHelmRepo, "index.yaml"), "utf8")) as { entries: Record<string, IndexEntry[]> };
    const entry = (index.entries[chart] ?? []).find((candidate) => candidate.version === version);
    if (!entry) {
        throw new Error(`${sharedHelmRepo} has no chart ${chart} at version ${version}`);
    }
    return path.join(sharedHelmRepo, entry.urls[0]);
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
