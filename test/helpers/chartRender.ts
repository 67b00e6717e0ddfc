// What each chart the program deploys turns into: the exact values the program passes to every
// helm.v4.Chart (captured under mocks), rendered from the real upstream archive by the toolchain's helm.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { StackSettings } from "../../components/config/stackConfig";
import { chartArchive } from "./chartArchive";
import { resourcesOfType, runUnderMocks } from "./mockProgram";

export const toolchainHelm = path.resolve(__dirname, "..", "..", "toolchain", "bin", "helm");
/** The sandbox's API server version: what the charts' capability checks are rendered against. */
export const renderKubeVersion = "v1.36.3";

/** One helm.v4.Chart as the program registers it. */
export interface ChartDeploymentInputs {
    /** The Helm release name (the Chart resource's name unless it sets `name`). */
    release: string;
    namespace: string;
    chart: string;
    version: string;
    values: Record<string, unknown>;
}

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: unknown;
}

export interface RenderedChart extends ChartDeploymentInputs {
    /** The fetched archive that was rendered. */
    archive: string;
    /** Every object `helm template --include-crds` printed, in order (CRDs and any hooks included). */
    objects: KubernetesObject[];
}

/** The charts the program deploys for `settings`, with the exact inputs it gives each. */
export async function chartDeployments(settings: StackSettings): Promise<ChartDeploymentInputs[]> {
    const { resources } = await runUnderMocks(settings);
    return resourcesOfType(resources, "kubernetes:helm.sh/v4:Chart").map((chart) => ({
        release: chart.inputs.name ?? chart.name,
        namespace: chart.inputs.namespace,
        chart: chart.inputs.chart,
        version: chart.inputs.version,
        values: chart.inputs.values ?? {},
    }));
}

/** `helm template` of one chart deployment from its fetched archive. Needs the toolchain's helm. */
export function renderChart(deployment: ChartDeploymentInputs): RenderedChart {
    const archive = chartArchive(deployment.chart, deployment.version);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chart-render-"));
    try {
        const valuesFile = path.join(scratch, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(deployment.values));
        const manifest = execFileSync(toolchainHelm, ["template", deployment.release, archive,
            "--namespace", deployment.namespace, "--values", valuesFile, "--kube-version", renderKubeVersion, "--include-crds"], {
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            // Keep helm away from the user's own repositories and caches.
            env: { ...process.env, HELM_CONFIG_HOME: scratch, HELM_CACHE_HOME: scratch, HELM_DATA_HOME: scratch },
        });
        const objects = parseAllDocuments(manifest).map((document) => document.toJS() as KubernetesObject | null)
            .filter((object): object is KubernetesObject => object !== null);
        return { ...deployment, archive, objects };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** Every chart the program deploys for `settings`, rendered with the values it passes. */
export async function renderCharts(settings: StackSettings): Promise<RenderedChart[]> {
    return (await chartDeployments(settings)).map(renderChart);
}
