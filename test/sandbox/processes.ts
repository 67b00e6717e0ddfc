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

export function startServer(name: string, command: string, args: string[], logDir: string,
    env: NodeJS.ProcessEnv = process.env): ServerProcess {
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `${name}.log`);
    const log = fs.openSync(logFile, "a");
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log], env });
    fs.closeSync(log);
    if (child.pid === undefined) {
        throw new Error(`could not start ${name} (${command}): is it built? (toolchain/build.sh)`);
    }
    child.unref();
    return { name, pid: child.pid, logFile };
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true; fails with the server's last log lines, which say why. */
export async function waitUntilReady(server: ServerProcess, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (!isRunning(server.pid)) {
            throw new Error(`${server.name} exited during start-up:\n${tail(server.logFile)}`);
        }
        if (await probe().catch(() => false)) {
            return;
        }
        await sleep(250);
    }
    throw new Error(`${server.name} not ready after ${timeoutMs / 1000}s:\n${tail(server.logFile)}`);
}

function tail(file: string, lines = 20): string {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).map((line) => `  | ${line}`).join("\n");
}

/** A readiness probe: whether an HTTPS GET of `path` on 127.0.0.1 answers 200 (TLS options such as the CA in `tls`). */
export function httpsOk(port: number, path: string, tls: https.RequestOptions): Promise<boolean> {
    return new Promise((resolve) => {
        const request = https.get({ ...tls, host: "127.0.0.1", port, path }, (response) => {
            response.resume();
            resolve(response.statusCode === 200);
        });
        request.on("error", () => resolve(false));
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
