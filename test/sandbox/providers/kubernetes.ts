// TEST DOUBLE for the kubernetes provider plugin (see README.md here). Every `kubernetes:<group>/<version>:<Kind>`
// resource is server-side applied to the real API server with strict field validation; `helm.sh/v4:Chart`
// renders its chart with `helm template` and registers every object as a child, as the real v4 Chart does.
// It never waits for workloads to become ready (the sandbox has no kubelet).
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { parseAllDocuments, stringify } from "yaml";
import { KubeClient, KubeObject } from "../kubeClient";
import { diffInputs, hasUnknowns, project, reveal, serve } from "./standIn";

const chartType = "kubernetes:helm.sh/v4:Chart";
/** The Kubernetes version charts are rendered for: the sandbox's API server. */
const kubeVersion = "v1.36.3";
let client: KubeClient | undefined;

function kube(): KubeClient {
    if (!client) {
        throw new Error("kubernetes stand-in: the provider was not configured");
    }
    return client;
}

function configure(args: Record<string, unknown>): void {
    const kubeconfig = args.kubeconfig as string | undefined;
    if (!kubeconfig || kubeconfig.includes("\n")) {
        throw new Error("kubernetes stand-in: set `kubeconfig` on the provider to a kubeconfig file's path");
    }
    client = KubeClient.fromFile(kubeconfig, args.context as string | undefined);
}

/** `kubernetes:velero.io/v1:Schedule` → `velero.io/v1`, `Schedule`; the core group is `core/v1` → `v1`. */
function typeOf(urn: string): { apiVersion: string; kind: string } {
    const token = urn.split("::")[2].split("$").pop()!;
    const [, groupVersion, kind] = token.split(":");
    return { apiVersion: groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion, kind };
}

function tokenOf(object: KubeObject): string {
    const groupVersion = object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`;
    return `kubernetes:${groupVersion}:${object.kind}`;
}

const identity = (object: KubeObject) => `${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;

/** The object as the API server should hold it: plain values (Secret stringData included). */
function desired(inputs: any): KubeObject {
    return reveal(inputs) as KubeObject;
}

/** A Secret's data comes back base64-encoded; compare it with stringData as sent. */
function withStringData(live: KubeObject, inputs: any): KubeObject {
    if (live.kind !== "Secret" || !inputs.stringData) {
        return live;
    }
    const data = (live.data ?? {}) as Record<string, string>;
    const stringData = Object.fromEntries(Object.keys(reveal(inputs.stringData)).map((key) =>
        [key, data[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8")]));
    return { ...live, stringData };
}

async function renderChart(name: string, inputs: any): Promise<KubeObject[]> {
    const chart = inputs.chart as string;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "chart-standin-"));
    try {
        const valuesFile = path.join(work, "values.yaml");
        fs.writeFileSync(valuesFile, stringify(inputs.values ?? {}));
        const output = execFileSync("helm", [
            "template", inputs.name ?? name, chart, "--namespace", inputs.namespace ?? "default",
            "--values", valuesFile, "--include-crds", "--kube-version", kubeVersion,
            ...(inputs.version ? ["--version", inputs.version] : []),
        ], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
        return parseAllDocuments(output).map((document) => document.toJS()).filter((object) => object?.kind);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** One object the chart rendered, registered under the chart as the real v4 Chart registers it. */
class RenderedObject extends pulumi.CustomResource {
    constructor(object: KubeObject, name: string, opts: pulumi.CustomResourceOptions) {
        super(tokenOf(object), name, object, opts);
    }
}

class Chart extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions) {
        super(chartType, name, {}, opts);
    }

    finish(): void {
        this.registerOutputs({});
    }
}

const standIn: provider.Provider = {
    version: "4.34.2",

    async check(urn, olds, news) {
        // Status belongs to the API server and controllers (upstream CRD files carry an empty one): never applied.
        const { status, ...inputs } = { ...news, ...typeOf(urn) };
        const metadata = { ...(inputs.metadata ?? {}) };
        if (!metadata.name) {
            // Auto-naming, stable across updates as the real provider's is.
            metadata.name = olds?.metadata?.name ?? `${urn.split("::").pop()}-${crypto.randomBytes(4).toString("hex")}`;
        }
        return { inputs: { ...inputs, metadata } };
    },

    async diff(_id, _urn, olds, news) {
        return diffInputs(olds, news, (key, old, next) => key === "apiVersion" || key === "kind" ||
            (key === "metadata" && (old?.name !== next?.name || old?.namespace !== next?.namespace)));
    },

    async create(_urn, inputs) {
        const applied = await kube().apply(desired(inputs));
        return { id: identity(applied), outs: inputs };
    },

    async read(id, urn, props) {
        const { apiVersion, kind } = typeOf(urn);
        const [namespace, name] = id.includes("/") ? id.split("/") : [undefined, id];
        const live = await kube().get({ apiVersion, kind, metadata: { name, namespace } });
        if (!live) {
            return { id: "", props: {} };
        }
        const shape = props && Object.keys(props).length > 0 ? props : live;
        const current = project(withStringData(live, shape), shape);
        return { id, props: current, inputs: current };
    },

    async update(_id, _urn, _olds, news) {
        await kube().apply(desired(news));
        return { outs: news };
    },

    async delete(_id, _urn, props) {
        await kube().delete(desired(props));
    },

    async construct(name, type, inputs, options) {
        if (type !== chartType) {
            throw new Error(`kubernetes stand-in: unknown component ${type}`);
        }
        const component = new Chart(name, options);
        const args = await (pulumi.output(inputs) as any).promise(true);
        if (hasUnknowns(args)) {
            throw new Error(`kubernetes stand-in: chart ${name} has inputs unknown at preview; keep chart inputs literal`);
        }
        const objects = await renderChart(name, args);
        // Like the real Chart, namespaced objects without a namespace go into the chart's; the scope of a
        // kind comes from the chart's own CRDs, else from the API server, else namespaced is assumed.
        const chartScopes = new Map(objects.filter((object) => object.kind === "CustomResourceDefinition")
            .map((crd: any) => [`${crd.spec.group}/${crd.spec.names.kind}`, crd.spec.scope === "Namespaced"]));
        const namespaced = async (object: KubeObject) => chartScopes.get(`${object.apiVersion.split("/")[0]}/${object.kind}`)
            ?? await kube().namespaced(object.apiVersion, object.kind).catch(() => true);
        const scoped = await Promise.all(objects.map(async (object) => object.metadata.namespace || !await namespaced(object)
            ? object : { ...object, metadata: { ...object.metadata, namespace: args.namespace } }));
        const child = (object: KubeObject, dependsOn: pulumi.Resource[]) =>
            new RenderedObject(object, `${name}:${identity(object)}`, { parent: component, dependsOn });
        // CRDs first, as Helm and the real provider order them: the chart's own custom resources need them.
        const crds = scoped.filter((object) => object.kind === "CustomResourceDefinition").map((object) => child(object, []));
        scoped.filter((object) => object.kind !== "CustomResourceDefinition").forEach((object) => child(object, crds));
        component.finish();
        return { urn: component.urn, state: {} };
    },
};

serve(standIn, configure);
