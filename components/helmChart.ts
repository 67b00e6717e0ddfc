// Helm charts are deployed as helm.v4.Chart: it renders every object as a child resource, so the policy
// pack sees each container and custom resource at preview (a helm.v3.Release is one opaque object).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource } from "./config/stackConfig";

export interface ChartDeployment {
    /** Where the chart comes from (pinned in config/chartSources.ts, overridable per stack). */
    source: ChartSource;
    /** Literal namespace name; see namespace.ts for why it must be literal. */
    namespace: string;
    values: Record<string, unknown>;
    dependsOn?: pulumi.Resource[];
}

export function deployChart(name: string, deployment: ChartDeployment, parent: pulumi.Resource): k8s.helm.v4.Chart {
    const { source } = deployment;
    return new k8s.helm.v4.Chart(name, {
        chart: source.chart,
        version: source.version,
        repositoryOpts: source.repo ? { repo: source.repo } : undefined,
        namespace: deployment.namespace,
        values: deployment.values,
    }, { parent, dependsOn: deployment.dependsOn });
}
