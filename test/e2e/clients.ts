// mc and restic as the end-to-end tests run them: one MinIO identity per call, the run's CA trusted, output
// captured so a failure says what the tool said.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ToolResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a tool to its end; `input` is written to its standard input. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, input = ""): Promise<ToolResult> {
    return new Promise((resolve, reject) => {
        const child = execFile(command, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error && typeof error.code !== "number") {
                reject(error);
                return;
            }
            resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        });
        child.stdin?.end(input);
    });
}

export interface MinioIdentity {
    endpoint: string;
    accessKey: string;
    secretKey: string;
}

/** mc as one identity: the alias `target` exists only in this call's environment. */
/** `mc` as one identity; its config folder trusts `caCert` (mc reads extra CAs from certs/CAs there). */
export function mcAs(identity: MinioIdentity, env: NodeJS.ProcessEnv, configDir: string, caCert: string) {
    fs.mkdirSync(path.join(configDir, "certs", "CAs"), { recursive: true });
    fs.copyFileSync(caCert, path.join(configDir, "certs", "CAs", "ca.crt"));
    const url = `https://${encodeURIComponent(identity.accessKey)}:${encodeURIComponent(identity.secretKey)}@${identity.endpoint}`;
    const mc = (...args: string[]) => run("mc", ["--config-dir", configDir, ...args], { ...env, MC_HOST_target: url });
    /** The same, with `input` on mc's standard input (`mc ilm import` reads its rules there). */
    mc.withInput = (input: string, ...args: string[]) => run("mc", ["--config-dir", configDir, ...args], { ...env, MC_HOST_target: url }, input);
    return mc;
}
