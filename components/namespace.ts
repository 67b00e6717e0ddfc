// Namespaces the stack owns, named literally so Helm charts can take the name at preview time (a chart
// whose inputs are unknown renders nothing at preview).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export function ownedNamespace(name: string, labels: Record<string, string>, parent: pulumi.Resource): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, {
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "pulumi", ...labels } },
    }, { parent });
}
