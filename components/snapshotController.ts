// The CSI snapshot-controller and the VolumeSnapshotClasses from config. This chart is the single owner
// of the snapshot.storage.k8s.io CRDs (OpenEBS is told not to install them).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, StackSettings } from "./config/stackConfig";
import { deployChart } from "./helmChart";
import { ownedNamespace } from "./namespace";

export interface SnapshotControllerArgs {
    chart: ChartSource;
    settings: StackSettings["snapshots"];
    /** Node labels the controller must run on (`kubernetes.nodeSelector`). */
    nodeSelector: Record<string, string>;
    /** The component that owns the namespace when it is not this one's (VolSync's, on the apps stack). */
    namespaceOwner?: pulumi.Resource;
}

export function snapshotControllerValues(args: Pick<SnapshotControllerArgs, "settings" | "nodeSelector">): Record<string, unknown> {
    return {
        installCRDs: true,
        controller: { replicaCount: 2, resources: args.settings.resources, nodeSelector: args.nodeSelector },
        // The conversion webhook is only for old group-snapshot objects and regenerates its cert each render.
        webhook: { enabled: false },
    };
}

export class SnapshotController extends pulumi.ComponentResource {
    readonly classNames: pulumi.Output<string>[];
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: SnapshotControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:storage:SnapshotController", name, {}, opts);
        const { settings } = args;
        const namespace = args.namespaceOwner ?? ownedNamespace(settings.namespace, {}, this);
        this.chart = deployChart(name, {
            source: args.chart, namespace: settings.namespace, values: snapshotControllerValues(args), dependsOn: [namespace],
        }, this);
        this.classNames = settings.classes.map((snapshotClass) => new k8s.apiextensions.CustomResource(`${name}-${snapshotClass.name}`, {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotClass",
            metadata: {
                name: snapshotClass.name,
                annotations: snapshotClass.isDefault ? { "snapshot.storage.kubernetes.io/is-default-class": "true" } : undefined,
                // Velero's built-in CSI support snapshots with the class carrying this label.
                labels: snapshotClass.isDefault ? { "velero.io/csi-volumesnapshot-class": "true" } : undefined,
            },
            driver: snapshotClass.driver,
            deletionPolicy: snapshotClass.deletionPolicy,
            parameters: snapshotClass.parameters,
        }, { parent: this, dependsOn: [this.chart] }).metadata.name);
        this.registerOutputs({ classNames: this.classNames });
    }
}
