// Crash safety (issue 21), on a sandbox of its own: the faults people meet with infrastructure as code. Runs
// killed mid-way (the CLI, or the program's Node process, `kill -9` at seeded random steps of a first `up`, a
// key rotation and a `destroy`), two operators at once, the API server restarted mid-`up`, the vault failing,
// and a lost state. After each: the documented one-command recovery, then the invariants that keep backups
// openable: one item per title with the restic password it had, one MinIO user per purpose whose current key
// works and whose retired keys do not, both buckets, `restic check` and a checksummed restore, and an `up`
// with no changes. The seed is printed; CRASH_SEED=<seed> replays the same kill points.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import { createHash, randomBytes, randomInt } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findLeaks, NamedSecret } from "../helpers/secretLeaks";
import { itemCredentials, itemsTitled } from "../sandbox/connectClient";
import { isRunning, sleep } from "../sandbox/processes";
import { PulumiError, PulumiRun, repoRoot, Sandbox, sandboxApp, stackName, startSandbox } from "../sandbox/sandbox";
import { mcAs, run, ToolResult } from "./clients";
import { sandboxForSuite } from "./suiteSandbox";

const titles = { volsync: "volsync-minio", velero: "velero-minio" };
const users = { volsync: "volsync-backup", velero: "velero-backup" };
const buckets = { volsync: "volsync", velero: "openebs-backups" };

type Phase = "first up" | "key rotation" | "destroy";
type Target = "cli" | "program";

/** A small, seedable generator (mulberry32), so a failing kill point can be replayed from the printed seed. */
function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Every process below `pid`, from /proc (ppid is the 4th field of stat, after the parenthesised name). */
function descendants(pid: number): { pid: number; cmdline: string }[] {
    const parents = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
        } catch {
            // Gone meanwhile.
        }
    }
    const found: { pid: number; cmdline: string }[] = [];
    const walk = (parent: number) => {
        for (const child of parents.get(parent) ?? []) {
            let cmdline = "";
            try {
                cmdline = fs.readFileSync(`/proc/${child}/cmdline`, "utf8").replace(/\0/g, " ");
            } catch {
                // Gone meanwhile.
            }
            found.push({ pid: child, cmdline });
            walk(child);
        }
    };
    walk(pid);
    return found;
}

/** The Node process that runs the Pulumi program (the language host starts it with @pulumi/pulumi's `cmd/run`). */
const isProgram = (cmdline: string) => /@pulumi\/pulumi\/cmd\/run(\/|\s|$)/.test(cmdline);

/** The engine's resource steps that change something, from a `--event-log` file so far. */
function changingSteps(eventLog: string): { op: string; urn: string }[] {
    if (!fs.existsSync(eventLog)) {
        return [];
    }
    return fs.readFileSync(eventLog, "utf8").split("\n").filter((line) => line.trim().startsWith("{"))
        .flatMap((line) => {
            try {
                return [JSON.parse(line)];
            } catch {
                return []; // the line being written
            }
        })
        .map((event) => event.resourcePreEvent?.metadata)
        .filter((step) => step && !["same", "read", "refresh"].includes(step.op))
        .map((step) => ({ op: step.op, urn: step.urn }));
}

