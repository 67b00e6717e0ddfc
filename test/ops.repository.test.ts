// Day-2 operations on the data side, with the real restic binary and a real repository (a local one
// here; the sandbox suite repeats this against MinIO over TLS): back up, change, restore N backups back,
// verify, and recover from a repository left locked by a killed backup.
import * as assert from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { restoreSnapshotTo, sampleFiles, snapshotTable, verifyRepository } from "../ops/repositoryOps";
import { Restic, ResticError } from "../ops/restic";
import { treeChecksums } from "./helpers/fileTree";

const toolchainRestic = path.join(__dirname, "..", "toolchain", "bin", "restic");
const resticBinary = process.env.RESTIC_BINARY ?? (fs.existsSync(toolchainRestic) ? toolchainRestic : "restic");
const quiet = () => undefined;


describe("ops on a real restic repository", function () {
    this.timeout(120000);
    let work: string;
    let data: string;
    let restic: Restic;
    const states: Record<string, string>[] = [];

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "ops-restic-"));
        data = path.join(work, "volume");
        fs.mkdirSync(path.join(data, "db"), { recursive: true });
        restic = new Restic({ repository: path.join(work, "repo"), password: randomBytes(24).toString("hex"), env: { RESTIC_CACHE_DIR: path.join(work, "cache") } }, resticBinary);
        await restic.init();
        // Three backups of a changing volume: files written, changed and deleted between them.
        for (let version = 0; version < 3; version++) {
            for (let file = 0; file < 8; file++) {
                fs.writeFileSync(path.join(data, "db", `table-${file}.dat`), randomBytes(64 * 1024 + version * 1000 + file));
            }
            fs.writeFileSync(path.join(data, `only-in-v${version}.txt`), `version ${version}\n`);
            if (version > 0) {
                fs.rmSync(path.join(data, `only-in-v${version - 1}.txt`));
            }
            states.push(await treeChecksums(data));
            await restic.backup(data, [`v${version}`]);
            // Snapshot times have one-second resolution in listings; keep the order unambiguous.
            await new Promise((resolve) => setTimeout(resolve, 1100));
        }
    });

    after(function () {
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("lists backups newest first, numbered as --previous counts", async function () {
        const snapshots = await restic.snapshots();
        assert.deepStrictEqual(snapshots.map((snapshot) => snapshot.tags), [["v2"], ["v1"], ["v0"]]);
        const table = snapshotTable(snapshots);
        assert.match(table[1], /^0\s/);
        assert.match(table[3], /^2\s/);
        assert.deepStrictEqual(snapshotTable([]), ["no backups yet"]);
    });

    for (const previous of [0, 2]) {
        it(`restores the backup ${previous} back, matching that point in time`, async function () {
            const target = path.join(work, `restore-${previous}`);
            const snapshot = await restoreSnapshotTo(restic, previous, target, quiet);
            assert.deepStrictEqual(snapshot.tags, [`v${2 - previous}`]);
            assert.deepStrictEqual(await treeChecksums(path.join(target, data)), states[2 - previous]);
            assert.notDeepStrictEqual(states[2 - previous], states[2 - ((previous + 1) % 3)]);
        });
    }

    it("refuses to go back further than the backups that exist", async function () {
        await assert.rejects(restic.snapshotBack(3), (error: ResticError) => /--previous 3 asks for more than the 3 snapshot/.test(error.message));
    });

    it("verifies the repository with a checksummed sample restore", async function () {
        const scratch = path.join(work, "verify");
        const report = await verifyRepository(restic, scratch, 4, quiet);
        assert.strictEqual(report.files, 4);
        assert.ok(report.bytes > 4 * 64 * 1024);
        assert.deepStrictEqual(report.snapshot.tags, ["v2"]);
    });

    it("spreads the verification sample over the whole file list", function () {
        const files = Array.from({ length: 100 }, (_, index) => ({ path: `/f${String(index).padStart(3, "0")}` }));
        const sample = sampleFiles(files, 4).map((file) => file.path);
        assert.deepStrictEqual(sample, ["/f000", "/f025", "/f050", "/f075"]);
    });

    it("unlocks a repository left locked by a killed backup, and the next backup succeeds", async function () {
        const big = path.join(work, "big");
        fs.mkdirSync(big);
        for (let file = 0; file < 40; file++) {
            fs.writeFileSync(path.join(big, `blob-${file}`), randomBytes(4 * 1024 * 1024));
        }
        const env = { ...process.env, RESTIC_REPOSITORY: path.join(work, "repo"), RESTIC_PASSWORD: (restic as any).access.password, RESTIC_CACHE_DIR: path.join(work, "cache") };
        const backup = spawn(resticBinary, ["backup", "--no-scan", "--limit-upload", "1024", big], { env, stdio: "ignore" });
        const locks = path.join(work, "repo", "locks");
        // Generous: on a loaded machine restic can take seconds to start.
        for (let waited = 0; fs.readdirSync(locks).length === 0 && waited < 600; waited++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // Killed mid-backup (uploads are throttled so it cannot finish first), not while its lock is written.
        await new Promise((resolve) => setTimeout(resolve, 500));
        backup.kill("SIGKILL");
        await new Promise((resolve) => backup.on("close", resolve));
        assert.strictEqual(fs.readdirSync(locks).length, 1, "the killed backup left its lock");

        await restic.unlock();
        assert.strictEqual(fs.readdirSync(locks).length, 0);
        await restic.backup(data, ["after-unlock"]);
        assert.deepStrictEqual((await restic.snapshots())[0].tags, ["after-unlock"]);
    });

    it("fails verification when the repository is damaged", async function () {
        const packs = fs.readdirSync(path.join(work, "repo", "data"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
        // Damage every pack throughout, so whichever blobs the sample reads are hit.
        for (const pack of packs) {
            const file = path.join(pack.parentPath, pack.name);
            const bytes = fs.readFileSync(file);
            for (let offset = 0; offset < bytes.length; offset += 512) {
                bytes[offset] ^= 0xff;
            }
            fs.chmodSync(file, 0o600);
            fs.writeFileSync(file, bytes);
        }
        await assert.rejects(verifyRepository(restic, path.join(work, "verify-damaged"), 4, quiet), /failed|verification/);
    });
});
