// `charts.mirror`: every pinned chart from one mirror, for a deployer that cannot reach the public chart
// repositories. A folder mirror is checked against its index when the config is read.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chartNames, pinnedCharts } from "../components/config/chartSources";
import { StackConfigError } from "../components/config/stackConfig";
import { chartArchive } from "./helpers/chartArchive";
import { minimalRawConfig, settingsFrom } from "./helpers/settings";

const withMirror = (charts: Record<string, unknown>) => settingsFrom({ ...minimalRawConfig(), charts });

/** A folder mirror made of the fetched pinned charts: their archives and an index with their digests. */
function mirrorFolder(dir: string): string {
    const folder = path.join(dir, "mirror");
    fs.mkdirSync(folder);
    const repository = path.dirname(chartArchive(pinnedCharts.velero.chart, pinnedCharts.velero.version!));
    for (const file of fs.readdirSync(repository)) {
        fs.copyFileSync(path.join(repository, file), path.join(folder, file));
    }
    return folder;
}

describe("charts.mirror", function () {
    let dir: string;

    beforeEach(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-mirror-"));
    });

    afterEach(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a repository URL serves every pinned chart by name and version", function () {
        const { charts } = withMirror({ mirror: "https://charts.mirror.example.lan/stable" });
        for (const name of chartNames) {
            assert.deepStrictEqual(charts[name], { ...pinnedCharts[name], repo: "https://charts.mirror.example.lan/stable" });
        }
    });

    it("an oci:// registry names each chart under it", function () {
        const { charts } = withMirror({ mirror: "oci://registry.example.lan/charts/" });
        assert.deepStrictEqual(charts.velero, { chart: "oci://registry.example.lan/charts/velero", version: pinnedCharts.velero.version });
    });

    it("a folder gives each chart as its checked archive; a charts.<name> override still wins", function () {
        const folder = mirrorFolder(dir);
        const override = { chart: "volsync", version: "0.15.0", repo: "https://backube.example.lan/" };
        const { charts } = withMirror({ mirror: folder, volsync: override });
        assert.deepStrictEqual(charts.velero, { chart: path.join(folder, `velero-${pinnedCharts.velero.version}.tgz`) });
        assert.deepStrictEqual(charts.volsync, override);
    });

    it("refuses a folder that lacks a chart or holds a changed archive, before anything is changed", function () {
        const folder = mirrorFolder(dir);
        const lvm = `lvm-localpv-${pinnedCharts.lvmLocalpv.version}.tgz`;
        fs.rmSync(path.join(folder, lvm));
        const velero = path.join(folder, `velero-${pinnedCharts.velero.version}.tgz`);
        const data = fs.readFileSync(velero);
        data[100] ^= 0xff;
        fs.writeFileSync(velero, data);
        assert.throws(() => withMirror({ mirror: folder }), (error: unknown) => {
            assert.ok(error instanceof StackConfigError, String(error));
            const message = (error as Error).message;
            assert.ok(message.includes("nothing was changed"), message);
            assert.ok(message.includes(`storage-backup:charts.mirror: expected every pinned chart in the mirror; lvm-localpv ${pinnedCharts.lvmLocalpv.version}: ${folder}: index.yaml lists ${lvm}, which is missing`), message);
            assert.ok(new RegExp(`velero ${pinnedCharts.velero.version}: ${folder}: velero-[\\d.]+\\.tgz does not match its index: expected digest sha256:[0-9a-f]{64}, found sha256:[0-9a-f]{64}`).test(message), message);
            return true;
        });
    });

    it("names a folder that does not exist", function () {
        assert.throws(() => withMirror({ mirror: path.join(dir, "nowhere") }), /storage-backup:charts\.mirror: .*nowhere: no such folder/);
    });
});
