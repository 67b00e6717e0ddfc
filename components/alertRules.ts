// PrometheusRule objects for backup health. Rule groups are built by pure functions in the components
// that own the metrics; this file only turns them into a custom resource.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { nonEmpty } from "./metadata";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    severity: "warning" | "critical";
    summary: string;
    description: string;
}

export function prometheusRule(name: string, namespace: string, labels: Record<string, string>, rules: AlertRule[],
    opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace, labels: nonEmpty(labels) },
        spec: {
            groups: [{
                name,
                rules: rules.map((rule) => ({
                    alert: rule.alert,
                    expr: rule.expr,
                    for: rule.for,
                    labels: { severity: rule.severity },
                    annotations: { summary: rule.summary, description: rule.description },
                })),
            }],
        },
    }, opts);
}
