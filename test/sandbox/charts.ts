// Assembles the test charts for one run: test/charts/<chart> plus the upstream CRDs from ../shared/crds,
// added here at run time so that no CRD is ever copied into the repository.
import * as fs from "fs";
import * as path from "path";
import { ChartName } from "../../components/config/chartSources";
import { crdDirectory } from "../helpers/crdSchemas";

const testCharts = path.resolve(__dirname, "..", "charts");

/** Chart directory per config key, the CRD groups it carries and where Helm expects them. */
const layout: Record<ChartName, { dir: string; crdGroups: string[]; crdPath: string }> = {
    openebs: { dir: "openebs", crdGroups: ["snapshot.storage.k8s.io"], crdPath: "files/crds" },
    snapshotController: { dir: "snapshot-controller", crdGroups: ["snapshot.storage.k8s.io"], crdPath: "files/crds" },
    volsync: { dir: "volsync", crdGroups: ["volsync.backube"], crdPath: "files/crds" },
    // Velero's chart installs its CRDs from crds/, unconditionally.
    velero: { dir: "velero", crdGroups: ["velero.io"], crdPath: "crds" },
};

/** Copies the charts under `target` and returns the `charts.*` stack config pointing at them. */
export function assembleCharts(target: string): Record<ChartName, { chart: string }> {
    fs.rmSync(target, { recursive: true, force: true });
    return Object.fromEntries(Object.entries(layout).map(([name, chart]) => {
        const dir = path.join(target, chart.dir);
        fs.cpSync(path.join(testCharts, chart.dir), dir, { recursive: true });
        const crdDir = path.join(dir, chart.crdPath);
        fs.mkdirSync(crdDir, { recursive: true });
        for (const group of chart.crdGroups) {
            for (const file of fs.readdirSync(path.join(crdDirectory, group)).filter((file) => file.endsWith(".yaml"))) {
                fs.copyFileSync(path.join(crdDirectory, group, file), path.join(crdDir, file));
            }
        }
        return [name, { chart: dir }];
    })) as Record<ChartName, { chart: string }>;
}

/** CRDs of the controllers the cluster is expected to run already (External Secrets, prometheus-operator). */
export function prerequisiteCrdFiles(): string[] {
    return ["external-secrets.io", "monitoring.coreos.com"].flatMap((group) =>
        fs.readdirSync(path.join(crdDirectory, group)).filter((file) => file.endsWith(".yaml")).map((file) => path.join(crdDirectory, group, file)));
}