describe("crash safety: interrupted runs, two operators, an API server restart, a failing vault, a lost state (issue 21)", function () {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "storage-backup-crash-"));
    const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
    const random = seededRandom(seed);
    const outputs: string[] = [];
    const report: string[] = [];
    const passwords: Record<string, string> = {};
    const retiredKeys: { accessKey: string; secretKey: string }[] = [];
    let sandbox: Sandbox;
    let seeded = false;
    let rotations = 0;

    const connect = () => sandbox.state.connect;
    const mcConfig = path.join(work, "mc");
    const mc = (identity: { accessKey: string; secretKey: string }) =>
        mcAs({ endpoint: sandbox.state.minio.endpoint, ...identity }, sandbox.env(), mcConfig, sandbox.pki.caCert);
    const root = () => mc({ accessKey: sandbox.state.minio.rootUser, secretKey: sandbox.state.minio.rootPassword });
    const credentialsOf = (title: string) => itemCredentials(connect(), title);

    async function pulumi(args: string[], env?: NodeJS.ProcessEnv): Promise<PulumiRun> {
        try {
            const result = await sandbox.pulumi([...args, "--stack", stackName], { env });
            outputs.push(result.stdout + result.stderr);
            return result;
        } catch (error) {
            if (error instanceof PulumiError) {
                outputs.push(error.run.stdout + error.run.stderr);
            }
            throw error;
        }
    }
    const up = (...flags: string[]) => pulumi(["up", "--yes", "--skip-preview", ...flags]);
    const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error) => error as PulumiError);

    /** `npm run ops -- …` as a user runs it, on the sandbox's stack. */
    function ops(...args: string[]): Promise<ToolResult & { seconds: number }> {
        const started = Date.now();
        return new Promise((resolve) => {
            const child = spawn("npx", ["--no-install", "ts-node", "--transpile-only", "ops/cli.ts", "--stack", stackName, "--project", sandbox.projectDir, ...args],
                { cwd: repoRoot, env: sandbox.env(), stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk) => (stdout += chunk));
            child.stderr.on("data", (chunk) => (stderr += chunk));
            child.on("close", (code) => {
                outputs.push(stdout + stderr);
                resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 });
            });
        });
    }

    /** A run of the CLI in a process group of its own, with its engine events in a file as they happen. */
    function startRun(args: string[]): { child: ChildProcess; eventLog: string; done: Promise<ToolResult> } {
        const eventLog = path.join(work, `events-${Date.now()}-${randomInt(1e6)}.jsonl`);
        // --event-log exists only with PULUMI_DEBUG_COMMANDS (the Automation API sets it the same way).
        const child = spawn("pulumi", [...args, "--stack", stackName, "--non-interactive", "--event-log", eventLog],
            { cwd: sandbox.projectDir, env: sandbox.env({ PULUMI_DEBUG_COMMANDS: "true" }), stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk) => (stdout += chunk));
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        const done = new Promise<ToolResult>((resolve) => child.on("close", (code, signal) => {
            outputs.push(stdout + stderr);
            resolve({ code: code ?? (signal ? 128 + os.constants.signals[signal] : 1), stdout, stderr });
        }));
        return { child, eventLog, done };
    }

    /** Runs `body` with the CLI of `run` stopped (SIGSTOP), so that it still holds its lock when `body` looks. */
    async function whilePaused<T>(run: ReturnType<typeof startRun>, body: () => Promise<T>): Promise<T> {
        process.kill(run.child.pid!, "SIGSTOP");
        try {
            return await body();
        } finally {
            process.kill(run.child.pid!, "SIGCONT");
        }
    }

    /** Waits until `run` has started `steps` changing steps (or ended); returns the steps seen. */
    async function untilSteps(run: ReturnType<typeof startRun>, steps: number): Promise<{ op: string; urn: string }[]> {
        let ended = false;
        void run.done.then(() => (ended = true));
        for (;;) {
            const seen = changingSteps(run.eventLog);
            if (seen.length >= steps || ended) {
                return seen;
            }
            await sleep(20);
        }
    }

    /**
     * Runs `pulumi <command>` and `kill -9`s the CLI or the program once the engine has begun its step number
     * `step` (plus up to 300 ms, so kills also land inside an operation). A CLI whose program was killed gets
     * a minute to notice and end on its own. Whatever the CLI started and left behind is then stopped, as when
     * a CI job's container goes. Returns where the kill landed.
     */
    async function killedRun(command: string[], target: Target, step: number): Promise<string> {
        const started = Date.now();
        const runInFlight = startRun(command);
        const seen = await untilSteps(runInFlight, step);
        await sleep(Math.floor(random() * 300));
        const victim = target === "cli" ? runInFlight.child.pid! : descendants(runInFlight.child.pid!).find((process) => isProgram(process.cmdline))?.pid;
        assert.ok(victim !== undefined && isRunning(victim) && seen.length >= step,
            `the ${command[0]} ended (or its program did) before step ${step}: it made ${seen.length} steps; the kill point missed`);
        const where = `step ${step} (${seen[step - 1].op} ${seen[step - 1].urn.split("::").pop()}) at ${((Date.now() - started) / 1000).toFixed(1)}s`;
        process.kill(victim, "SIGKILL");
        const result = await Promise.race([runInFlight.done, sleep(target === "cli" ? 10_000 : 60_000).then(() => undefined)]);
        for (const left of descendants(runInFlight.child.pid!)) {
            process.kill(left.pid, "SIGKILL");
        }
        try {
            process.kill(-runInFlight.child.pid!, "SIGKILL");
        } catch {
            // The group is gone already.
        }
        await runInFlight.done;
        return `${where}; the CLI ${result === undefined ? "was killed" : `exited ${result.code}`}`;
    }

    /**
     * How many changing steps the run will make: a destroy one per resource in the state, a first `up` as many
     * as the stack had when it last converged, a key rotation what a preview plans.
     */
    let deployedResources = 0;
    const stateResources = async () => (JSON.parse((await sandbox.pulumi(["stack", "export", "--stack", stackName])).stdout).deployment?.resources ?? []).length;
    async function plannedSteps(phase: Phase): Promise<number> {
        if (phase === "destroy") {
            return stateResources();
        }
        if (phase === "first up") {
            return deployedResources;
        }
        const plan = JSON.parse((await pulumi(["preview", "--json"])).stdout);
        return (plan.steps as { op: string }[]).filter((step) => !["same", "read", "refresh"].includes(step.op)).length;
    }

    /** The repository's and the drill's files: what must outlive every fault. */
    const seedDir = path.join(work, "seed");
    const repository = () => `s3:https://${sandbox.state.minio.endpoint}/${buckets.volsync}/${sandboxApp.name}`;
    async function restic(identity: { accessKey: string; secretKey: string }, ...args: string[]): Promise<string> {
        const result = await run("restic", ["--cacert", sandbox.pki.caCert, ...args], {
            ...sandbox.env(), RESTIC_REPOSITORY: repository(), RESTIC_PASSWORD: passwords[titles.volsync],
            AWS_ACCESS_KEY_ID: identity.accessKey, AWS_SECRET_ACCESS_KEY: identity.secretKey, RESTIC_CACHE_DIR: path.join(work, "restic-cache"),
        });
        assert.strictEqual(result.code, 0, `restic ${args.join(" ")}: ${result.stderr}`);
        return result.stdout;
    }

    /** The invariants, after every scenario; `deployed` false after a destroy (no users, nothing to compare). */
    async function assertInvariants(label: string, deployed = true): Promise<void> {
        for (const title of Object.values(titles)) {
            const { items } = await itemsTitled(connect(), title);
            assert.strictEqual(items.length, 1, `${label}: ${items.length} items titled ${title}`);
            const { resticPassword } = await credentialsOf(title);
            passwords[title] ??= resticPassword;
            assert.strictEqual(resticPassword, passwords[title], `${label}: the restic password of ${title} changed`);
        }
        const listed = await root()("admin", "user", "list", "target", "--json");
        const userNames = listed.stdout.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line).accessKey).sort();
        assert.deepStrictEqual(userNames, deployed ? Object.values(users).sort() : [], `${label}: MinIO users`);
        for (const kind of ["volsync", "velero"] as const) {
            const bucketList = await root()("ls", `target/${buckets[kind]}`);
            assert.strictEqual(bucketList.code, 0, `${label}: bucket ${buckets[kind]}: ${bucketList.stderr}`);
            if (deployed) {
                const current = await credentialsOf(titles[kind]);
                const listing = await mc(current)("ls", `target/${buckets[kind]}`);
                assert.strictEqual(listing.code, 0, `${label}: the current key of ${users[kind]} is refused: ${listing.stderr}`);
            }
        }
        for (const retired of retiredKeys) {
            const listing = await mc(retired)("ls", `target/${buckets.volsync}`);
            assert.notStrictEqual(listing.code, 0, `${label}: MinIO still accepts a retired key of ${retired.accessKey}`);
        }
        if (seeded) {
            // After a destroy the users are gone: the repository is read with the root identity and the item's password.
            const identity = deployed ? await credentialsOf(titles.volsync) : { accessKey: sandbox.state.minio.rootUser, secretKey: sandbox.state.minio.rootPassword };
            await restic(identity, "check");
            const target = path.join(work, `restored-${label.replace(/\W+/g, "-")}`);
            await restic(identity, "restore", "latest", "--target", target);
            const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            for (const file of fs.readdirSync(seedDir)) {
                assert.strictEqual(digest(path.join(target, seedDir, file)), digest(path.join(seedDir, file)), `${label}: ${file} differs after restore`);
            }
            fs.rmSync(target, { recursive: true, force: true });
        }
        if (deployed) {
            await up("--expect-no-changes");
            deployedResources = await stateResources();
        }
    }

    /** Rotates the VolSync user's key on the next `up`; the key it replaces must stop working. */
    async function nextRotation(): Promise<void> {
        retiredKeys.push(await credentialsOf(titles.volsync));
        rotations += 1;
        await sandbox.pulumi(["config", "set", "--stack", stackName, "--path", "storage-backup:volsync.keyRotation", `crash-${rotations}`]);
    }

    sandboxForSuite({
        work,
        start: (dir) => {
            console.log(`    crash-safety seed ${seed} (CRASH_SEED=${seed} replays these kill points)`);
            return startSandbox(dir);
        },
        started: (started) => { sandbox = started; },
        summary: () => ({ heading: `crash safety (seed ${seed}):`, lines: report }),
    });

    describe("1. the vault fails at an item's create", () => {
        it("the vault failing between the lookup and the item's create: up fails, and the next up adopts the item the vault kept (one item, its password)", async function () {
            this.timeout(900_000);
            // Connect refuses the create: nothing is stored.
            sandbox.setConnectFault("fail-item-create");
            const refused = await failure(up());
            assert.ok(refused, "up succeeded while Connect refused every item create");
            // Connect stores the item but its answer is lost: the vault has an item the state does not know.
            sandbox.setConnectFault("lose-item-create");
            const lost = await failure(up());
            assert.ok(lost, "up succeeded while Connect answered 500 to every item create");
            const kept = await Promise.all(Object.values(titles).map(async (title) => (await itemsTitled(connect(), title)).items.length));
            sandbox.setConnectFault(undefined);
            const started = Date.now();
            await up();
            report.push(`vault failing at the item's create: ${kept.join("/")} item(s) kept by the vault; one up adopted them (${((Date.now() - started) / 1000).toFixed(0)}s)`);
            await assertInvariants("after the vault failed at create");
            fs.mkdirSync(seedDir);
            for (let index = 0; index < 8; index++) {
                fs.writeFileSync(path.join(seedDir, `file-${index}.bin`), randomBytes(128 * 1024));
            }
            const volsync = await credentialsOf(titles.volsync);
            await restic(volsync, "init");
            await restic(volsync, "backup", "--host", "crash-safety", seedDir);
            seeded = true;
        });
    });

    describe("2. the vault unreachable", () => {
        it("the vault unreachable during up: the update fails before any item changes, naming the vault and Connect; preview only warns", async function () {
            this.timeout(600_000);
            await nextRotation();
            const itemsBefore = await Promise.all(Object.values(titles).map(async (title) => (await itemsTitled(connect(), title)).items));
            sandbox.setConnectFault("down");
            try {
                const preview = await pulumi(["preview"]);
                assert.match(preview.stdout + preview.stderr, /Could not look up the 1Password items .*the preview assumes they do not exist/s);
                const error = await failure(up());
                assert.ok(error, "up succeeded with the vault answering 500");
                const output = error.run.stdout + error.run.stderr;
                assert.match(output, /1Password item lookup failed \(nothing was changed\)/);
                assert.ok(output.includes(`vault "${connect().vault}" through 1Password Connect at ${connect().url}`), `the failure names neither the vault nor Connect:\n${output.slice(-3000)}`);
                assert.doesNotMatch(output, /onepassword:index\/item:Item .*(updating|creating)/, "an item was written while the vault was failing");
            } finally {
                sandbox.setConnectFault(undefined);
            }
            const itemsAfter = await Promise.all(Object.values(titles).map(async (title) => (await itemsTitled(connect(), title)).items));
            assert.deepStrictEqual(itemsAfter, itemsBefore, "an item changed while the vault was failing");
            await up();
            await assertInvariants("after the vault came back");
        });
    });

    describe("3. killed mid-run: kill -9 of the CLI or of the program at seeded steps, then `npm run ops -- recover`", () => {
        // Spread over the three runs, CLI and program in turn; a destroy is followed by a first `up`. A destroy
        // runs no program (the engine deletes what the state holds), so its points kill the CLI.
        const points: [Phase, Target][] = [
            ["key rotation", "cli"], ["destroy", "cli"], ["first up", "program"], ["key rotation", "program"], ["destroy", "cli"],
            ["first up", "cli"], ["key rotation", "cli"], ["destroy", "cli"], ["first up", "program"], ["key rotation", "program"],
        ];
        for (const [index, [phase, target]] of points.entries()) {
            it(`point ${index + 1}: ${phase}, ${target === "cli" ? "the pulumi CLI" : "the program's Node process"} killed`, async function () {
                this.timeout(900_000);
                if (phase === "key rotation") {
                    await nextRotation();
                }
                const command = phase === "destroy" ? ["destroy", "--yes", "--skip-preview"] : ["up", "--yes", "--skip-preview"];
                const steps = await plannedSteps(phase);
                // Not the last steps: they end within the kill's jitter (a destroy's last quarter deletes the
                // providers and components, which takes no time).
                const step = 1 + Math.floor(random() * Math.max(Math.floor(steps * (phase === "destroy" ? 0.75 : 0.9)), 1));
                const landed = await killedRun(command, target, step);
                const recovery = await ops("recover", ...(phase === "destroy" ? ["--destroy"] : []));
                assert.strictEqual(recovery.code, 0, `ops recover after a kill at ${landed}:\n${recovery.stdout}\n${recovery.stderr.slice(-6000)}`);
                report.push(`${phase}, ${target} killed at ${landed} of ${steps}; ops recover ${recovery.seconds.toFixed(0)}s: ${recovery.stderr.split("\n").filter((line) => line.startsWith("recover:")).map((line) => line.slice(9)).join("; ")}`);
                await assertInvariants(`${phase} killed (point ${index + 1})`, phase !== "destroy");
            });
        }

        it("the recovery refuses to break the lock of a run that is still going, naming it", async function () {
            this.timeout(600_000);
            await nextRotation();
            const running = startRun(["up", "--yes", "--skip-preview"]);
            await untilSteps(running, 1);
            // Held still while the recovery looks (a rotation ends within seconds): its lock is a live process's.
            const refused = await whilePaused(running, () => ops("recover"));
            assert.notStrictEqual(refused.code, 0, "ops recover broke the lock of a running update");
            assert.match(refused.stderr, new RegExp(`an update of stack ${stackName} is running: .*\\(pid ${running.child.pid}\\)`));
            assert.strictEqual((await running.done).code, 0, "the running update failed");
            await assertInvariants("after a refused recovery");
        });
    });

    describe("4. two operators", () => {
        it("two pulumi up at once: the second is refused naming the lock, the first completes, nothing is duplicated", async function () {
            this.timeout(600_000);
            await nextRotation();
            const first = startRun(["up", "--yes", "--skip-preview"]);
            await untilSteps(first, 1);
            const second = await whilePaused(first, () => failure(up()));
            assert.ok(second, "a second up ran while the first held the stack");
            assert.match(second.run.stdout + second.run.stderr, /the stack is currently locked by 1 lock\(s\)/);
            assert.ok((second.run.stdout + second.run.stderr).includes(`(pid ${first.child.pid})`), "the refusal does not name the running update's pid");
            assert.strictEqual((await first.done).code, 0, "the first up failed");
            await assertInvariants("after two ups at once");
        });
    });

    describe("5. the API server restarted", () => {
        it("the API server restarted mid-up: up completes or fails naming what it waited for; the recovery converges", async function () {
            this.timeout(900_000);
            await pulumi(["destroy", "--yes", "--skip-preview"]);
            const running = startRun(["up", "--yes", "--skip-preview"]);
            const seen = await untilSteps(running, 10);
            await sandbox.restartApiServer(5000);
            const result = await running.done;
            const output = result.stdout + result.stderr;
            if (result.code !== 0) {
                assert.match(output, /(creating|updating) failed|connection refused|EOF|timed out|the server is currently unable/,
                    `up failed without naming what it waited for:\n${output.slice(-4000)}`);
            }
            const recovery = await ops("recover");
            assert.strictEqual(recovery.code, 0, recovery.stderr.slice(-6000));
            report.push(`API server down 5s after step ${seen.length} of a first up: the up ${result.code === 0 ? "completed" : "failed"}; ops recover ${recovery.seconds.toFixed(0)}s`);
            await assertInvariants("after an API server restart");
        });
    });

    describe("6. a lost state", () => {
        it("a lost state: ops recover adopts the cluster, the buckets and the items; it names what others changed before it forces", async function () {
            this.timeout(900_000);
            // Someone scales a chart's Deployment by hand: a change the recovery must name before taking the field back.
            const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "volsync", namespace: "volsync-system" } };
            await sandbox.kube.request("PATCH", `${await sandbox.kube.path(deployment)}?fieldManager=kubectl-scale`, { spec: { replicas: 2 } }, "application/merge-patch+json");
            const stateDir = path.join(sandbox.state.dataDir, "state");
            fs.renameSync(stateDir, `${stateDir}-lost`);
            fs.mkdirSync(stateDir);
            await sandbox.pulumi(["stack", "init", stackName]);
            retiredKeys.push(...await Promise.all(Object.values(titles).map(credentialsOf)));
            const refused = await ops("recover");
            assert.notStrictEqual(refused.code, 0, `the recovery forced over a change made outside the stack without saying so:\n${refused.stderr.split("\n").filter((line) => /^recover:|conflict/.test(line)).join("\n")}`);
            assert.match(refused.stderr, /volsync-system\/volsync: .*\.spec\.replicas.* \(set by kubectl-scale\)/, refused.stderr.slice(-4000));
            const recovery = await ops("recover", "--overwrite-outside-changes");
            assert.strictEqual(recovery.code, 0, recovery.stderr.slice(-6000));
            assert.match(recovery.stderr, /overwrote .*kubectl-scale/);
            report.push(`state lost: ops recover refused over kubectl-scale, then --overwrite-outside-changes converged (${(refused.seconds + recovery.seconds).toFixed(0)}s)`);
            await assertInvariants("after the state was lost");
        });
    });

    describe("7. secrets", () => {
        it("the leak scan is clean: no secret in the CLI's and the recovery's output, nor in the servers' logs", async () => {
            const secrets: NamedSecret[] = [
                ...(await Promise.all(Object.values(titles).map(async (title) => {
                    const item = await credentialsOf(title);
                    return [{ name: `${title} secret key`, value: item.secretKey }, { name: `${title} restic password`, value: item.resticPassword }];
                }))).flat(),
                ...retiredKeys.map((key, index) => ({ name: `retired key ${index + 1} of ${key.accessKey}`, value: key.secretKey })),
                { name: "Connect token", value: sandbox.state.connect.token },
                { name: "MinIO root password", value: sandbox.state.minio.rootPassword },
                { name: "stack passphrase", value: sandbox.state.passphrase },
            ];
            assert.deepStrictEqual(findLeaks(outputs.join("\n"), secrets), []);
            const logs = sandbox.state.servers.map((server) => server.logFile);
            assert.deepStrictEqual(logs.flatMap((file) => findLeaks(fs.readFileSync(file, "utf8"), secrets).map((hit) => `${path.basename(file)}: ${hit}`)), []);
        });
    });
});
