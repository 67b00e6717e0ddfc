// Each ServiceMonitor the stack deploys (our own for VolSync, the Velero chart's) against the metrics
// Service the real upstream chart renders with the program's values: the selector, namespace selector
// and port name must find that Service, and the `job` label Prometheus gives its samples must be the one
// the alerts select on. The job rule is prometheus-operator's (ServiceMonitor CRD, `jobLabel`): the value
// of the Service label named by `jobLabel`, else the Service's name; endpoint relabelings then apply.
import * as assert from "assert";
import * as fs from "fs";
import { volsyncMetricsJob } from "../components/volsync";
import { chartDeployments, KubernetesObject, renderChart, RenderedChart, toolchainHelm } from "./helpers/chartRender";
import { customResourcesOfKind, runUnderMocks } from "./helpers/mockProgram";
import { everyOptionRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

type Labels = Record<string, string>;

interface ServiceMonitorSpec {
    jobLabel?: string;
    selector: { matchLabels?: Labels };
    namespaceSelector?: { matchNames?: string[]; any?: boolean };
    endpoints: { port?: string; relabelings?: { targetLabel?: string; replacement?: string; action?: string }[] }[];
}

interface Located<T> { object: T; namespace: string; source: string }

const matches = (selector: Labels = {}, labels: Labels = {}) => Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The Services `monitor` (in `namespace`) selects among `services`. */
function selectedServices(monitor: ServiceMonitorSpec, namespace: string, services: Located<KubernetesObject>[]) {
    const namespaces = monitor.namespaceSelector?.any ? undefined : monitor.namespaceSelector?.matchNames ?? [namespace];
    return services.filter((service) => (!namespaces || namespaces.includes(service.namespace))
        && matches(monitor.selector.matchLabels, service.object.metadata.labels));
}

/** The `job` label prometheus-operator gives the samples scraped through `endpoint` of `service`. */
function jobLabel(monitor: ServiceMonitorSpec, endpoint: ServiceMonitorSpec["endpoints"][number], service: KubernetesObject): string {
    const fromService = monitor.jobLabel ? service.metadata.labels?.[monitor.jobLabel] : undefined;
    return (endpoint.relabelings ?? []).reduce((job, relabeling) =>
        (relabeling.targetLabel === "job" && (relabeling.action ?? "replace") === "replace" && relabeling.replacement !== undefined
            ? relabeling.replacement : job), fromService ?? service.metadata.name);
}

const located = (chart: RenderedChart, kind: string): Located<KubernetesObject>[] => chart.objects.filter((object) => object.kind === kind)
    .map((object) => ({ object, namespace: object.metadata.namespace ?? chart.namespace, source: `chart ${chart.chart}` }));

const configs = [["apps stack", () => stackFileConfig("apps")], ["every optional part on", everyOptionRawConfig]] as const;

for (const [configName, rawConfig] of configs) {
    describe(`ServiceMonitors against the metrics Services of the real charts (${configName})`, function () {
        let settings: ReturnType<typeof settingsFrom>;
        let monitors: Located<{ metadata: KubernetesObject["metadata"]; spec: ServiceMonitorSpec }>[];
        let services: Located<KubernetesObject>[];
        let workloads: Located<KubernetesObject>[];

        before(async function () {
            if (!fs.existsSync(toolchainHelm)) {
                this.test!.parent!.title += ` (skipped: ${toolchainHelm} is not built; run npm run toolchain)`;
                this.skip();
            }
            settings = settingsFrom(rawConfig());
            const { resources } = await runUnderMocks(settings);
            const charts = (await chartDeployments(settings)).filter((chart) => ["volsync", "velero"].includes(chart.chart)).map(renderChart);
            services = charts.flatMap((chart) => located(chart, "Service"));
            workloads = charts.flatMap((chart) => located(chart, "Deployment"));
            monitors = [
                ...customResourcesOfKind(resources, "ServiceMonitor").map((monitor) =>
                    ({ object: monitor.inputs as any, namespace: monitor.inputs.metadata.namespace, source: "the program" })),
                ...charts.flatMap((chart) => located(chart, "ServiceMonitor") as Located<any>[]),
            ];
        });

        it("one ServiceMonitor for VolSync (ours) and one for Velero (the chart's), both carrying monitoring.labels", function () {
            assert.deepStrictEqual(monitors.map((monitor) => `${monitor.namespace}/${monitor.object.metadata.name} from ${monitor.source}`).sort(),
                [`${settings.velero.namespace}/velero from chart velero`, `${settings.volsync.namespace}/${volsyncMetricsJob} from the program`]);
            for (const monitor of monitors) {
                assert.ok(matches(settings.monitoring.labels, monitor.object.metadata.labels), `${monitor.object.metadata.name}: labels ${JSON.stringify(monitor.object.metadata.labels)}`);
            }
        });

        it("each selects exactly one rendered Service, in a namespace it watches, with every endpoint's port name", function () {
            for (const monitor of monitors) {
                const selected = selectedServices(monitor.object.spec, monitor.namespace, services);
                assert.strictEqual(selected.length, 1,
                    `${monitor.object.metadata.name} selects ${selected.length} Services: ${selected.map((candidate) => candidate.object.metadata.name).join(", ")}`);
                const [service] = selected;
                const ports = ((service.object.spec as any).ports as { name?: string }[]).map((port) => port.name);
                for (const endpoint of monitor.object.spec.endpoints) {
                    assert.ok(ports.includes(endpoint.port), `${monitor.object.metadata.name}: port "${endpoint.port}" not in Service ${service.object.metadata.name} (${ports.join(", ")})`);
                }
            }
        });

        it("each Service sends that port to a container port of the chart's controller", function () {
            for (const monitor of monitors) {
                const [service] = selectedServices(monitor.object.spec, monitor.namespace, services);
                const spec = service.object.spec as { selector: Labels; ports: { name: string; targetPort: string | number }[] };
                const pods = workloads.filter((workload) => workload.namespace === service.namespace
                    && matches(spec.selector, (workload.object.spec as any).template.metadata.labels));
                assert.strictEqual(pods.length, 1, `Service ${service.object.metadata.name} selects ${pods.length} Deployments`);
                const containers = (pods[0].object.spec as any).template.spec.containers as { args?: string[]; ports?: { name?: string; containerPort: number }[] }[];
                const containerPorts = containers.flatMap((container) => container.ports ?? []);
                // A numeric targetPort needs no declared port: VolSync's controller only binds it by flag.
                const boundByFlag = (port: number) => containers.some((container) => (container.args ?? []).some((arg) => arg.endsWith(`=:${port}`)));
                for (const endpoint of monitor.object.spec.endpoints) {
                    const { targetPort } = spec.ports.find((port) => port.name === endpoint.port)!;
                    assert.ok(containerPorts.some((port) => port.name === targetPort || port.containerPort === targetPort)
                        || (typeof targetPort === "number" && boundByFlag(targetPort)),
                        `Service ${service.object.metadata.name} port ${endpoint.port} -> ${targetPort}: no such container port in ${pods[0].object.metadata.name}`);
                }
            }
        });

        it(`VolSync's samples get job="${volsyncMetricsJob}" (what the alerts select on), Velero's job="velero"`, function () {
            const jobs = Object.fromEntries(monitors.map((monitor) => {
                const [service] = selectedServices(monitor.object.spec, monitor.namespace, services);
                return [monitor.object.metadata.name, monitor.object.spec.endpoints.map((endpoint) => jobLabel(monitor.object.spec, endpoint, service.object))];
            }));
            assert.deepStrictEqual(jobs, { [volsyncMetricsJob]: [volsyncMetricsJob], velero: ["velero"] });
            // Even without our relabeling the job would be the same: the chart names its Service so.
            const volsync = monitors.find((monitor) => monitor.object.metadata.name === volsyncMetricsJob)!;
            assert.strictEqual(selectedServices(volsync.object.spec, volsync.namespace, services)[0].object.metadata.name, volsyncMetricsJob);
        });
    });
}
