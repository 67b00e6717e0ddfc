// The preflight's view of the real cluster, through the same kubeconfig and context as the provider.
import * as k8sClient from "@kubernetes/client-node";
import { ClusterLookup } from "./preflight";
import { StackSettings } from "./config/stackConfig";

/** The kubeconfig and context the stack's provider uses, for clients outside Pulumi. */
export function kubeConfigFor(kubernetes: StackSettings["kubernetes"]): k8sClient.KubeConfig {
    const kubeconfig = new k8sClient.KubeConfig();
    if (kubernetes.kubeconfigPath) {
        kubeconfig.loadFromFile(kubernetes.kubeconfigPath);
    } else {
        kubeconfig.loadFromDefault();
    }
    if (kubernetes.context) {
        kubeconfig.setCurrentContext(kubernetes.context);
    }
    return kubeconfig;
}

export function apiServerLookup(kubernetes: StackSettings["kubernetes"]): ClusterLookup {
    const api = k8sClient.KubernetesObjectApi.makeApiClient(kubeConfigFor(kubernetes));
    return async (dependency) => {
        try {
            await api.read({
                apiVersion: dependency.apiVersion,
                kind: dependency.kind,
                metadata: { name: dependency.name, namespace: dependency.namespace },
            });
            return true;
        } catch (error) {
            if ((error as { code?: number }).code === 404) {
                return false;
            }
            throw new Error(`Preflight could not ask the cluster about ${dependency.kind} "${dependency.name}": ${(error as Error).message}`);
        }
    };
}
