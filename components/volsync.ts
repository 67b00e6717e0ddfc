// VolSync: the operator that runs restic movers per protected app, its metrics scrape and its alerts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRule, prometheusRule } from "./alertRules";
import { ChartSource, StackSettings } from "./config/stackConfig";
import { deployChart } from "./helmChart";
import { nonEmpty } from "./metadata";
import { ownedNamespace } from "./namespace";

export interface VolSyncArgs {
    chart: ChartSource;
    settings: StackSettings["volsync"];
    monitoring: StackSettings["monitoring"];
    /** Node labels the controller must run on (`kubernetes.nodeSelector`). */
    nodeSelector: Record<string, string>;
}

/** Prometheus job name of the VolSync metrics endpoint; the alerts select on it. */
export const volsyncMetricsJob = "volsync-metrics";

export function volsyncValues(args: Pick<VolSyncArgs, "settings" | "nodeSelector">): Record<string, unknown> {
    return {
        manageCRDs: true,
        resources: args.settings.resources,
        nodeSelector: args.nodeSelector,
        // Scrapes authenticate with the Prometheus service account token rather than opening metrics up.
        metrics: { disableAuth: false },
    };
}

/** How long no healthy VolSync metrics target may exist before VolSyncExporterAbsent fires. */
const exporterAbsentFor = "15m";

/**
 * Alerts on VolSync's own metrics (`volsync_volume_out_of_sync` gauge and `volsync_missed_intervals_total`
 * counter, labelled obj_name, obj_namespace, role, method). Out-of-sync and overdue alerts watch sources
 * only: a one-shot restore (a destination) stays "out of sync" by design and must not page forever.
 */
export function volsyncAlertRules(settings: StackSettings["volsync"]): AlertRule[] {
    const source = "ReplicationSource {{ $labels.obj_namespace }}/{{ $labels.obj_name }}";
    return [
        {
            alert: "VolSyncExporterAbsent",
            // `== 1` keeps a target that is scraped but down from counting as present.
            expr: `absent(up{job="${volsyncMetricsJob}"} == 1)`,
            for: exporterAbsentFor,
            severity: "critical",
            summary: "VolSync metrics are not being scraped.",
            description: `No healthy scrape target with job="${volsyncMetricsJob}" (Service volsync-metrics in ${settings.namespace}) for ${exporterAbsentFor}: backups may be failing unnoticed. Check the volsync Deployment and the ServiceMonitor ${volsyncMetricsJob}.`,
        },
        {
            alert: "VolSyncVolumeOutOfSync",
            expr: `max by (obj_namespace, obj_name) (volsync_volume_out_of_sync{role="source"}) == 1`,
            for: settings.outOfSyncAlertAfter,
            severity: "critical",
            summary: "A protected volume is out of sync with its backup.",
            description: `${source} has not completed a sync for ${settings.outOfSyncAlertAfter}; see \`kubectl -n {{ $labels.obj_namespace }} describe replicationsource {{ $labels.obj_name }}\` and the mover's log.`,
        },
        {
            alert: "VolSyncBackupOverdue",
            // VolSync counts a missed interval when a sync has not finished by the next scheduled start.
            expr: `max by (obj_namespace, obj_name) (increase(volsync_missed_intervals_total{role="source"}[2h])) > 0`,
            for: "5m",
            severity: "warning",
            summary: "A backup is older than its schedule allows.",
            description: `${source} missed a scheduled sync: its newest backup is older than the schedule allows.`,
        },
    ];
}

export class VolSync extends pulumi.ComponentResource {
    readonly namespace: string;

    constructor(name: string, args: VolSyncArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:backup:VolSync", name, {}, opts);
        const { settings, monitoring } = args;
        this.namespace = settings.namespace;
        const namespace = ownedNamespace(settings.namespace, {}, this);
        const chart = deployChart(name, {
            source: args.chart, namespace: settings.namespace, values: volsyncValues(args), dependsOn: [namespace],
        }, this);

        if (monitoring.enabled) {
            // Our own ServiceMonitor: the chart only renders one when the CRD already exists at render
            // time, which makes the first deploy differ from the second.
            new k8s.apiextensions.CustomResource(`${name}-metrics`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: volsyncMetricsJob, namespace: settings.namespace, labels: nonEmpty(monitoring.labels) },
                spec: {
                    selector: { matchLabels: { "app.kubernetes.io/name": "volsync", "app.kubernetes.io/instance": name } },
                    namespaceSelector: { matchNames: [settings.namespace] },
                    endpoints: [{
                        port: "https",
                        scheme: "https",
                        path: "/metrics",
                        bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
                        tlsConfig: { insecureSkipVerify: true },
                        // The alerts select on this job name, whatever the chart calls its Service.
                        relabelings: [{ targetLabel: "job", replacement: volsyncMetricsJob, action: "replace" }],
                    }],
                },
            }, { parent: this, dependsOn: [chart] });
            prometheusRule(`${name}-alerts`, settings.namespace, monitoring, volsyncAlertRules(settings),
                { parent: this, dependsOn: [namespace] });
        }
        this.registerOutputs({});
    }
}
