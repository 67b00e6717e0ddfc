// `ops recover`: one command after an interrupted `pulumi up` or `destroy` (a CI job or laptop killed mid-run).
// Pulumi leaves two things behind: the stack's lock, and pending operations in its state. `pulumi cancel`
// removes every lock, including one held by an update that still runs (on a DIY backend it only deletes
// files), so a second operator could break into a running update. Here a lock is removed only when its holder
// is known to be gone. Pending operations are listed, each with what the next run does about it, and cleared;
// then the interrupted command runs again. The same brings a stack whose state is gone back under management.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath } from "url";
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";

/** What a DIY backend writes into `.pulumi/locks/…/<stack>/<id>.json` (pkg/backend/diy/lock.go). */
export interface StackLock {
    file: string;
    pid: number;
    username: string;
    hostname: string;
    timestamp: string;
}

export type LockHolder = "running" | "gone" | "unknown";

/** Whether the process that took `lock` still runs: only answerable on the host that took it. */
export function lockHolder(lock: Pick<StackLock, "pid" | "hostname">, isRunning: (pid: number) => boolean, host = os.hostname()): LockHolder {
    if (lock.hostname !== host) {
        return "unknown";
    }
    return isRunning(lock.pid) ? "running" : "gone";
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        // EPERM: it runs, as another user.
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** The stack's lock files on a `file://` backend; undefined for a backend whose locks cannot be read here. */
export function fileBackendLocks(backendUrl: string, project: string, stack: string): StackLock[] | undefined {
    if (!backendUrl.startsWith("file://")) {
        return undefined;
    }
    const root = path.join(fileURLToPath(backendUrl.replace(/\?.*$/, "")), ".pulumi", "locks");
    // Project-scoped stacks live under `organization/<project>/<stack>`, legacy ones under `<stack>`.
    const folders = [path.join(root, "organization", project, stack), path.join(root, stack)];
    return folders.filter((folder) => fs.existsSync(folder)).flatMap((folder) => fs.readdirSync(folder)
        .filter((name) => name.endsWith(".json"))
        .map((name) => {
            const file = path.join(folder, name);
            const content = JSON.parse(fs.readFileSync(file, "utf8"));
            return { file, pid: content.pid, username: content.username, hostname: content.hostname, timestamp: content.timestamp };
        }));
}

export interface PendingOperation {
    type: string;
    urn: string;
}

/** What the next run does about an operation that was cut off, so the operator knows what clearing it means. */
export function pendingConsequence(operation: PendingOperation): string {
    switch (operation.type) {
        case "creating":
            return "it may have finished: the next run finds the object and takes it over (Kubernetes objects are applied "
                + "server-side, buckets and 1Password items are looked up by name and imported, users and policies are written again)";
        case "updating":
            return "the resource is read back (refresh) and the next run applies what still differs from the program";
        case "deleting":
            return "it may have finished: the resource is read back (refresh) and the next run deletes it only if it is still there";
        default:
            return "the next run reads the resource again";
    }
}

export const describeLock = (lock: StackLock) => `${lock.username}@${lock.hostname} (pid ${lock.pid}) since ${lock.timestamp}`;

/** Fields of one object that another field manager owns, as the API server's apply conflict names them. */
export interface FieldConflict {
    resource: string;
    manager: string;
    fields: string[];
}

/**
 * The conflicts in an apply error ("Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.x", or
 * "…conflicts with "m" using apps/v1:\n- .spec.x\n- .spec.y", once per manager).
 */
export function parseConflicts(resource: string, message: string): FieldConflict[] {
    const parts = message.split(/conflicts? with "/).slice(1);
    return parts.map((part) => {
        const manager = part.slice(0, part.indexOf("\""));
        const afterColon = part.slice(part.indexOf(":", manager.length) + 1);
        const fields = [...afterColon.matchAll(/(?:^|\s)-?\s*(\.[^\s]+)/g)].map((match) => match[1]);
        return { resource, manager, fields };
    }).filter((conflict) => conflict.manager !== "" && conflict.fields.length > 0);
}

/** A Pulumi kubernetes provider's field manager: an earlier run's of this stack (or, where two stacks wrongly
 * manage one object, the other stack's, which the README warns of). */
export const isPulumiManager = (manager: string) => /^pulumi-kubernetes(-|$)/.test(manager);

const describeConflict = (conflict: FieldConflict) => `${conflict.resource}: ${conflict.fields.join(", ")} (set by ${conflict.manager})`;

export interface RecoverOptions {
    /** Finish an interrupted `destroy` instead of running `up`. */
    destroy?: boolean;
    /** Remove a lock whose holder cannot be checked from here (another host, a non-file backend). */
    forceUnlock?: boolean;
    /** Also set back fields that someone changed outside the stack (they are named). */
    overwriteOutsideChanges?: boolean;
}

/** Clears what an interrupted run left and runs it again; `say` gets each step as it happens. */
export async function recoverStack(stackName: string, workDir: string, options: RecoverOptions, say: (line: string) => void): Promise<void> {
    const stack = await LocalWorkspace.selectStack({ stackName, workDir });
    await releaseLocks(stack, options, say);
    await clearPendingOperations(stack, say);
    if (options.destroy) {
        say("running `pulumi destroy` to finish what was interrupted");
        await stack.destroy({ onOutput });
        say("recovered: `pulumi destroy` completed");
        return;
    }
    await upTakingBackOwnFields(stack, workDir, options, say);
}

const onOutput = (text: string) => process.stderr.write(text);

async function releaseLocks(stack: Stack, options: RecoverOptions, say: (line: string) => void): Promise<void> {
    const url = (await stack.workspace.whoAmI()).url ?? "";
    const project = (await stack.workspace.projectSettings()).name;
    const locks = fileBackendLocks(url, project, stack.name);
    if (locks === undefined) {
        if (!options.forceUnlock) {
            say(`the locks of ${url} cannot be read here: if an update was interrupted and none runs now, run again with --force-unlock`);
            return;
        }
        await stack.cancel();
        say("removed the stack's lock (--force-unlock)");
        return;
    }
    if (locks.length === 0) {
        say("the stack is not locked");
        return;
    }
    const holders = locks.map((lock) => ({ lock, holder: lockHolder(lock, processRuns) }));
    const running = holders.filter(({ holder }) => holder === "running");
    if (running.length > 0) {
        throw new Error(`an update of stack ${stack.name} is running: ${running.map(({ lock }) => describeLock(lock)).join("; ")}. `
            + "Let it finish; nothing was changed");
    }
    const unknown = holders.filter(({ holder }) => holder === "unknown");
    if (unknown.length > 0 && !options.forceUnlock) {
        throw new Error(`stack ${stack.name} is locked from another host: ${unknown.map(({ lock }) => describeLock(lock)).join("; ")}. `
            + "Check that no update runs there, then run again with --force-unlock; nothing was changed");
    }
    await stack.cancel();
    for (const { lock, holder } of holders) {
        say(`removed the lock of ${describeLock(lock)}: ${holder === "gone" ? "that process no longer runs" : "--force-unlock"}`);
    }
}

async function clearPendingOperations(stack: Stack, say: (line: string) => void): Promise<void> {
    const state = await stack.exportStack();
    const pending = ((state.deployment as any)?.pending_operations ?? []) as { type: string; resource: { urn: string } }[];
    if (pending.length === 0) {
        say("the state holds no pending operations");
        return;
    }
    for (const operation of pending) {
        const entry = { type: operation.type, urn: operation.resource.urn };
        say(`pending ${entry.type} of ${entry.urn}: ${pendingConsequence(entry)}`);
    }
    await stack.importStack({ ...state, deployment: { ...(state.deployment as object), pending_operations: [] } });
    say(`cleared ${pending.length} pending operation(s) from the state`);
    // A delete or update that was cut off may have finished: read those resources back, so that the run does
    // not delete again what is gone (a provider whose delete of a missing object fails would stop it).
    const cutOff = [...new Set(pending.filter((operation) => operation.type !== "creating").map((operation) => operation.resource.urn))];
    if (cutOff.length > 0) {
        say(`refreshing the ${cutOff.length} resource(s) whose delete or update was cut off, so the state says whether they still exist`);
        await stack.refresh({ target: cutOff, onOutput });
    }
}

/**
 * `pulumi up`, first without force. A Kubernetes object that an earlier run created but the state does not
 * record (its create was cut off, or the whole state was lost) is owned by that run's field manager, and
 * where a value differs the apply fails with a conflict. Those fields are the stack's own and are taken back
 * by force (PULUMI_K8S_ENABLE_PATCH_FORCE); a field that another manager owns was changed outside the stack,
 * and is named and left alone unless `overwriteOutsideChanges` says to set it back.
 */
async function upTakingBackOwnFields(stack: Stack, workDir: string, options: RecoverOptions, say: (line: string) => void): Promise<void> {
    const conflicts: FieldConflict[] = [];
    const collect = (event: EngineEvent) => {
        const diagnostic = event.diagnosticEvent;
        if (diagnostic?.severity === "error" && diagnostic.urn) {
            conflicts.push(...parseConflicts(diagnostic.urn.split("::").pop()!, diagnostic.message));
        }
    };
    say("running `pulumi up` to finish what was interrupted, without force: buckets and 1Password items are taken over by name, Kubernetes objects applied; a field that another field manager owns is reported, not overwritten");
    try {
        // On past the first failure: an object the run never reached would be forced below without a look.
        await stack.up({ onOutput, onEvent: collect, continueOnError: true });
        say("recovered: `pulumi up` completed with no field conflicts");
        return;
    } catch (error) {
        if (conflicts.length === 0) {
            throw error;
        }
    }
    const outside = conflicts.filter((conflict) => !isPulumiManager(conflict.manager));
    for (const conflict of conflicts.filter((candidate) => isPulumiManager(candidate.manager))) {
        say(`an earlier run's field manager owns ${describeConflict(conflict)}: taking them back`);
    }
    if (outside.length > 0 && !options.overwriteOutsideChanges) {
        throw new Error(`fields changed outside the stack would be overwritten:\n${outside.map((conflict) => `  ${describeConflict(conflict)}`).join("\n")}\n`
            + "None of them was changed. Put the values you want into the stack's config, or run again with --overwrite-outside-changes to set them back to the program's values");
    }
    const forced = await LocalWorkspace.selectStack({ stackName: stack.name, workDir }, { envVars: { PULUMI_K8S_ENABLE_PATCH_FORCE: "true" } });
    say("running `pulumi up` with PULUMI_K8S_ENABLE_PATCH_FORCE=true");
    await forced.up({ onOutput });
    for (const conflict of outside) {
        say(`overwrote ${describeConflict(conflict)}`);
    }
    say("recovered: `pulumi up` completed");
}
