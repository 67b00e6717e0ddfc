// Fetching a chart through its repository's index: the digest check, the order of places (cache, mirror
// folder, repository URL) and the message that names every place looked in. Small charts of our own in
// temporary repositories, one of them served on loopback.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tar from "tar";
import { stringify } from "yaml";
import { lookUpInFolder, sha256 } from "../components/config/chartIndex";
import { chartFetchOptionsFromEnv, fetchCharts, fetchedRepository } from "./helpers/chartFetch";
import { chartRepositoryServer } from "./sandbox/chartRepository";

const chart = "demo-chart";
const version = "1.2.3";

/** A repository folder holding `demo-chart` 1.2.3 (its archive and an index with the archive's digest). */
async function makeRepository(dir: string): Promise<{ archive: string; digest: string }> {
    const source = path.join(dir, "source");
    fs.mkdirSync(path.join(source, chart), { recursive: true });
    fs.writeFileSync(path.join(source, chart, "Chart.yaml"), `apiVersion: v2\nname: ${chart}\nversion: ${version}\n`);
    const repository = path.join(dir, "repository");
    fs.mkdirSync(repository);
    const archive = path.join(repository, `${chart}-${version}.tgz`);
    await tar.create({ gzip: true, file: archive, cwd: source }, [chart]);
    const digest = sha256(fs.readFileSync(archive));
    fs.writeFileSync(path.join(repository, "index.yaml"), stringify({
        apiVersion: "v1", entries: { [chart]: [{ name: chart, version, digest, urls: [path.basename(archive)] }] },
    }));
    return { archive, digest };
}

/** Flips one byte of a file, leaving everything else (and the index) as it was. */
function tamper(file: string): string {
    const data = fs.readFileSync(file);
    data[data.length - 10] ^= 0xff;
    fs.writeFileSync(file, data);
    return sha256(data);
}

describe("fetching charts through their repository index", function () {
    let dir: string;
    let repository: string;
    let archive: string;
    let digest: string;
    let server: http.Server;
    let url: string;
    let requests: string[];

    beforeEach(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-fetch-"));
        ({ archive, digest } = await makeRepository(dir));
        repository = path.dirname(archive);
        requests = [];
        server = chartRepositoryServer(repository, (line) => requests.push(line));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(async function () {
        await new Promise((resolve) => server.close(resolve));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const cache = () => path.join(dir, "cache");
    const fetchDemo = (options: { mirrorFolder?: string; repositoryUrl?: string } = {}) =>
        fetchCharts([{ chart, version, repo: url }], { cacheDir: cache(), ...options });
    const rejection = async (promise: Promise<unknown>): Promise<string> => {
        try {
            await promise;
        } catch (error) {
            return (error as Error).message;
        }
        assert.fail("expected the fetch to fail");
    };

    it("downloads a good archive from the repository URL when there is no mirror, and checks it", async function () {
        const fetched = await fetchDemo();
        assert.strictEqual(fetched, fetchedRepository(cache()));
        const found = lookUpInFolder(fetched, chart, version);
        assert.ok("archive" in found, JSON.stringify(found));
        assert.deepStrictEqual(fs.readFileSync(found.archive), fs.readFileSync(archive));
        assert.deepStrictEqual(requests, ["GET /index.yaml 200", `GET /${chart}-${version}.tgz 200`]);
    });

    it("does not fetch again what the cache holds intact", async function () {
        await fetchDemo();
        requests.length = 0;
        await fetchDemo();
        assert.deepStrictEqual(requests, []);
    });

    it("refuses an archive with one byte changed, naming chart, version, every place and both digests", async function () {
        const found = tamper(archive);
        const message = await rejection(fetchDemo());
        assert.match(message, new RegExp(`chart ${chart} ${version} is not available`));
        assert.ok(message.includes(`cache ${fetchedRepository(cache())}`), message);
        assert.ok(message.includes(`${url}/${chart}-${version}.tgz does not match its index`), message);
        assert.ok(message.includes(`expected digest sha256:${digest}, found sha256:${found}`), message);
        assert.ok(!fs.existsSync(path.join(fetchedRepository(cache()), `${chart}-${version}.tgz`)), "a refused archive is not kept");
    });

    it("refuses a missing archive and a missing index entry, naming what was asked for", async function () {
        fs.rmSync(archive);
        assert.match(await rejection(fetchDemo()), new RegExp(`${url}/${chart}-${version}.tgz: HTTP 404`));
        const other = await rejection(fetchCharts([{ chart, version: "9.9.9", repo: url }], { cacheDir: cache() }));
        assert.match(other, new RegExp(`chart ${chart} 9.9.9 is not available`));
        assert.ok(other.includes(`${url}/index.yaml: no entry for ${chart} 9.9.9`), other);
    });

    it("names a repository that cannot be reached", async function () {
        const message = await rejection(fetchDemo({ repositoryUrl: "http://127.0.0.1:1" }));
        assert.ok(message.includes("repository http://127.0.0.1:1/index.yaml:"), message);
    });

    it("prefers the mirror folder when present and downloads when it lacks the chart", async function () {
        await fetchDemo({ mirrorFolder: repository });
        assert.deepStrictEqual(requests, [], "nothing is downloaded when the mirror has the chart");

        fs.rmSync(cache(), { recursive: true });
        const emptyMirror = path.join(dir, "empty-mirror");
        fs.mkdirSync(emptyMirror);
        await fetchDemo({ mirrorFolder: emptyMirror });
        assert.strictEqual(requests.length, 2);
    });

    it("refuses a tampered archive in the mirror folder and says so when nothing else has the chart", async function () {
        const found = tamper(archive);
        const message = await rejection(fetchDemo({ mirrorFolder: repository, repositoryUrl: "http://127.0.0.1:1" }));
        assert.ok(message.includes(`mirror ${repository}: ${chart}-${version}.tgz does not match its index`), message);
        assert.ok(message.includes(`found sha256:${found}`), message);
    });

    it("reads the mirror and cache from CHART_MIRROR and CHART_CACHE", function () {
        assert.deepStrictEqual(chartFetchOptionsFromEnv({ CHART_MIRROR: url, CHART_CACHE: cache() }), { repositoryUrl: url, cacheDir: cache() });
        assert.deepStrictEqual(chartFetchOptionsFromEnv({ CHART_MIRROR: "none", CHART_CACHE: cache() }), { cacheDir: cache() });
        assert.deepStrictEqual(chartFetchOptionsFromEnv({ CHART_MIRROR: repository, CHART_CACHE: cache() }), { mirrorFolder: repository, cacheDir: cache() });
    });
});
