// On one sandbox (test/sandbox, real kubernetes provider and upstream charts): what a pull request's
// `pulumi preview` of the stack costs for N protected apps against `helm template` plus a server-side
// dry-run apply of the same objects (what a GitOps user pays), a no-op `pulumi up` against that preview, a profile of one preview, and restic's throughput
// through MinIO over TLS against a local repository. Prints min / median / max over the runs as markdown.
// Figures only, never a test: the machine is shared, so every ratio is taken within one run.
//
//   npm run bench:preview -- [--runs 3] [--apps 1,20,100] [--restic-mib 256]
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { run, ToolResult } from "../test/e2e/clients";
import { kubeContext } from "../test/sandbox/controlPlane";
import { ChartDeploymentInputs, chartDeployments, renderChart } from "../test/helpers/chartRender";
import { KubeObject } from "../test/sandbox/kubeClient";
import { stackSettings } from "../ops/stackFile";
import { Sandbox, sandboxApp, stackName } from "../test/sandbox/sandbox";
import { format, median, option } from "./figures";
import { benchOnSandbox, load } from "./sandboxRun";
import { readSpans, Span } from "./traces";

const runs = Number(option("runs", "3"));
const appCounts = option("apps", "1,20,100").split(",").map(Number);
const resticMib = Number(option("restic-mib", "256"));

const seconds = async (step: () => Promise<unknown>) => {
    const started = Date.now();
    await step();
    return (Date.now() - started) / 1000;
};

/**
 * N apps on the hostpath class, all in the sandbox app's namespace: the preflight requires every app's
 * namespace to exist, and distinct names give each its own PVC and repository path.
 */
function setApps(sandbox: Sandbox, count: number): void {
    const stackFile = parse(fs.readFileSync(sandbox.stackConfigFile, "utf8"));
    stackFile.config["storage-backup:apps"] = Array.from({ length: count }, (_, index) => ({
        name: `app-${index}`,
        namespace: sandboxApp.name,
        pvc: { create: true, capacity: "1Gi", storageClass: "openebs-localpv-hostpath" },
        copyMethod: "Direct",
    }));
    fs.writeFileSync(sandbox.stackConfigFile, stringify(stackFile));
}

/** Pulumi's secret envelope in `stack export --show-secrets`: the value is JSON in `plaintext`. */
const secretSignature = "4dabf18193072939515e22adb298388d";

function plain(value: any): any {
    if (Array.isArray(value)) {
        return value.map(plain);
    }
    if (typeof value === "object" && value !== null) {
        return secretSignature in value ? JSON.parse(value.plaintext)
            : Object.fromEntries(Object.entries(value).map(([key, child]) => [key, plain(child)]));
    }
    return value;
}

const chartType = "kubernetes:helm.sh/v4:Chart";

/**
 * What a GitOps pipeline would apply for the same stack: the charts with the exact inputs the program gives
 * them (captured under mocks from the stack's own config; the state keeps no Chart inputs), and the objects
 * outside charts as the stack applied them.
 */
async function gitOpsInputs(sandbox: Sandbox): Promise<{ charts: ChartDeploymentInputs[]; objects: KubeObject[]; resources: number; chartObjects: number }> {
    const state = JSON.parse((await sandbox.pulumi(["stack", "export", "--stack", stackName, "--show-secrets"])).stdout);
    const resources = state.deployment.resources as any[];
    const chartUrns = new Set(resources.filter((resource) => resource.type === chartType).map((chart) => chart.urn));
    const kubernetes = resources.filter((resource) => resource.custom && resource.type.startsWith("kubernetes:"));
    const objects = kubernetes.filter((resource) => !chartUrns.has(resource.parent)).map((resource) => plain(resource.inputs));
    const charts = await chartDeployments(stackSettings(stackName, sandbox.projectDir));
    return { charts, objects, resources: resources.length, chartObjects: kubernetes.length - objects.length };
}

