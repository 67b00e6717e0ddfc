// The exact values the program passes to each chart, against the real upstream charts as fetched through their
// repository index: every key we set is one the chart has, and every container the chart then runs has memory
// requests and limits.
import * as assert from "assert";
import * as fs from "fs";
import { chartNames, pinnedCharts } from "../components/config/chartSources";
import { containersOf, POD_SPEC_PATHS } from "../policy/lib/k8s";
import { at } from "../policy/lib/props";
import { chartArchive, chartDefaults } from "./helpers/chartArchive";
import { ChartDeploymentInputs, chartDeployments, KubernetesObject, renderChart, RenderedChart, toolchainHelm } from "./helpers/chartRender";
import { everyOptionRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";
import { unknownValuePaths } from "./helpers/valuePaths";

/** The Pulumi type token a rendered object becomes, as the policy pack's workload table is keyed. */
function typeToken(object: KubernetesObject): string {
    return `kubernetes:${object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`}:${object.kind}`;
}

const isWorkload = (object: KubernetesObject) => POD_SPEC_PATHS[typeToken(object)] !== undefined;

/** Every container and init container of the workloads among `objects` that lacks a memory request or limit. */
function containersWithoutMemoryBounds(objects: KubernetesObject[]): string[] {
    return objects.filter(isWorkload).flatMap((object) => {
        const podSpecPath = POD_SPEC_PATHS[typeToken(object)];
        return containersOf(at(object, ...podSpecPath), podSpecPath)
            .filter(({ container }) => !at(container, "resources", "requests", "memory") || !at(container, "resources", "limits", "memory"))
            .map(({ label }) => `${object.kind} ${object.metadata.name} ${label}`);
    });
}

/** Skips only when the toolchain's helm has not been built, and says so in the test's title. */
function requireHelm(context: Mocha.Context): void {
    if (!fs.existsSync(toolchainHelm)) {
        context.test!.title += ` (skipped: ${toolchainHelm} is not built; run npm run toolchain)`;
        context.skip();
    }
}

describe("chart values against the real upstream charts", function () {
    it("pins every chart at a version its repository index lists, fetched intact", function () {
        for (const name of chartNames) {
            const { chart, version } = pinnedCharts[name];
            assert.ok(fs.existsSync(chartArchive(chart, version!)), `${name}: ${chart} ${version}`);
        }
    });

    it("the key check names a misspelt key, also inside a subchart, and allows free-form fields", function () {
        const localpv = chartDefaults(chartArchive("localpv-provisioner", "4.0.0"));
        assert.deepStrictEqual(unknownValuePaths({
            analytics: { enabled: false },
            localpv: { replicas: 2, replicaCount: 2, resources: { limits: { memory: "1Gi" } }, affinity: { anything: {} } },
        }, localpv), ["localpv.replicaCount"]);
        const lvm = chartDefaults(chartArchive("lvm-localpv", "1.5.0"));
        assert.deepStrictEqual(unknownValuePaths({ crds: { csi: { volumeSnapshots: { enabled: false } } } }, lvm), []);
        assert.deepStrictEqual(unknownValuePaths({ crds: { csi: { volumeSnapshot: { enabled: false } } } }, lvm), ["crds.csi.volumeSnapshot"]);
        // A map where the chart has a scalar is no key of the chart either.
        assert.deepStrictEqual(unknownValuePaths({ analytics: { enabled: { value: false } } }, lvm), ["analytics.enabled.value"]);
    });

    const configs = [["apps stack", () => stackFileConfig("apps")], ["every optional part on", everyOptionRawConfig]] as const;
    for (const [label, raw] of configs) {
        describe(label, function () {
            let deployments: ChartDeploymentInputs[];
            let rendered: RenderedChart[] | undefined;
            const renders = (context: Mocha.Context): RenderedChart[] => {
                requireHelm(context);
                rendered ??= deployments.map(renderChart);
                return rendered;
            };

            before(async function () {
                deployments = await chartDeployments(settingsFrom(raw()));
            });

            it("sets only keys the charts have", function () {
                assert.ok(deployments.length >= 4);
                const unknown = deployments.flatMap((deployment) =>
                    unknownValuePaths(deployment.values, chartDefaults(chartArchive(deployment.chart, deployment.version)))
                        .map((path) => `${deployment.chart}: ${path}`));
                assert.deepStrictEqual(unknown, []);
            });

            it("renders, and every container of every workload has memory requests and limits", function () {
                this.timeout(120_000);
                const charts = renders(this);
                for (const chart of charts) {
                    assert.ok(chart.objects.some(isWorkload), `${chart.chart} rendered no workload`);
                }
                assert.deepStrictEqual(charts.flatMap((chart) => containersWithoutMemoryBounds(chart.objects)
                    .map((container) => `${chart.chart}: ${container}`)), []);
            });

            it("leaves the snapshot.storage.k8s.io CRDs to the snapshot-controller chart", function () {
                this.timeout(120_000);
                const owners = renders(this).filter((chart) => chart.objects.some((object) => object.kind === "CustomResourceDefinition"
                    && object.metadata.name.endsWith(".snapshot.storage.k8s.io")));
                assert.deepStrictEqual(owners.map((chart) => chart.chart).filter((chart) => chart !== "snapshot-controller"), []);
            });

            it("spreads the hostpath provisioner's replicas: its anti-affinity selects its own pods", function () {
                this.timeout(120_000);
                const chart = renders(this).find((candidate) => candidate.chart === "localpv-provisioner")!;
                const deployment = chart.objects.find((object) => object.kind === "Deployment")!;
                const podLabels = at(deployment, "spec", "template", "metadata", "labels") as Record<string, string>;
                const [term] = at(deployment, "spec", "template", "spec", "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution") as
                    { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[];
                assert.strictEqual(term.topologyKey, "kubernetes.io/hostname");
                for (const [key, value] of Object.entries(term.labelSelector.matchLabels)) {
                    assert.strictEqual(podLabels[key], value, `pod label ${key}`);
                }
            });
        });
    }

    it("kubernetes.nodeSelector pins every controller to the selected nodes and leaves node agents on every node", async function () {
        this.timeout(120_000);
        requireHelm(this);
        const raw = everyOptionRawConfig();
        raw.kubernetes = { nodeSelector: { "node-role.example.com/infra": "true" } };
        const objects = (await chartDeployments(settingsFrom(raw))).map(renderChart).flatMap((chart) => chart.objects);
        const selectorOf = (object: KubernetesObject) => at(object, "spec", "template", "spec", "nodeSelector") as Record<string, string> | undefined;
        const controllers = objects.filter((object) => object.kind === "Deployment");
        assert.ok(controllers.length >= 5, `only ${controllers.length} Deployments rendered`);
        for (const controller of controllers) {
            assert.strictEqual(selectorOf(controller)?.["node-role.example.com/infra"], "true", `Deployment ${controller.metadata.name} is not pinned`);
        }
        for (const agent of objects.filter((object) => object.kind === "DaemonSet")) {
            assert.strictEqual(selectorOf(agent)?.["node-role.example.com/infra"], undefined, `DaemonSet ${agent.metadata.name} is pinned`);
        }
    });

    it("the every-option config deploys every chart, LVM included", async function () {
        const deployed = (await chartDeployments(settingsFrom(everyOptionRawConfig()))).map((deployment) => deployment.chart).sort();
        assert.deepStrictEqual(deployed, chartNames.map((name) => pinnedCharts[name].chart).sort());
    });
});
