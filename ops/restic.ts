// The real restic binary, driven with an app's own repository credentials. Every call states what it
// was doing when it fails, and nothing here deletes data.
import { spawn } from "child_process";
import { createHash } from "crypto";
import { createReadStream } from "fs";

/** Everything restic needs to open one app's repository. */
export interface ResticAccess {
    repository: string;
    password: string;
    /** Extra environment: S3 keys, region, RESTIC_CACERT... */
    env: Record<string, string>;
}

export interface Snapshot {
    id: string;
    short_id: string;
    time: string;
    paths: string[];
    hostname?: string;
    tags?: string[];
}

export class ResticError extends Error {}

export class Restic {
    constructor(private readonly access: ResticAccess, private readonly binary = process.env.RESTIC_BINARY ?? "restic") {}

    /** Runs restic; resolves with stdout, rejects with restic's own message. `onStdout` streams long output. */
    private run(what: string, args: string[], onStdout?: (chunk: Buffer) => void): Promise<string> {
        return new Promise((resolve, reject) => {
            const child = spawn(this.binary, args, {
                env: {
                    PATH: process.env.PATH ?? "",
                    HOME: process.env.HOME ?? "/tmp",
                    RESTIC_REPOSITORY: this.access.repository,
                    RESTIC_PASSWORD: this.access.password,
                    ...this.access.env,
                },
                stdio: ["ignore", "pipe", "pipe"],
            });
            const stdout: Buffer[] = [];
            const stderr: Buffer[] = [];
            child.stdout.on("data", (chunk: Buffer) => (onStdout ? onStdout(chunk) : stdout.push(chunk)));
            child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
            child.on("error", (error) => reject(new ResticError(`${what}: could not run ${this.binary}: ${error.message}`)));
            child.on("close", (code) => {
                if (code === 0) {
                    resolve(Buffer.concat(stdout).toString("utf8"));
                } else {
                    const message = Buffer.concat(stderr).toString("utf8").trim().split("\n").slice(-3).join(" ");
                    reject(new ResticError(`${what} failed (restic exit ${code}): ${message || "no message"}`));
                }
            });
        });
    }

    async init(): Promise<void> {
        await this.run("initialising the repository", ["init"]);
    }

    /** Snapshots, newest first. `noLock` reads without a lock, so a stale lock cannot block it. */
    async snapshots(noLock = false): Promise<Snapshot[]> {
        const snapshots = JSON.parse(await this.run("listing snapshots", ["snapshots", "--json", ...(noLock ? ["--no-lock"] : [])])) as Snapshot[] | null;
        return (snapshots ?? []).sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    }

    /** The snapshot `previous` backups before the latest (0 = latest). */
    async snapshotBack(previous: number): Promise<Snapshot> {
        const snapshots = await this.snapshots();
        if (snapshots.length === 0) {
            throw new ResticError(`the repository ${this.access.repository} has no snapshots yet`);
        }
        if (previous >= snapshots.length) {
            throw new ResticError(`--previous ${previous} asks for more than the ${snapshots.length} snapshot(s) in ${this.access.repository} (0 is the latest)`);
        }
        return snapshots[previous];
    }

    async backup(directory: string, tags: string[] = []): Promise<void> {
        await this.run(`backing up ${directory}`, ["backup", "--quiet", ...tags.flatMap((tag) => ["--tag", tag]), directory]);
    }

    async check(readDataSubset?: string): Promise<void> {
        await this.run("checking the repository", ["check", ...(readDataSubset ? [`--read-data-subset=${readDataSubset}`] : [])]);
    }

    /** Bytes the repository stores (packed and compressed), read without a lock. */
    async storedBytes(): Promise<number> {
        return (JSON.parse(await this.run("reading the repository size", ["stats", "--mode", "raw-data", "--json", "--no-lock"])) as { total_size: number }).total_size;
    }

    /** Ids of the locks in the repository (a running backup's or stale ones), read without taking one. */
    async lockIds(): Promise<string[]> {
        return (await this.run("listing locks", ["list", "locks", "--no-lock"])).split("\n").filter((line) => line.trim());
    }

    async unlock(): Promise<void> {
        await this.run("removing stale locks", ["unlock"]);
    }

    /** Files (absolute paths inside the snapshot) with their sizes. */
    async files(snapshotId: string): Promise<{ path: string; size: number }[]> {
        const output = await this.run(`listing files of ${snapshotId}`, ["ls", "--json", snapshotId]);
        return output.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line))
            .filter((node) => node.struct_type === "node" && node.type === "file")
            .map((node) => ({ path: node.path as string, size: node.size as number }));
    }

    /** Restores a snapshot (or only `include`d paths) into `target`, verifying content as restic writes it. */
    async restore(snapshotId: string, target: string, include: string[] = []): Promise<void> {
        await this.run(`restoring ${snapshotId} into ${target}`,
            ["restore", snapshotId, "--target", target, "--verify", ...include.flatMap((file) => ["--include", file])]);
    }

    /** SHA-256 of one file as stored in the snapshot, read through `restic dump`. */
    async storedSha256(snapshotId: string, file: string): Promise<string> {
        const hash = createHash("sha256");
        await this.run(`reading ${file} from ${snapshotId}`, ["dump", snapshotId, file], (chunk) => hash.update(chunk));
        return hash.digest("hex");
    }
}

export function fileSha256(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        createReadStream(file).on("data", (chunk) => hash.update(chunk)).on("end", () => resolve(hash.digest("hex"))).on("error", reject);
    });
}
