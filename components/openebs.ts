// OpenEBS LocalPV: the umbrella chart with only the hostpath provisioner (LVM on request), and the
// StorageClasses the cluster uses. The classes are ours, not the chart's, so their names are config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, StackSettings } from "./config/stackConfig";
import { deployChart } from "./helmChart";
import { ownedNamespace } from "./namespace";

export interface OpenEbsArgs {
    chart: ChartSource;
    settings: StackSettings["openebs"];
}

/** The StorageClass annotation OpenEBS hostpath reads its settings from: a YAML list of name/value pairs. */
export function hostpathCasConfig(basePath: string): string {
    return `- name: StorageType\n  value: "hostpath"\n- name: BasePath\n  value: "${basePath}"\n`;
}

/** Chart values: hostpath only, HA provisioner, no second owner of the snapshot CRDs. */
export function openEbsValues(settings: StackSettings["openebs"]): Record<string, unknown> {
    return {
        // The snapshot-controller chart owns snapshot.storage.k8s.io; OpenEBS must not install it too.
        "openebs-crds": { csi: { volumeSnapshots: { enabled: false } } },
        engines: {
            local: { lvm: { enabled: settings.lvmClass !== undefined }, zfs: { enabled: false } },
            replicated: { mayastor: { enabled: false } },
        },
        "localpv-provisioner": {
            analytics: { enabled: false },
            // We create the class ourselves so its name and default flag are config.
            hostpathClass: { enabled: false },
            localpv: {
                basePath: settings.hostpathClass.basePath,
                replicas: settings.replicas,
                // One replica provisions; the others stand by on other nodes (ADR-003 availability).
                enableLeaderElection: true,
                resources: settings.resources,
                affinity: {
                    podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: [{
                            topologyKey: "kubernetes.io/hostname",
                            labelSelector: { matchLabels: { app: "localpv-provisioner" } },
                        }],
                    },
                },
            },
        },
        ...(settings.lvmClass ? { "lvm-localpv": { crds: { csi: { volumeSnapshots: { enabled: false } } } } } : {}),
    };
}

export class OpenEbs extends pulumi.ComponentResource {
    readonly hostpathClassName: pulumi.Output<string>;
    readonly lvmClassName?: pulumi.Output<string>;
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: OpenEbsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:storage:OpenEbs", name, {}, opts);
        const { settings } = args;
        const namespace = ownedNamespace(settings.namespace, {
            // The hostpath provisioner's helper pods mount host directories.
            "pod-security.kubernetes.io/enforce": "privileged",
        }, this);
        this.chart = deployChart(name, {
            source: args.chart, namespace: settings.namespace, values: openEbsValues(settings), dependsOn: [namespace],
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
        }, { parent: this, dependsOn: [this.chart] });
        this.hostpathClassName = hostpath.metadata.name;

        if (settings.lvmClass) {
            const lvm = new k8s.storage.v1.StorageClass(`${name}-lvm`, {
                metadata: { name: settings.lvmClass.name },
                provisioner: "local.csi.openebs.io",
                parameters: { storage: "lvm", volgroup: settings.lvmClass.volumeGroup, fsType: settings.lvmClass.fsType },
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: "Delete",
                allowVolumeExpansion: true,
            }, { parent: this, dependsOn: [this.chart] });
            this.lvmClassName = lvm.metadata.name;
        }
        this.registerOutputs({ hostpathClassName: this.hostpathClassName, lvmClassName: this.lvmClassName });
    }
}
