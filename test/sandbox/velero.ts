// The Velero server: the real v1.18.3 binary (toolchain/velero/) with the real AWS object-store plugin
// v1.14.3 (toolchain/velero-aws/), as a process against the sandbox's API server and MinIO. It starts after
// the stack is deployed, because everything it works on is the stack's own: the velero namespace and CRDs,
// the BackupStorageLocation (bucket, MinIO's CA through caCertRef, `checksumAlgorithm: ""`), the Secret with
// the Velero bucket user's keys, the Schedule and the volume-policy ConfigMap. Nothing is changed by hand.
//
// The chart's Velero Deployment stays KWOK-simulated (no container runs), and so does its node agent:
// file-system backups (kopia through the node agent) cannot move any data here.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { KubeClient, KubeObject } from "./kubeClient";
import { freePort, ServerProcess, sleep, startServer, waitUntilReady } from "./processes";
import type { Sandbox } from "./sandbox";

const toolchainBin = path.join(__dirname, "..", "..", "toolchain", "bin");
/** Only the plugin in it: Velero runs every executable of --plugin-dir as a plugin. */
export const veleroPluginDir = path.join(toolchainBin, "velero-plugins");
const velero = "velero.io/v1";
/** A Backup or Restore phase after which Velero does nothing more with it. */
export const finishedPhases = new Set(["Completed", "PartiallyFailed", "Failed", "FailedValidation"]);

export interface VeleroServer {
    process: ServerProcess;
    namespace: string;
    /** Velero's own metrics (the ones the stack's alerts use), on loopback. */
    metricsUrl: string;
    /** The ServiceAccount whose token the server runs with, and the kubeconfig holding that token. */
    serviceAccount: string;
    kubeconfig: string;
}

/** Flags the sandbox sets itself; the chart's values for them (if any) are dropped. */
const sandboxFlags = ["--kubeconfig", "--namespace", "--plugin-dir", "--metrics-address", "--profiler-address", "--store-validation-frequency"];

/**
 * A kubeconfig for the ServiceAccount that the chart's Deployment runs as, holding a token from the
 * TokenRequest API: the server gets what the chart's RBAC grants that account, not the sandbox admin.
 */
async function serviceAccountKubeconfig(sandbox: Sandbox, namespace: string, serviceAccount: string, file: string): Promise<void> {
    const request = await sandbox.kube.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
        apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest",
        // A sandbox left running for a week keeps working; the API server caps nothing here.
        spec: { expirationSeconds: 7 * 24 * 3600 },
    });
    const admin = parse(fs.readFileSync(sandbox.state.kubeconfig, "utf8"));
    const user = `${namespace}-${serviceAccount}`;
    fs.writeFileSync(file, stringify({
        apiVersion: "v1", kind: "Config",
        clusters: admin.clusters,
        users: [{ name: user, user: { token: request.status.token } }],
        contexts: [{ name: user, context: { cluster: admin.clusters[0].name, user } }],
        "current-context": user,
    }), { mode: 0o600 });
}

/** The Velero server container of the chart's Deployment, as the stack deployed it. */
async function chartServerContainer(kube: KubeClient, namespace: string): Promise<{ args: string[]; serviceAccount: string }> {
    const deployments = (await kube.list("apps/v1", "Deployment")).filter((deployment) => deployment.metadata.namespace === namespace);
    for (const deployment of deployments) {
        const pod = (deployment.spec as any).template.spec;
        const container = (pod.containers as any[]).find((candidate) => candidate.args?.[0] === "server");
        if (container) {
            return { args: container.args.slice(1), serviceAccount: pod.serviceAccountName ?? "default" };
        }
    }
    throw new Error(`no Velero server Deployment in namespace ${namespace}: deploy the stack first (pulumi up)`);
}

/**
 * Starts `velero server` with the chart's own server flags (uploader, default location, features) plus the
 * sandbox's: the ServiceAccount's kubeconfig, the stack's namespace, the plugin directory, loopback ports
 * (upstream binds :8085 on every interface and localhost:6060), and a 10 s store validation so a MinIO
 * outage shows within seconds. Tracked with the sandbox's servers: stopped with them, its log leak-scanned.
 */
