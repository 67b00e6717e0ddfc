// `charts.mirror`: every pinned chart from one mirror instead of its public repository, for a cluster whose
// deployer cannot reach those repositories. A Helm repository URL or an `oci://` registry serves the same
// chart names and versions; a folder holds them on disk (index.yaml beside the archives, as `helm repo
// index` or `npm run charts` writes it). A folder's archives are checked against their index digests when
// the config is read, so a corrupt or incomplete mirror fails before anything is changed.
import * as path from "path";
import { z } from "zod";
import { ChartName, chartNames, ChartSource, pinnedCharts } from "./chartSources";
import { lookUpInFolder } from "./chartIndex";

export type ChartMirror = { kind: "repository"; url: string } | { kind: "oci"; url: string } | { kind: "folder"; folder: string };

/** A URL (http, https, oci) or a folder path, absolute or relative to the project directory. */
export const chartMirror = z.string().min(1).transform((value): ChartMirror => {
    if (/^oci:\/\//.test(value)) {
        return { kind: "oci", url: value.replace(/\/+$/, "") };
    }
    return /^https?:\/\//.test(value) ? { kind: "repository", url: value } : { kind: "folder", folder: path.resolve(value) };
});

/** A pinned chart as the mirror serves it; a problem when a folder mirror cannot supply it. */
function mirrored(pinned: ChartSource, mirror: ChartMirror): ChartSource | { problem: string } {
    const version = pinned.version!;
    switch (mirror.kind) {
        case "repository":
            return { ...pinned, repo: mirror.url };
        case "oci":
            return { chart: `${mirror.url}/${pinned.chart}`, version };
        case "folder": {
            const found = lookUpInFolder(mirror.folder, pinned.chart, version);
            // Helm takes a local archive as the chart itself; the version is the archive's own.
            return "archive" in found ? { chart: found.archive } : { problem: `${pinned.chart} ${version}: ${found.problem}` };
        }
    }
}

/** Every chart's source: a `charts.<name>` override as given, otherwise the pinned chart, from the mirror if one is set. */
export function chartSourcesWith(overrides: Partial<Record<ChartName, ChartSource>>, mirror: ChartMirror | undefined):
    { sources: Record<ChartName, ChartSource>; problems: string[] } {
    const problems: string[] = [];
    const sources = Object.fromEntries(chartNames.map((name) => {
        const override = overrides[name];
        if (override || !mirror) {
            return [name, override ?? pinnedCharts[name]];
        }
        const source = mirrored(pinnedCharts[name], mirror);
        if ("problem" in source) {
            problems.push(source.problem);
            return [name, pinnedCharts[name]];
        }
        return [name, source];
    })) as Record<ChartName, ChartSource>;
    return { sources, problems };
}
