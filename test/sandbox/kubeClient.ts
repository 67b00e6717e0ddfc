// A small Kubernetes API client for the sandbox and the tests: server-side apply with strict field validation
// (an unknown field in a custom resource is an error, not silently pruned), get, delete and list, with
// resource paths found by API discovery. Not @kubernetes/client-node's generic object API: it serialises
// every object through its typed models, which drops fields of plain manifests (a CRD schema's `type`
// keys, for one), so upstream manifests would not reach the API server as written.
import * as k8s from "@kubernetes/client-node";
import * as https from "https";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

export class KubeApiError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

interface ResourceInfo {
    plural: string;
    namespaced: boolean;
}

const fieldManager = "storage-backup-sandbox";

export class KubeClient {
    private readonly discovery = new Map<string, Promise<Map<string, ResourceInfo>>>();
    private readonly server: URL;

    constructor(private readonly config: k8s.KubeConfig) {
        const cluster = config.getCurrentCluster();
        if (!cluster) {
            throw new Error("kubeconfig has no current cluster");
        }
        this.server = new URL(cluster.server);
    }

    static fromFile(file: string, context?: string): KubeClient {
        const config = new k8s.KubeConfig();
        config.loadFromFile(file);
        if (context) {
            config.setCurrentContext(context);
        }
        return new KubeClient(config);
    }

    async request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<any> {
        const options: https.RequestOptions = {
            method, hostname: this.server.hostname, port: this.server.port, path,
            headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": contentType }) },
        };
        await this.config.applyToHTTPSOptions(options);
        return new Promise((resolve, reject) => {
            const request = https.request(options, (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk) => chunks.push(chunk));
                response.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    const status = response.statusCode ?? 0;
                    if (status >= 400) {
                        let message = text;
                        try {
                            message = JSON.parse(text).message ?? text;
                        } catch {
                            // Not a Status object; keep the raw text.
                        }
                        reject(new KubeApiError(status, `${method} ${path}: ${status} ${message}`));
                        return;
                    }
                    resolve(text ? JSON.parse(text) : undefined);
                });
            });
            request.on("error", reject);
            request.end(body === undefined ? undefined : JSON.stringify(body));
        });
    }

    private async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
        let resources = this.discovery.get(apiVersion);
        if (!resources) {
            const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            resources = this.request("GET", base).catch((error) => {
                throw error instanceof KubeApiError && error.status === 404
                    ? new KubeApiError(404, `the API server does not serve kind ${kind} in ${apiVersion}`) : error;
            }).then((list) => new Map((list.resources as any[])
                .filter((resource) => !resource.name.includes("/"))
                .map((resource) => [resource.kind, { plural: resource.name, namespaced: resource.namespaced }])));
            // A failed lookup (CRD not yet established) must be retried, not cached.
            resources.catch(() => this.discovery.delete(apiVersion));
            this.discovery.set(apiVersion, resources);
        }
        const info = (await resources).get(kind);
        if (!info) {
            this.discovery.delete(apiVersion);
            throw new KubeApiError(404, `the API server does not serve kind ${kind} in ${apiVersion}`);
        }
        return info;
    }

    async path(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, withName = true): Promise<string> {
        const info = await this.resource(object.apiVersion, object.kind);
        const base = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
        const namespace = info.namespaced ? `/namespaces/${object.metadata.namespace ?? "default"}` : "";
        return `${base}${namespace}/${info.plural}${withName ? `/${object.metadata.name}` : ""}`;
    }

    async namespaced(apiVersion: string, kind: string): Promise<boolean> {
        return (await this.resource(apiVersion, kind)).namespaced;
    }

    /** Server-side apply; unknown or duplicate fields fail the request. A dry run only asks whether the
     * API server would accept the object (admission and schema validation included). */
    async apply(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
        const path = await this.path(object);
        return this.request("PATCH", `${path}?fieldManager=${fieldManager}&force=true&fieldValidation=Strict${options.dryRun ? "&dryRun=All" : ""}`,
            object, "application/apply-patch+yaml");
    }

    /** A JSON merge patch, as `kubectl patch --type merge` makes it (an edit behind the stack's back). */
    async mergePatch(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, patch: Record<string, unknown>): Promise<KubeObject> {
        return this.request("PATCH", await this.path(object), patch, "application/merge-patch+json");
    }

    async get(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Promise<KubeObject | undefined> {
        try {
            return await this.request("GET", await this.path(object));
        } catch (error) {
            if (error instanceof KubeApiError && error.status === 404) {
                return undefined;
            }
            throw error;
        }
    }

    /** Deletes the object and waits until it is gone (namespaces finish only when their content has). */
    async delete(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">, timeoutMs = 120_000): Promise<void> {
        try {
            await this.request("DELETE", await this.path(object), { propagationPolicy: "Background" });
        } catch (error) {
            if (error instanceof KubeApiError && error.status === 404) {
                return;
            }
            throw error;
        }
        const deadline = Date.now() + timeoutMs;
        while (await this.get(object)) {
            if (Date.now() > deadline) {
                throw new Error(`${object.kind} ${object.metadata.name} still exists ${timeoutMs / 1000}s after deletion`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    }

    /** Every object of a kind, cluster-wide. */
    async list(apiVersion: string, kind: string): Promise<KubeObject[]> {
        const info = await this.resource(apiVersion, kind);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const list = await this.request("GET", `${base}/${info.plural}`);
        return (list.items as KubeObject[]).map((item) => ({ ...item, apiVersion, kind }));
    }
}