export async function startVelero(sandbox: Sandbox, namespace = "velero"): Promise<VeleroServer> {
    if (!fs.existsSync(path.join(veleroPluginDir, "velero-plugin-for-aws"))) {
        throw new Error(`no Velero AWS plugin in ${veleroPluginDir}: build the toolchain (toolchain/build.sh velero)`);
    }
    const { args: chartArgs, serviceAccount } = await chartServerContainer(sandbox.kube, namespace);
    const home = path.join(sandbox.state.dataDir, "velero");
    const tmp = path.join(home, "tmp");
    fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const kubeconfig = path.join(home, "kubeconfig");
    await serviceAccountKubeconfig(sandbox, namespace, serviceAccount, kubeconfig);
    const [metricsPort, profilerPort] = [await freePort(), await freePort()];
    const args = [
        "server",
        ...chartArgs.filter((arg) => !sandboxFlags.some((flag) => arg === flag || arg.startsWith(`${flag}=`))),
        "--kubeconfig", kubeconfig,
        "--namespace", namespace,
        "--plugin-dir", veleroPluginDir,
        "--metrics-address", `127.0.0.1:${metricsPort}`,
        "--profiler-address", `127.0.0.1:${profilerPort}`,
        "--store-validation-frequency", "10s",
    ];
    // A bare environment: no AWS_* variables (the plugin must use the location's Secret), no process-wide CA
    // (it must use caCertRef). Velero writes each location's credentials file and its plugins' sockets
    // under TMPDIR, and restores unpack there: one folder per sandbox.
    const server = startServer("velero", path.join(toolchainBin, "velero"), args, path.join(sandbox.state.dataDir, "logs"), {
        PATH: "/usr/local/bin:/usr/bin:/bin", HOME: home, TMPDIR: tmp, VELERO_SCRATCH_DIR: tmp,
    });
    sandbox.state.servers.push(server);
    sandbox.save();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    // Ready once it has validated every storage location (Available or not): until then a new Backup fails
    // validation as if the location were unavailable. Validation times have whole seconds.
    const started = Math.floor(Date.now() / 1000) * 1000;
    const validated = async () => (await sandbox.kube.list(velero, "BackupStorageLocation"))
        .filter((location) => location.metadata.namespace === namespace)
        .every((location) => Date.parse((location.status as any)?.lastValidationTime ?? "") >= started);
    await waitUntilReady(server, async () => (await fetch(metricsUrl)).ok && await validated(), 120_000);
    return { process: server, namespace, metricsUrl, serviceAccount, kubeconfig };
}

/** Velero's /metrics text. */
export async function veleroMetrics(server: VeleroServer): Promise<string> {
    const response = await fetch(server.metricsUrl);
    if (!response.ok) {
        throw new Error(`GET ${server.metricsUrl}: ${response.status}`);
    }
    return response.text();
}

/** Polls a velero.io object until `done` holds; fails naming the last state seen. */
export async function waitForVelero(kube: KubeClient, kind: string, namespace: string, name: string, done: (object: KubeObject) => boolean,
    timeoutMs = 120_000): Promise<KubeObject> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const object = await kube.get({ apiVersion: velero, kind, metadata: { name, namespace } });
        if (object && done(object)) {
            return object;
        }
        if (Date.now() > deadline) {
            throw new Error(`${kind} ${namespace}/${name} not as expected after ${timeoutMs / 1000}s: ${JSON.stringify((object as any)?.status ?? "absent")}`);
        }
        await sleep(500);
    }
}

/** The `velero` CLI as an operator runs it: the sandbox's admin kubeconfig, Velero's namespace, a HOME of its
 * own (the CLI keeps its settings there). Resolves with the output, rejects with it on a non-zero exit. */
export function veleroCli(sandbox: Sandbox, namespace = "velero"): (...args: string[]) => Promise<string> {
    const home = path.join(sandbox.state.dataDir, "velero", "cli-home");
    fs.mkdirSync(home, { recursive: true });
    return (...args) => new Promise((resolve, reject) => {
        execFile(path.join(toolchainBin, "velero"), [...args, "--kubeconfig", sandbox.state.kubeconfig, "--namespace", namespace],
            { env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: home } }, (error, stdout, stderr) => {
                if (error) {
                    reject(new Error(`velero ${args.join(" ")}: ${error.message}\n${stdout}${stderr}`));
                } else {
                    resolve(stdout);
                }
            });
    });
}
