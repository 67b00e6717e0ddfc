// The cluster side of day-2 operations: manual backup triggers, waiting for VolSync, scaling workloads.
// Patches use a field manager of their own so they never take fields away from Pulumi.
import * as k8sClient from "@kubernetes/client-node";

export const opsFieldManager = "storage-backup-ops";

export interface ObjectRef {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
}

export type Progress = (message: string) => void;

export class ClusterOps {
    private readonly api: k8sClient.KubernetesObjectApi;

    constructor(kubeconfig: k8sClient.KubeConfig, private readonly pollMilliseconds = 2000) {
        this.api = k8sClient.KubernetesObjectApi.makeApiClient(kubeconfig);
    }

    async read(ref: ObjectRef): Promise<any> {
        try {
            return await this.api.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
        } catch (error) {
            const code = (error as { code?: number }).code;
            throw new Error(code === 404 ? `${ref.kind} ${ref.namespace}/${ref.name} does not exist` : `reading ${ref.kind} ${ref.namespace}/${ref.name}: ${(error as Error).message}`);
        }
    }

    /** Objects of a kind in one namespace, optionally by label selector. */
    async list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<any[]> {
        const list = await this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
        return list.items;
    }

    /** Creates the object (named, or by `generateName`) and returns it as the API server stored it. */
    async create(object: { apiVersion: string; kind: string; metadata: { name?: string; generateName?: string; namespace: string }; [key: string]: unknown }): Promise<any> {
        return this.api.create(object, undefined, undefined, opsFieldManager);
    }

    async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<any> {
        return this.api.patch({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace }, ...patch },
            undefined, undefined, opsFieldManager, undefined, k8sClient.PatchStrategy.MergePatch);
    }

    /** Waits until VolSync reports the manual trigger `value` as done. */
    async waitForManualSync(ref: ObjectRef, value: string, timeoutSeconds: number, progress: Progress): Promise<void> {
        await this.waitFor(ref, (object) => object.status?.lastManualSync === value, timeoutSeconds, progress,
            (object) => (object.status?.conditions ?? []).map((condition: any) => `${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ""}`).join(", ") || "waiting for VolSync",
            `did not finish trigger "${value}"`);
    }

    /** Polls the object until `done`, reporting each new state; returns the object as it was then. */
    async waitFor(ref: ObjectRef, done: (object: any) => boolean, timeoutSeconds: number, progress: Progress,
        describe: (object: any) => string, failure = "did not finish"): Promise<any> {
        const deadline = Date.now() + timeoutSeconds * 1000;
        let reported = "";
        for (;;) {
            const object = await this.read(ref);
            if (done(object)) {
                return object;
            }
            const state = describe(object);
            if (state !== reported) {
                progress(`  ${ref.kind} ${ref.namespace}/${ref.name}: ${state}`);
                reported = state;
            }
            if (Date.now() > deadline) {
                throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} ${failure} within ${timeoutSeconds}s (last state: ${state}); check \`kubectl -n ${ref.namespace} describe ${ref.kind.toLowerCase()} ${ref.name}\``);
            }
            await new Promise((resolve) => setTimeout(resolve, this.pollMilliseconds));
        }
    }

    /** Sets a workload's replicas and returns the previous count. */
    async scale(ref: ObjectRef, replicas: number): Promise<number> {
        const current = await this.read(ref);
        await this.mergePatch(ref, { spec: { replicas } });
        return current.spec?.replicas ?? 1;
    }
}
