// The one place where chart repositories and exact versions are pinned. A range would be resolved at
// preview time and upgrade silently, so every entry is an exact version. Stacks override an entry with
// `charts.<name>` (e.g. a mirror for an air-gapped cluster, or a local chart path).

/** Where a Helm chart comes from. */
export interface ChartSource {
    /** Chart name in `repo`, or a local path / `oci://` reference when `repo` is unset. */
    chart: string;
    /** Exact chart version; ignored by Helm for local paths. */
    version?: string;
    /** Helm repository URL; unset for local paths and OCI references. */
    repo?: string;
}

export const chartNames = ["localpvProvisioner", "lvmLocalpv", "snapshotController", "volsync", "velero"] as const;
export type ChartName = (typeof chartNames)[number];

export const pinnedCharts: Record<ChartName, ChartSource> = {
    // OpenEBS engine charts installed directly: the umbrella chart needs every engine's subchart, even disabled ones.
    localpvProvisioner: { repo: "https://openebs.github.io/dynamic-localpv-provisioner", chart: "localpv-provisioner", version: "4.0.0" },
    lvmLocalpv: { repo: "https://openebs.github.io/lvm-localpv", chart: "lvm-localpv", version: "1.5.0" },
    snapshotController: { repo: "https://piraeus.io/helm-charts/", chart: "snapshot-controller", version: "5.2.0" },
    volsync: { repo: "https://backube.github.io/helm-charts/", chart: "volsync", version: "0.16.0" },
    velero: { repo: "https://vmware-tanzu.github.io/helm-charts", chart: "velero", version: "12.1.0" },
};