/**
 * The GitOps side, as one pipeline step: `helm template` of every chart (the same upstream archives) with
 * the values the stack passes, then `kubectl apply --server-side --dry-run=server` of those and every other
 * object in one call. `--force-conflicts`: the objects belong to the provider's field manager; a dry run
 * changes nothing.
 */
function gitOpsDryRun(sandbox: Sandbox, charts: ChartDeploymentInputs[], others: KubeObject[], work: string): () => Promise<void> {
    return async () => {
        const rendered = charts.flatMap((chart) => renderChart(chart).objects.map((object) => ({
            ...object, metadata: { namespace: chart.namespace, ...object.metadata },
        })));
        const manifest = path.join(work, "gitops.json");
        fs.writeFileSync(manifest, JSON.stringify({ apiVersion: "v1", kind: "List", items: [...rendered, ...others] }));
        const result = await run("kubectl", ["apply", "--server-side", "--dry-run=server", "--force-conflicts", "--field-manager", "gitops-baseline",
            "--kubeconfig", sandbox.state.kubeconfig, "--context", kubeContext, "-f", manifest], sandbox.env());
        if (result.code !== 0) {
            throw new Error(`kubectl dry-run failed: ${result.stderr}`);
        }
    };
}

interface AppCountFigures {
    apps: number;
    resources: number;
    objects: number;
    firstUp: number;
    preview: number[];
    previewTranspileOnly: number[];
    dryRun: number[];
    noOpUp: number[];
    load: string;
}

async function measureAppCount(sandbox: Sandbox, count: number, work: string): Promise<AppCountFigures> {
    setApps(sandbox, count);
    const firstUp = await seconds(() => sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]));
    const { charts, objects, resources, chartObjects } = await gitOpsInputs(sandbox);
    const figures: AppCountFigures = {
        apps: count, resources, objects: objects.length + chartObjects, firstUp, preview: [], previewTranspileOnly: [], dryRun: [], noOpUp: [], load: load(),
    };
    // Interleaved, so that load from other jobs falls on every variant alike.
    for (let index = 0; index < runs; index++) {
        figures.preview.push(await seconds(() => sandbox.pulumi(["preview", "--stack", stackName, "--expect-no-changes"])));
        figures.previewTranspileOnly.push(await seconds(() => sandbox.pulumi(["preview", "--stack", stackName, "--expect-no-changes"],
            { env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } })));
        figures.dryRun.push(await seconds(gitOpsDryRun(sandbox, charts, objects, work)));
        figures.noOpUp.push(await seconds(() => sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--expect-no-changes"])));
    }
    return figures;
}

/** Where a V8 CPU profile's samples went, by package (self time). */
function cpuByPackage(file: string): { wall: number; shares: [string, number][] } {
    const profile = JSON.parse(fs.readFileSync(file, "utf8"));
    const frames = new Map<number, { functionName: string; url: string }>((profile.nodes as any[]).map((node) => [node.id, node.callFrame]));
    const totals = new Map<string, number>();
    (profile.samples as number[]).forEach((id, index) => {
        const { functionName, url } = frames.get(id)!;
        const bucket = /^\(.*\)$/.test(functionName) ? functionName
            : /node_modules\//.test(url) ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1")
                : url.startsWith("node:") || url === "" ? "node core (module loading, fs, ...)" : `ours: ${path.relative(path.join(__dirname, ".."), url.replace(/^file:\/\//, ""))}`;
        totals.set(bucket, (totals.get(bucket) ?? 0) + profile.timeDeltas[index] / 1e6);
    });
    return { wall: (profile.endTime - profile.startTime) / 1e6, shares: [...totals].sort((a, b) => b[1] - a[1]) };
}

