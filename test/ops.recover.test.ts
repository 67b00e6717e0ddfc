import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { fileBackendLocks, isPulumiManager, lockHolder, parseConflicts, pendingConsequence } from "../ops/recover";

describe("ops recover: locks and pending operations", () => {
    const host = "ci-runner-7";

    it("a lock taken on this host is the holder's while its pid runs, and stale once it is gone", () => {
        const lock = { pid: 4242, hostname: host };
        assert.strictEqual(lockHolder(lock, (pid) => pid === 4242, host), "running");
        assert.strictEqual(lockHolder(lock, () => false, host), "gone");
    });

    it("a lock from another host is never called stale: its pid means nothing here", () => {
        assert.strictEqual(lockHolder({ pid: 1, hostname: "laptop" }, () => false, host), "unknown");
        assert.strictEqual(lockHolder({ pid: 1, hostname: "laptop" }, () => true, host), "unknown");
    });

    it("reads a DIY file backend's lock files for the project's stack only", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "recover-locks-"));
        const folder = path.join(root, ".pulumi", "locks", "organization", "storage-backup", "apps");
        const other = path.join(root, ".pulumi", "locks", "organization", "storage-backup", "other");
        fs.mkdirSync(folder, { recursive: true });
        fs.mkdirSync(other, { recursive: true });
        const content = { pid: 77, username: "ops", hostname: host, timestamp: "2026-12-03T10:00:00Z" };
        fs.writeFileSync(path.join(folder, "f00d.json"), JSON.stringify(content));
        fs.writeFileSync(path.join(other, "beef.json"), JSON.stringify({ ...content, pid: 78 }));
        const locks = fileBackendLocks(pathToFileURL(root).href, "storage-backup", "apps");
        assert.deepStrictEqual(locks, [{ file: path.join(folder, "f00d.json"), ...content }]);
        assert.deepStrictEqual(fileBackendLocks(pathToFileURL(root).href, "storage-backup", "none"), []);
    });

    it("says it cannot read the locks of a backend that is not a folder", () => {
        assert.strictEqual(fileBackendLocks("s3://state-bucket", "storage-backup", "apps"), undefined);
        assert.strictEqual(fileBackendLocks("https://api.example.test", "storage-backup", "apps"), undefined);
    });

    it("says for each kind of pending operation what the next run does about it", () => {
        const urn = "urn:pulumi:apps::storage-backup::onepassword:index/item:Item::volsync-minio";
        const creating = pendingConsequence({ type: "creating", urn });
        assert.match(creating, /may have finished/);
        assert.match(creating, /1Password items are looked up by name and imported/);
        assert.match(pendingConsequence({ type: "updating", urn }), /read back \(refresh\).*applies what still differs/);
        assert.match(pendingConsequence({ type: "deleting", urn }), /read back \(refresh\).*deletes it only if it is still there/);
    });

    it("reads the API server's apply conflicts, one or several fields per manager", () => {
        const one = "Server-Side Apply field conflict detected. The resource managed by field manager \"pulumi-kubernetes-1a2b\" had an apply conflict: "
            + "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas";
        assert.deepStrictEqual(parseConflicts("volsync", one), [{ resource: "volsync", manager: "kubectl-scale", fields: [".spec.replicas"] }]);
        const several = "Apply failed with 3 conflicts: conflicts with \"pulumi-kubernetes-9f8e\" using apps/v1:\n- .spec.template.metadata.annotations.checksum\n"
            + "- .spec.template.spec.containers[name=\"manager\"].image\nconflicts with \"kubectl-edit\" using apps/v1:\n- .spec.replicas";
        assert.deepStrictEqual(parseConflicts("provisioner", several), [
            { resource: "provisioner", manager: "pulumi-kubernetes-9f8e", fields: [".spec.template.metadata.annotations.checksum", ".spec.template.spec.containers[name=\"manager\"].image"] },
            { resource: "provisioner", manager: "kubectl-edit", fields: [".spec.replicas"] },
        ]);
        assert.deepStrictEqual(parseConflicts("x", "error: connection refused"), []);
    });

    it("tells the lost state's own field managers from everyone else's", () => {
        assert.ok(isPulumiManager("pulumi-kubernetes-1a2b3c4d"));
        assert.ok(isPulumiManager("pulumi-kubernetes"));
        for (const other of ["kubectl-edit", "kubectl-client-side-apply", "helm", "my-pulumi-kubernetes-fork"]) {
            assert.ok(!isPulumiManager(other), other);
        }
    });
});
