// The real upstream charts, read in place from the shared Helm repository (../shared/helm-repo): which
// archive holds a chart version, the files inside it, and the default values it ships.
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
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

/** Regular files of a .tgz by path. Helm writes ustar entries, with PAX headers for long paths. */
export function archiveFiles(archive: string): Map<string, string> {
    const tar = gunzipSync(fs.readFileSync(archive));
    const files = new Map<string, string>();
    let paxPath: string | undefined;
    for (let offset = 0; offset + 512 <= tar.length && tar[offset] !== 0;) {
        const field = (start: number, length: number) => tar.toString("utf8", offset + start, offset + start + length).replace(/\0.*$/s, "");
        const size = parseInt(field(124, 12).trim() || "0", 8);
        const type = field(156, 1);
        const body = tar.toString("utf8", offset + 512, offset + 512 + size);
        const prefix = field(345, 155);
        const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
        paxPath = type === "x" ? /^\d+ path=(.*)$/m.exec(body)?.[1] : undefined;
        if (type === "0" || type === "") {
            files.set(name, body);
        }
        offset += 512 + Math.ceil(size / 512) * 512;
    }
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
