// Starting and stopping the sandbox's server processes. Every server runs in its own process group with
// its output in a log file under the run's data folder, so it can outlive the command that started it
// (the `sandbox` command) or be stopped by the test that started it.
import { spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";

export interface ServerProcess {
    name: string;
    pid: number;
    logFile: string;
}

/**
 * What this process knows of the servers it started, by pid (ServerProcess itself is plain JSON, saved in
 * sandbox.json): where this run's part of the log begins (a restarted server appends to its old log), and
 * how the server ended, from the ChildProcess 'exit' event, which is the only place its exit status exists.
 */
const started = new Map<number, { logFrom: number; exit?: { code: number | null; signal: NodeJS.Signals | null } }>();

export function startServer(name: string, command: string, args: string[], logDir: string,
    env: NodeJS.ProcessEnv = process.env): ServerProcess {
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `${name}.log`);
    const log = fs.openSync(logFile, "a");
    const logFrom = fs.fstatSync(log).size;
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log], env });
    fs.closeSync(log);
    // A command that cannot be spawned also emits 'error' later; unheard, that would crash the caller.
    child.on("error", () => undefined);
    const pid = child.pid;
    if (pid === undefined) {
        throw new Error(`could not start ${name} (${command}): is it built? (toolchain/build.sh)`);
    }
    started.set(pid, { logFrom });
    child.on("exit", (code, signal) => started.set(pid, { logFrom, exit: { code, signal } }));
    child.unref();
    return { name, pid, logFile };
}

export function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** SIGTERM to the server's process group, SIGKILL if it is still there after `graceMs`. */
export async function stopServer(server: ServerProcess, graceMs = 10_000): Promise<void> {
    const signal = (sig: NodeJS.Signals) => {
        try {
            process.kill(-server.pid, sig);
        } catch {
            // Already gone.
        }
    };
    signal("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isRunning(server.pid) && Date.now() < deadline) {
        await sleep(100);
    }
    signal("SIGKILL");
}

/** Stops servers newest first: a controller before the API server it talks to, the API server before etcd. */
export async function stopServers(servers: ServerProcess[]): Promise<void> {
    for (const server of [...servers].reverse()) {
        await stopServer(server);
    }
}

/**
 * Stops a server and starts it again with the same command line and environment (read back from /proc, so
 * the server's own start code need not be repeated), appending to the same log; resolves once it runs.
 */
export async function restartServer(server: ServerProcess, downMs: number): Promise<ServerProcess> {
    const nulSeparated = (file: string) => fs.readFileSync(`/proc/${server.pid}/${file}`, "utf8").split("\0").filter((part) => part !== "");
    const [command, ...args] = nulSeparated("cmdline");
    const env = Object.fromEntries(nulSeparated("environ").map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
    await stopServer(server);
    await sleep(downMs);
    return startServer(server.name, command, args, path.dirname(server.logFile), env);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns true. A server that exits first fails at once with its exit status; one
 * that is not ready by `timeoutMs` fails with the last probe's outcome (e.g. "nothing listening on
 * 127.0.0.1:<port>"). Either way the server is stopped (it was never handed to a caller that could stop it)
 * and the error ends with the end of its log, or says that the log is empty. The generous default is for a
 * loaded 2-core machine: a server that dies is reported as soon as it exits, not at the deadline.
 */
export async function waitUntilReady(server: ServerProcess, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProbe = "it was never probed";
    for (;;) {
        const exit = await exitOf(server.pid);
        if (exit) {
            throw await gaveUp(server, `exited during start-up (${exit})`);
        }
        if (Date.now() >= deadline) {
            throw await gaveUp(server, `not ready after ${timeoutMs / 1000}s: ${lastProbe}`);
        }
        try {
            // A probe that hangs (a server that accepts but never answers) must not outlast the deadline.
            const answer = await withTimeout(probe(), Math.max(deadline - Date.now(), 250));
            if (answer) {
                return;
            }
            lastProbe = "its readiness check still said not ready";
        } catch (error) {
            lastProbe = probeFailure(error);
        }
        await sleep(250);
    }
}

/** undefined while the server runs; else how it ended, as far as this process knows. */
async function exitOf(pid: number): Promise<string | undefined> {
    if (!started.get(pid)?.exit && isRunning(pid)) {
        return undefined;
    }
    // The 'exit' event may trail the process's disappearance by a turn of the event loop.
    await sleep(50);
    const exit = started.get(pid)?.exit;
    if (!exit) {
        return "exit status unknown: another process started it";
    }
    return exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
}

async function gaveUp(server: ServerProcess, reason: string): Promise<Error> {
    await stopServer(server);
    return new Error(`${server.name} (pid ${server.pid}) ${reason}; stopped it. ${logEnd(server)}`);
}

/** The last lines this run wrote to the server's log, or that it wrote none. */
function logEnd(server: ServerProcess, lines = 20): string {
    let text: string;
    try {
        const from = started.get(server.pid)?.logFrom ?? 0;
        const fd = fs.openSync(server.logFile, "r");
        try {
            // The tail is all that is shown: at most the last 64 KiB are read.
            const size = fs.fstatSync(fd).size;
            const start = Math.max(from, size - 65_536);
            const buffer = Buffer.alloc(Math.max(size - start, 0));
            fs.readSync(fd, buffer, 0, buffer.length, start);
            text = buffer.toString("utf8").trimEnd();
        } finally {
            fs.closeSync(fd);
        }
    } catch (error) {
        return `Its log ${server.logFile} cannot be read: ${(error as Error).message}`;
    }
    if (text.trim() === "") {
        return `Its log ${server.logFile} is empty.`;
    }
    return `The end of its log ${server.logFile}:\n${text.split("\n").slice(-lines).map((line) => `  | ${line}`).join("\n")}`;
}

/** A probe's error in a few words; a refused connection is what a server that never listened looks like. */
function probeFailure(error: unknown): string {
    // fetch wraps the socket's error in `cause`; Node's socket errors carry the address and port.
    const cause = ((error as { cause?: unknown })?.cause ?? error) as NodeJS.ErrnoException & { address?: string; port?: number };
    if (cause?.code === "ECONNREFUSED" && cause.address) {
        return `nothing listening on ${cause.address}:${cause.port}`;
    }
    const message = (error as Error)?.message ?? String(error);
    return `its last readiness check failed: ${cause !== error && cause?.message ? `${message}: ${cause.message}` : message}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${(ms / 1000).toFixed(1)}s`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Readiness probes resolve true when ready, and otherwise reject saying why (nothing listening, the status
// answered), which is what waitUntilReady reports when it gives up.

/** A readiness probe: an HTTP GET of `url` that answers 2xx. */
export async function httpOk(url: string): Promise<boolean> {
    const response = await fetch(url);
    await response.body?.cancel();
    if (!response.ok) {
        throw new Error(`GET ${url} answered ${response.status}`);
    }
    return true;
}

/** A readiness probe: an HTTPS GET of `path` on 127.0.0.1 that answers 200 (TLS options such as the CA in `tls`). */
export function httpsOk(port: number, path: string, tls: https.RequestOptions): Promise<boolean> {
    return new Promise((resolve, reject) => {
        const request = https.get({ ...tls, host: "127.0.0.1", port, path }, (response) => {
            response.resume();
            if (response.statusCode === 200) {
                resolve(true);
            } else {
                reject(new Error(`GET https://127.0.0.1:${port}${path} answered ${response.statusCode}`));
            }
        });
        request.on("error", reject);
    });
}

/** A TCP port on 127.0.0.1 that the kernel says is free now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}