/** One preview with the CLI's trace and V8 CPU profiles of the Node processes that exit cleanly (the program). */
async function profilePreview(sandbox: Sandbox, count: number, work: string): Promise<void> {
    const trace = path.join(work, "preview-trace.json");
    const profiles = path.join(work, "cpu-profiles");
    const wall = await seconds(() => sandbox.pulumi(["preview", "--stack", stackName, "--otel-traces", `file://${trace}`],
        { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profiles}` } }));
    const spans = readSpans(trace);
    const origin = Math.min(...spans.map((span) => span.start));
    const byName = new Map<string, Span[]>();
    spans.forEach((span) => byName.set(span.name, [...(byName.get(span.name) ?? []), span]));
    console.log(`\n### Profile: one \`pulumi preview --otel-traces\` of ${count} apps (${wall.toFixed(1)} s, with V8 CPU profiling on; load ${load()})\n`);
    console.log("Engine spans (seconds from the CLI's start; `sum` adds up overlapping spans):\n");
    console.log("| span | count | first start | last end | sum |");
    console.log("|---|---:|---:|---:|---:|");
    const rows = [...byName].map(([name, list]) => ({
        name, count: list.length, first: Math.min(...list.map((span) => span.start)) - origin,
        last: Math.max(...list.map((span) => span.end)) - origin, sum: list.reduce((total, span) => total + span.end - span.start, 0),
    })).filter((row) => row.sum >= 0.2).sort((a, b) => a.first - b.first);
    for (const row of rows) {
        console.log(`| ${row.name} | ${row.count} | ${row.first.toFixed(2)} | ${row.last.toFixed(2)} | ${row.sum.toFixed(2)} |`);
    }
    const program = fs.readdirSync(profiles).map((file) => cpuByPackage(path.join(profiles, file))).sort((a, b) => b.wall - a.wall)[0];
    if (program) {
        console.log(`\nThe program's Node process (${program.wall.toFixed(1)} s wall), self time by package (V8 profile):\n`);
        console.log("| where | seconds |");
        console.log("|---|---:|");
        for (const [bucket, time] of program.shares.slice(0, 10)) {
            console.log(`| ${bucket} | ${time.toFixed(2)} |`);
        }
    }
}

/** restic backup and restore of `resticMib` MiB of random files: through MinIO over TLS, and to a local folder. */
async function resticThroughput(sandbox: Sandbox, work: string): Promise<void> {
    const seed = path.join(work, "restic-seed");
    const files = 16;
    fs.mkdirSync(seed);
    for (let index = 0; index < files; index++) {
        fs.writeFileSync(path.join(seed, `file-${index}.bin`), randomBytes((resticMib * 1024 * 1024) / files));
    }
    const { minio } = sandbox.state;
    const env = {
        ...sandbox.env(), RESTIC_PASSWORD: randomBytes(24).toString("hex"),
        AWS_ACCESS_KEY_ID: minio.rootUser, AWS_SECRET_ACCESS_KEY: minio.rootPassword, AWS_DEFAULT_REGION: "minio",
    };
    const restic = async (repository: string, ...args: string[]): Promise<ToolResult> => {
        const result = await run("restic", ["--cacert", sandbox.pki.caCert, "--repo", repository, ...args],
            { ...env, RESTIC_CACHE_DIR: path.join(work, "restic-cache", path.basename(repository)) });
        if (result.code !== 0) {
            throw new Error(`restic ${args.join(" ")} (${repository}): ${result.stderr}`);
        }
        return result;
    };
    const targets: [string, (index: number) => string][] = [
        ["MinIO over TLS (loopback)", (index) => `s3:https://${minio.endpoint}/restic-bench/run-${index}`],
        ["local repository", (index) => path.join(work, `restic-local-${index}`)],
    ];
    const figures = new Map(targets.map(([name]) => [name, { backup: [] as number[], restore: [] as number[] }]));
    const startLoad = load();
    for (let index = 0; index < runs; index++) {
        for (const [name, repositoryOf] of targets) {
            const repository = repositoryOf(index);
            await restic(repository, "init");
            figures.get(name)!.backup.push(resticMib / await seconds(() => restic(repository, "backup", "--host", "bench", seed)));
            const restored = path.join(work, "restored");
            figures.get(name)!.restore.push(resticMib / await seconds(() => restic(repository, "restore", "latest", "--target", restored)));
            fs.rmSync(restored, { recursive: true, force: true });
        }
    }
    console.log(`\n### Restore drill throughput: restic 0.18, ${resticMib} MiB in ${files} random files, fresh repository per run (load ${startLoad} → ${load()})\n`);
    console.log("| repository | backup MiB/s | restore MiB/s |");
    console.log("|---|---:|---:|");
    for (const [name, { backup, restore }] of figures) {
        console.log(`| ${name} | ${format(backup, 1)} | ${format(restore, 1)} |`);
    }
    const [viaMinio, local] = targets.map(([name]) => figures.get(name)!);
    console.log(`\nMinIO / local (medians): backup ${(median(viaMinio.backup) / median(local.backup)).toFixed(2)}, restore ${(median(viaMinio.restore) / median(local.restore)).toFixed(2)}`);
    // The design's NFR: a backup within 5 minutes, a restore within 15, at these rates.
    const gib = (mibPerSecond: number, minutes: number) => (mibPerSecond * minutes * 60 / 1024).toFixed(1);
    console.log(`At the MinIO medians, the NFR (backup ≤ 5 min, restore ≤ 15 min) fits a volume of up to ${gib(median(viaMinio.backup), 5)} GiB (backup, new data) and ${gib(median(viaMinio.restore), 15)} GiB (restore).`);
}

function printAppCountTables(all: AppCountFigures[]): void {
    console.log(`\n### \`pulumi preview\` (real kubernetes provider) vs \`helm template\` + \`kubectl apply --server-side --dry-run=server\` of the same objects (s; ${runs} runs, min / median / max)\n`);
    console.log("| apps | stack resources | k8s objects | first `up` | preview | preview, transpile-only | helm template + kubectl dry-run | preview / baseline | transpile-only / baseline | load 1/5/15 min |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const row of all) {
        const ratio = (values: number[]) => (median(values) / median(row.dryRun)).toFixed(1);
        console.log(`| ${row.apps} | ${row.resources} | ${row.objects} | ${row.firstUp.toFixed(1)} | ${format(row.preview, 1)} | ${format(row.previewTranspileOnly, 1)} | ${format(row.dryRun, 2)} | ${ratio(row.preview)} | ${ratio(row.previewTranspileOnly)} | ${row.load} |`);
    }
    console.log(`\n### Item 4: no-op \`pulumi up --skip-preview\` vs \`pulumi preview\` (s; ${runs} runs, min / median / max)\n`);
    console.log("| apps | preview | no-op up | up / preview |");
    console.log("|---:|---:|---:|---:|");
    for (const row of all) {
        console.log(`| ${row.apps} | ${format(row.preview, 1)} | ${format(row.noOpUp, 1)} | ${(median(row.noOpUp) / median(row.preview)).toFixed(2)} |`);
    }
}

benchOnSandbox("Sandbox benchmarks (real kubernetes provider, upstream charts)", async (sandbox, work) => {
    const all: AppCountFigures[] = [];
    for (const count of appCounts) {
        all.push(await measureAppCount(sandbox, count, work));
        const last = all[all.length - 1];
        // Progress on stderr, so that a run cut short still says what it measured.
        console.error(`bench: ${count} apps: preview ${format(last.preview, 1)}, transpile-only ${format(last.previewTranspileOnly, 1)}, `
            + `dry-run ${format(last.dryRun, 2)}, no-op up ${format(last.noOpUp, 1)} s (load ${load()})`);
    }
    printAppCountTables(all);
    await profilePreview(sandbox, appCounts[appCounts.length - 1], work);
    await resticThroughput(sandbox, work);
});
