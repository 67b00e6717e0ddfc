// PrometheusRule objects for backup health. Rule groups are built by pure functions in the components
// that own the metrics; this file only turns them into a custom resource, with the annotations every
// alert carries (summary, description, runbook link into README's "When something goes wrong").
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "./config/stackConfig";
import { nonEmpty } from "./metadata";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    severity: "warning" | "critical";
    summary: string;
    /** Names the object at fault, literally or through `{{ $labels.* }}` of the series that fired. */
    description: string;
}

/** The README heading of an alert's runbook entry is the alert name, so its anchor is the name in lower case. */
export function runbookUrl(monitoring: StackSettings["monitoring"], alert: string): string {
    return `${monitoring.runbookUrl ?? "README.md"}#${alert.toLowerCase()}`;
}

/** The `spec` of the PrometheusRule for one rule group. */
function prometheusRuleSpec(name: string, monitoring: StackSettings["monitoring"], rules: AlertRule[]) {
    return {
        groups: [{
            name,
            rules: rules.map((rule) => ({
                alert: rule.alert,
                expr: rule.expr,
                for: rule.for,
                labels: { severity: rule.severity },
                annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(monitoring, rule.alert) },
            })),
        }],
    };
}

export function prometheusRule(name: string, namespace: string, monitoring: StackSettings["monitoring"], rules: AlertRule[],
    opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace, labels: nonEmpty(monitoring.labels) },
        spec: prometheusRuleSpec(name, monitoring, rules),
    }, opts);
}
