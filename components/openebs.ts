// OpenEBS LocalPV: the hostpath provisioner chart (and the LVM engine chart on request), and the
// StorageClasses the cluster uses. The classes are ours, not the charts', so their names are config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, StackSettings } from "./config/stackConfig";
import { deployChart } from "./helmChart";
import { ownedNamespace } from "./namespace";

export interface OpenEbsArgs {
    charts: { localpvProvisioner: ChartSource; lvmLocalpv: ChartSource };
    settings: StackSettings["openebs"];
    /** Node labels the provisioners must run on (the LVM node plugin runs on every node) (`kubernetes.nodeSelector`). */
    nodeSelector: Record<string, string>;
}

/** The StorageClass annotation OpenEBS hostpath reads its settings from: a YAML list of name/value pairs. */
export function hostpathCasConfig(basePath: string): string {
    return `- name: StorageType\n  value: "hostpath"\n- name: BasePath\n  value: "${basePath}"\n`;
}

/** localpv-provisioner values: an HA hostpath provisioner, without the chart's class or analytics. */
export function localpvProvisionerValues({ settings, nodeSelector }: Pick<OpenEbsArgs, "settings" | "nodeSelector">): Record<string, unknown> {
    return {
        analytics: { enabled: false },
        // We create the class ourselves so its name and default flag are config.
        hostpathClass: { enabled: false },
        localpv: {
            basePath: settings.hostpathClass.basePath,
            replicas: settings.replicas,
            // One replica provisions; the others stand by on other nodes (ADR-003 availability).
            enableLeaderElection: true,
            resources: settings.resources,
            nodeSelector,
            affinity: {
                podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [{
                        topologyKey: "kubernetes.io/hostname",
                        // Every provisioner pod carries the chart name as `app`, whatever the release is called.
                        labelSelector: { matchLabels: { app: "localpv-provisioner" } },
                    }],
                },
            },
        },
    };
}

/** lvm-localpv values: no second owner of the snapshot CRDs, and every container memory-bounded. */
export function lvmLocalpvValues(lvmClass: NonNullable<StackSettings["openebs"]["lvmClass"]>, replicas: number,
    nodeSelector: Record<string, string>): Record<string, unknown> {
    return {
        analytics: { enabled: false },
        // The snapshot-controller chart owns snapshot.storage.k8s.io; the LVM CRDs stay on.
        crds: { csi: { volumeSnapshots: { enabled: false } } },
        // The chart spreads controller replicas across nodes and turns leader election on above one
        // replica, so the LVM provisioner gets the same availability as the hostpath one. The chart gives
        // all controller containers one resources block and all node-plugin containers another.
        lvmController: { replicas, resources: lvmClass.controllerResources, nodeSelector },
        lvmNode: { resources: lvmClass.nodeResources },
    };
}

export class OpenEbs extends pulumi.ComponentResource {
    readonly hostpathClassName: pulumi.Output<string>;
    readonly lvmClassName?: pulumi.Output<string>;

    constructor(name: string, args: OpenEbsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:storage:OpenEbs", name, {}, opts);
        const { settings } = args;
        const namespace = ownedNamespace(settings.namespace, {
            // The hostpath provisioner's helper pods mount host directories.
            "pod-security.kubernetes.io/enforce": "privileged",
        }, this);
        const hostpathChart = deployChart(`${name}-localpv-provisioner`, {
            source: args.charts.localpvProvisioner, namespace: settings.namespace,
            values: localpvProvisionerValues(args), dependsOn: [namespace],
        }, this);

        const hostpath = new k8s.storage.v1.StorageClass(`${name}-hostpath`, {
            metadata: {
                name: settings.hostpathClass.name,
                annotations: {
                    "openebs.io/cas-type": "local",
                    "cas.openebs.io/config": hostpathCasConfig(settings.hostpathClass.basePath),
                    ...(settings.hostpathClass.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {}),
                },
            },
            provisioner: "openebs.io/local",
            volumeBindingMode: "WaitForFirstConsumer",
            reclaimPolicy: "Delete",
        }, { parent: this, dependsOn: [hostpathChart] });
        this.hostpathClassName = hostpath.metadata.name;

        if (settings.lvmClass) {
            const lvmChart = deployChart(`${name}-lvm-localpv`, {
                source: args.charts.lvmLocalpv, namespace: settings.namespace,
                values: lvmLocalpvValues(settings.lvmClass, settings.replicas, args.nodeSelector), dependsOn: [namespace],
            }, this);
            const lvm = new k8s.storage.v1.StorageClass(`${name}-lvm`, {
                metadata: { name: settings.lvmClass.name },
                provisioner: "local.csi.openebs.io",
                parameters: { storage: "lvm", volgroup: settings.lvmClass.volumeGroup, fsType: settings.lvmClass.fsType },
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: "Delete",
                allowVolumeExpansion: true,
            }, { parent: this, dependsOn: [lvmChart] });
            this.lvmClassName = lvm.metadata.name;
        }
        this.registerOutputs({ hostpathClassName: this.hostpathClassName, lvmClassName: this.lvmClassName });
    }
}
