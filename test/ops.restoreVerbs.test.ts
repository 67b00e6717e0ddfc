// `ops verify --against`: a restored copy compared file by file with its backup, with the real restic binary
// and a local repository (the sandbox suite does the same through MinIO).
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareWithCopy, scheduleLabel, veleroRestore } from "../ops/restoreVerbs";
import { OpsContext } from "../ops/verbs";
import { minimalRawConfig, settingsFrom } from "./helpers/settings";
import { Restic } from "../ops/restic";

const toolchainRestic = path.join(__dirname, "..", "toolchain", "bin", "restic");
const resticBinary = process.env.RESTIC_BINARY ?? (fs.existsSync(toolchainRestic) ? toolchainRestic : "restic");

describe("a restored copy compared with its backup", function () {
    this.timeout(120000);
    let work: string;
    let volume: string;
    let restic: Restic;
    let snapshot: { id: string; paths: string[] };

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "ops-compare-"));
        volume = path.join(work, "volume");
        fs.mkdirSync(path.join(volume, "db"), { recursive: true });
        for (let file = 0; file < 4; file++) {
            fs.writeFileSync(path.join(volume, "db", `table-${file}.dat`), randomBytes(32 * 1024 + file));
        }
        restic = new Restic({ repository: path.join(work, "repo"), password: randomBytes(24).toString("hex"), env: { RESTIC_CACHE_DIR: path.join(work, "cache") } }, resticBinary);
        await restic.init();
        await restic.backup(volume);
        snapshot = await restic.snapshotBack(0);
    });

    after(function () {
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("a copy holding the backed-up directory's content at its root matches, every file counted", async function () {
        const copy = path.join(work, "copy");
        fs.cpSync(volume, copy, { recursive: true });
        const comparison = await compareWithCopy(restic, snapshot.id, snapshot.paths, copy);
        assert.deepStrictEqual(comparison.problems, []);
        assert.strictEqual(comparison.files, 4);
        assert.strictEqual(comparison.bytes, 4 * 32 * 1024 + 6);
    });

    it("names a changed file and a missing one", async function () {
        const copy = path.join(work, "damaged");
        fs.cpSync(volume, copy, { recursive: true });
        fs.writeFileSync(path.join(copy, "db", "table-1.dat"), "changed");
        fs.rmSync(path.join(copy, "db", "table-3.dat"));
        const comparison = await compareWithCopy(restic, snapshot.id, snapshot.paths, copy);
        assert.strictEqual(comparison.files, 2);
        assert.strictEqual(comparison.problems.length, 2);
        assert.match(comparison.problems[0], /db\/table-1\.dat: SHA-256 [0-9a-f]{64} in the copy, [0-9a-f]{64} in the backup/);
        assert.match(comparison.problems[1], /db\/table-3\.dat: missing from /);
    });
});

describe("ops velero-restore when the schedule has no completed backup", function () {
    const settings = settingsFrom(minimalRawConfig());
    const backup = (name: string, phase: string, status: Record<string, unknown>) => ({
        metadata: { name, labels: { [scheduleLabel]: "daily-backup" } }, status: { phase, ...status },
    });
    /** A cluster holding `backups`; creating anything there is a failure of the test. */
    const contextWith = (backups: unknown[]) => ({
        settings, progress: () => undefined, timeoutSeconds: 1,
        cluster: () => ({ list: async () => backups, create: async () => assert.fail("a Restore was created") }),
    }) as unknown as OpsContext;

    it("lists the PartiallyFailed and Failed ones, newest first, with their error counts, and says how to pick one", async function () {
        const context = contextWith([
            backup("daily-backup-20261128020000", "PartiallyFailed", { errors: 3, warnings: 1, completionTimestamp: "2026-11-28T02:01:00Z" }),
            backup("daily-backup-20261130020000", "Failed", { errors: 1, completionTimestamp: "2026-11-30T02:01:00Z" }),
            backup("daily-backup-20261129020000", "FailedValidation", { validationErrors: ["no such location"], completionTimestamp: "2026-11-29T02:00:00Z" }),
            backup("daily-backup-20261201020000", "InProgress", {}),
        ]);
        await assert.rejects(veleroRestore(context, "default", {}), (error: Error) => {
            const lines = error.message.split("\n");
            assert.strictEqual(lines[0], "schedule daily-backup has no completed Velero backup in namespace velero, only these (newest first):");
            assert.deepStrictEqual(lines.slice(1, 4), [
                "  daily-backup-20261130020000: Failed, 1 error(s), 0 warning(s), 2026-11-30T02:01:00Z",
                "  daily-backup-20261129020000: FailedValidation, validation: no such location, 2026-11-29T02:00:00Z",
                "  daily-backup-20261128020000: PartiallyFailed, 3 error(s), 1 warning(s), 2026-11-28T02:01:00Z",
            ]);
            assert.match(lines[4], /velero backup describe <name> --details.*--backup <name>/);
            return true;
        });
    });

    it("says only that there is none when the schedule has made no finished backup", async function () {
        await assert.rejects(veleroRestore(contextWith([]), "default", {}),
            /^Error: schedule daily-backup has no completed Velero backup in namespace velero; name one with --backup$/);
    });
});
