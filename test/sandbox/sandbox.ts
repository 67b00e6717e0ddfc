// The local sandbox: a real control plane with simulated nodes, a real MinIO over TLS, the upstream charts as
// a Helm repository and the Connect stand-in on 127.0.0.1, the cluster objects the stack expects to find
// (External Secrets and prometheus-operator CRDs, the ClusterSecretStore, the app's namespace), and a
// `local` Pulumi stack configured for them. Everything a
// run makes lives in one data folder; `sandbox.json` there records how to reach and stop it.
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { pinnedCharts } from "../../components/config/chartSources";
import { moduleCrds } from "../helpers/moduleCrds";
import { archiveFiles, chartArchive, fetchPinnedCharts } from "../helpers/chartArchive";
import { kubeContext, startControlPlane } from "./controlPlane";
import { externalSecretsCrds, startExternalSecrets, waitForStoreReady } from "./externalSecretsOperator";
import type { ConnectFault } from "./connectServer";
import { KubeClient, KubeObject } from "./kubeClient";
import { MinioSettings, minioSettings, startMinio } from "./minio";
import { addNodes, startKwok } from "./nodes";
import { createRunPki, RunPki } from "./pki";
import { freePort, httpOk, restartServer, ServerProcess, sleep, startServer, stopServer, stopServers, waitUntilReady } from "./processes";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const stackName = "local";
const vaultTitle = "sandbox";
/** The protected app the sandbox stack backs up. */
export const sandboxApp = { name: "demo", pvc: "demo-data" };
const standInPlugins = path.join(__dirname, "providers", "plugins");

/** What `sandbox.json` records: enough to reach, reuse and stop a running sandbox. */
export interface SandboxState {
    dataDir: string;
    kubeconfig: string;
    apiServerUrl: string;
    minio: MinioSettings;
    connect: { url: string; port: number; token: string; vault: string };
    /** The pinned upstream charts (as fetched into the project's chart cache) as a Helm repository. */
    chartRepositoryUrl: string;
    /** Passphrase of the stack's secrets provider. */
    passphrase: string;
    servers: ServerProcess[];
}

/** Random letters and digits: safe in URLs, YAML and command lines. */
const generated = (length: number) => randomBytes(length * 2).toString("base64").replace(/[^a-zA-Z0-9]/g, "").slice(0, length);

export class Sandbox {
    readonly pki: RunPki;

    constructor(readonly state: SandboxState) {
        this.pki = createRunPki(path.join(state.dataDir, "pki"));
    }

    static load(dataDir: string): Sandbox {
        return new Sandbox(JSON.parse(fs.readFileSync(path.join(dataDir, "sandbox.json"), "utf8")));
    }

    save(): void {
        fs.writeFileSync(path.join(this.state.dataDir, "sandbox.json"), JSON.stringify(this.state, null, 2), { mode: 0o600 });
    }

    get kube(): KubeClient {
        return KubeClient.fromFile(this.state.kubeconfig, kubeContext);
    }

    /** The Pulumi project as the CLI sees it: the repository's program, with the stack file kept here. */
    get projectDir(): string {
        return path.join(this.state.dataDir, "project");
    }

    get stackConfigFile(): string {
        return path.join(this.projectDir, `Pulumi.${stackName}.yaml`);
    }

    /** Environment for pulumi: the toolchain, the stand-in plugins, the stack's state and passphrase. MinIO's
     * CA is the stack's minio.caBundle setting, not process-wide trust. */
    env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PATH: [standInPlugins, process.env.PATH].join(path.delimiter),
            PULUMI_BACKEND_URL: `file://${path.join(this.state.dataDir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: this.state.passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            ...extra,
        };
    }

    /** The stack's secrets passphrase, as a file the CLI reads (PULUMI_CONFIG_PASSPHRASE_FILE). */
    get passphraseFile(): string {
        return path.join(this.state.dataDir, "passphrase");
    }

    /**
     * Shell lines that let a user drive the stack by hand. They work as printed in a fresh shell: nothing
     * from this process's environment is needed, and MinIO's CA comes from the stack's own setting.
     */
    byHandLines(): string[] {
        return [
            `. ${path.join(repoRoot, "toolchain", "env.sh")}`,
            `export PATH=${standInPlugins}:$PATH`,
            `export PULUMI_BACKEND_URL=file://${path.join(this.state.dataDir, "state")} PULUMI_CONFIG_PASSPHRASE_FILE=${this.passphraseFile}`,
            `cd ${this.projectDir} && pulumi stack select ${stackName}`,
        ];
    }

    server(name: string): ServerProcess {
        const server = this.state.servers.find((candidate) => candidate.name === name);
        if (!server) {
            throw new Error(`the sandbox has no ${name} server`);
        }
        return server;
    }

    async stopMinio(): Promise<void> {
        await stopServer(this.server("minio"));
    }

    /** Restarts MinIO on the same data folder and port (the fault test's recovery). */
    async startMinio(): Promise<void> {
        const minio = await startMinio(this.state.minio, path.join(this.state.dataDir, "logs"), this.pki.caCert);
        this.state.servers = [...this.state.servers.filter((server) => server.name !== "minio"), minio];
        this.save();
    }

    /** Stops the API server for `downMs` and starts it again on the same port and etcd (the cluster's data stays). */
    async restartApiServer(downMs: number): Promise<void> {
        const restarted = await restartServer(this.server("kube-apiserver"), downMs);
        this.state.servers = this.state.servers.map((server) => server.name === restarted.name ? restarted : server);
        this.save();
        const deadline = Date.now() + 120_000;
        while (!(await this.kube.request("GET", "/api/v1/namespaces/default").then(() => true, () => false))) {
            if (Date.now() > deadline) {
                throw new Error("the restarted API server is not ready after 120s");
            }
            await sleep(250);
        }
    }

    /** Makes the Connect stand-in fail as `fault` says, from its next request on; undefined: heal it. */
    setConnectFault(fault: ConnectFault | undefined): void {
        fs.writeFileSync(connectFaultFile(this.state.dataDir), fault ?? "");
    }

    async stop(): Promise<void> {
        // Reverse start order: controllers before the API server, the API server before etcd.
        for (const server of [...this.state.servers].reverse()) {
            await stopServer(server);
        }
    }

    /** Runs the CLI against the local stack; resolves with its output, rejects with it on failure. */
    pulumi(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Promise<PulumiRun> {
        return runPulumi(this.projectDir, args, this.env(options.env), options);
    }
}

export interface PulumiRun {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

export class PulumiError extends Error {
    constructor(readonly run: PulumiRun, args: string[]) {
        super(`pulumi ${args.join(" ")} exited ${run.code}:\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-4000)}`);
    }
}

function runPulumi(cwd: string, args: string[], env: NodeJS.ProcessEnv, options: { input?: string; echo?: boolean }): Promise<PulumiRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--non-interactive"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
            if (options.echo) {
                process.stdout.write(chunk);
            }
        });
        child.stderr.on("data", (chunk) => {
            stderr += chunk;
            if (options.echo) {
                process.stderr.write(chunk);
            }
        });
        child.on("error", reject);
        child.on("close", (code) => {
            const run = { code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 };
            if (run.code === 0) {
                resolve(run);
            } else {
                reject(new PulumiError(run, args));
            }
        });
        child.stdin.end(options.input ?? "");
    });
}

/** One of the sandbox's own TypeScript servers, in a process of its own. */
function startScript(name: string, script: string, dataDir: string, env: NodeJS.ProcessEnv): ServerProcess {
    return startServer(name, process.execPath, ["--require", require.resolve("ts-node/register/transpile-only"), path.join(__dirname, script)],
        path.join(dataDir, "logs"), { ...process.env, ...env });
}

/** The pinned charts, fetched and digest-checked into the project's chart cache, served as a Helm repository. */
async function startChartRepository(dataDir: string, port: number): Promise<ServerProcess> {
    const repository = await fetchPinnedCharts((line) => console.log(`sandbox: ${line}`));
    const server = startScript("chart-repository", "chartRepository.ts", dataDir, { CHART_REPO_PORT: String(port), CHART_REPO_DIR: repository });
    await waitUntilReady(server, () => httpOk(`http://127.0.0.1:${port}/index.yaml`));
    return server;
}

const connectFaultFile = (dataDir: string) => path.join(dataDir, "connect-fault");

/** The Connect stand-in on plain HTTP, Connect's own default listener: its clients (the onepassword
 * provider, ESO) then need no process-wide trust of the run's CA. */
async function startConnect(dataDir: string, port: number, token: string): Promise<ServerProcess> {
    const server = startScript("connect-stand-in", "connectServer.ts", dataDir, {
        CONNECT_PORT: String(port),
        CONNECT_TOKEN: token,
        CONNECT_VAULT: vaultTitle,
        CONNECT_STATE: path.join(dataDir, "connect-items.json"),
        CONNECT_FAULTS: connectFaultFile(dataDir),
    });
    await waitUntilReady(server, () => httpOk(`http://127.0.0.1:${port}/heartbeat`));
    return server;
}

/** Applies manifests, retrying while their kinds are not served yet (CRDs take a moment to be established). */
async function applyAll(kube: KubeClient, objects: KubeObject[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const object of objects) {
        for (;;) {
            try {
                await kube.apply(object);
                break;
            } catch (error) {
                if (Date.now() > deadline || !/does not serve kind/.test((error as Error).message)) {
                    throw error;
                }
                await sleep(250);
            }
        }
    }
}

/** CRDs of the controllers the cluster is expected to run already, from pinned modules: External Secrets
 * (those of the release the sandbox runs) and prometheus-operator. The snapshot-controller chart owns the
 * VolumeSnapshot CRDs, but an archive without its generated crds.yaml (the mirror's 5.2.0) renders none: then
 * they come from the external-snapshotter module, so its controller runs with them. A published archive has
 * the file, and the chart must then be their only creator. */
function prerequisiteCrds(): KubeObject[] {
    const { chart, version } = pinnedCharts.snapshotController;
    const chartRendersCrds = archiveFiles(chartArchive(chart, version!)).has(`${chart}/crds.yaml`);
    return [...externalSecretsCrds(), ...moduleCrds("monitoring.coreos.com"),
        ...(chartRendersCrds ? [] : moduleCrds("snapshot.storage.k8s.io"))] as KubeObject[];
}

const esoNamespace = "external-secrets";
const clusterSecretStore = "onepassword";

/** The cluster as the stack expects to find it: what External Secrets and an app team would have made. */
function clusterFixtures(state: SandboxState): KubeObject[] {
    const crds = prerequisiteCrds();
    return [
        ...crds,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: esoNamespace } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: sandboxApp.name } },
        {
            apiVersion: "v1", kind: "Secret", metadata: { name: "onepassword-connect-token", namespace: esoNamespace },
            type: "Opaque", stringData: { token: state.connect.token },
        },
        {
            apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: clusterSecretStore },
            spec: {
                provider: {
                    onepassword: {
                        connectHost: state.connect.url,
                        vaults: { [state.connect.vault]: 1 },
                        auth: { secretRef: { connectTokenSecretRef: { name: "onepassword-connect-token", namespace: esoNamespace, key: "token" } } },
                    },
                },
            },
        },
    ];
}

/** Stack config for the sandbox: the servers above, the pinned charts from the loopback repository, one
 * protected app on the hostpath class. */
function sandboxStackConfig(sandbox: Sandbox): Record<string, unknown> {
    const { state } = sandbox;
    return {
        "storage-backup:kubernetes": { kubeconfigPath: state.kubeconfig, context: kubeContext },
        // Verified HTTPS with the run's CA, through the stack's own setting (no process-wide trust).
        "storage-backup:minio": { endpoint: state.minio.endpoint, useTls: true, region: "minio", caBundle: sandbox.pki.caCert },
        "storage-backup:onepassword": { vault: state.connect.vault, connectUrl: state.connect.url },
        // The air-gapped setup: one mirror repository for every pinned chart.
        "storage-backup:charts": { mirror: state.chartRepositoryUrl },
        // Only namespaces the sandbox has (the default list names database, monitoring and network, and Velero
        // counts each missing one as an error): `default`, and the app's, whose VolSync-protected PVC Velero's
        // volume policy must skip.
        "storage-backup:velero": { schedule: { includedNamespaces: ["default", sandboxApp.name] } },
        "storage-backup:apps": [{
            name: sandboxApp.name,
            pvc: { name: sandboxApp.pvc, create: true, capacity: "1Gi", storageClass: "openebs-localpv-hostpath" },
            // LocalPV hostpath has no snapshots: Direct is the only valid copy method there.
            copyMethod: "Direct",
        }],
    };
}

/** The project directory: links to the repository's program, so the stack file stays in the data folder. */
function linkProject(projectDir: string): void {
    fs.mkdirSync(projectDir, { recursive: true });
    for (const entry of ["Pulumi.yaml", "index.ts", "components", "package.json", "tsconfig.json", "node_modules"]) {
        const link = path.join(projectDir, entry);
        if (!fs.existsSync(link)) {
            fs.symlinkSync(path.join(repoRoot, entry), link);
        }
    }
}

/** Writes the stack file (plain config) and sets the secrets through the CLI (stdin, never argv). */
async function writeStackConfig(sandbox: Sandbox, config: Record<string, unknown>): Promise<void> {
    const { state } = sandbox;
    const existing = fs.existsSync(sandbox.stackConfigFile)
        ? (parseAllDocuments(fs.readFileSync(sandbox.stackConfigFile, "utf8"))[0]?.toJS() ?? {}) : {};
    fs.writeFileSync(sandbox.stackConfigFile, stringify({ ...existing, config }));
    const secrets: Record<string, string> = {
        minioAdminUser: state.minio.rootUser,
        minioAdminPassword: state.minio.rootPassword,
        onepasswordConnectToken: state.connect.token,
    };
    for (const [key, value] of Object.entries(secrets)) {
        await sandbox.pulumi(["config", "set", "--stack", stackName, "--secret", key], { input: value });
    }
}

/** The sandbox servers that are not the cluster: a lost cluster (`rebuildCluster`) leaves them running. */
const outliveTheCluster = ["chart-repository", "minio", "connect-stand-in"];

/**
 * The cluster: control plane, KWOK's nodes, and what the stack expects to find there (CRDs, the secret
 * store, External Secrets). Each server is recorded in the state as soon as it runs, so a failure can stop it.
 */
async function startCluster(sandbox: Sandbox): Promise<void> {
    const { state } = sandbox;
    const logs = path.join(state.dataDir, "logs");
    const track = (server: ServerProcess) => {
        state.servers.push(server);
        sandbox.save();
        return server;
    };
    const controlPlane = await startControlPlane(state.dataDir, sandbox.pki);
    controlPlane.servers.forEach(track);
    Object.assign(state, { kubeconfig: controlPlane.kubeconfig, apiServerUrl: controlPlane.apiServerUrl });
    track(startKwok(controlPlane.kubeconfig, logs));
    await addNodes(sandbox.kube);
    await applyAll(sandbox.kube, clusterFixtures(state));
    const externalSecrets = track(await startExternalSecrets(controlPlane.kubeconfig, logs));
    await waitForStoreReady(sandbox.kube, externalSecrets, clusterSecretStore);
}

/**
 * Loses the cluster of a running sandbox and starts a new, empty one in its place (new etcd data, new API
 * server port, same kubeconfig file), as after a real cluster loss. MinIO, the vault and the stack state stay.
 */
export async function rebuildCluster(sandbox: Sandbox): Promise<void> {
    const { state } = sandbox;
    const cluster = state.servers.filter((server) => !outliveTheCluster.includes(server.name));
    for (const server of [...cluster].reverse()) {
        await stopServer(server);
    }
    state.servers = state.servers.filter((server) => outliveTheCluster.includes(server.name));
    sandbox.save();
    fs.rmSync(path.join(state.dataDir, "etcd"), { recursive: true, force: true });
    await startCluster(sandbox);
}

/**
 * Starts every server in `dataDir` (created fresh), prepares the cluster and the `local` stack. On any
 * failure the servers started so far are stopped again.
 */
export async function startSandbox(dataDir: string): Promise<Sandbox> {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pki = createRunPki(path.join(dataDir, "pki"));
    // Every server is recorded here once its start returns (startCluster records into this same list, the
    // state's); one whose readiness wait fails is stopped by waitUntilReady itself.
    const servers: ServerProcess[] = [];
    try {
        const chartRepositoryPort = await freePort();
        servers.push(await startChartRepository(dataDir, chartRepositoryPort));
        const minio = minioSettings(dataDir, pki, await freePort(), `admin-${generated(8)}`, generated(32));
        servers.push(await startMinio(minio, path.join(dataDir, "logs"), pki.caCert));
        const connectPort = await freePort();
        const connect = { url: `http://127.0.0.1:${connectPort}`, port: connectPort, token: generated(48), vault: vaultTitle };
        servers.push(await startConnect(dataDir, connectPort, connect.token));

        const sandbox = new Sandbox({
            dataDir, kubeconfig: "", apiServerUrl: "", minio, connect,
            chartRepositoryUrl: `http://127.0.0.1:${chartRepositoryPort}`, passphrase: generated(32), servers,
        });
        sandbox.save();
        fs.writeFileSync(sandbox.passphraseFile, sandbox.state.passphrase, { mode: 0o600 });
        await startCluster(sandbox);

        linkProject(sandbox.projectDir);
        fs.mkdirSync(path.join(dataDir, "state"), { recursive: true });
        await sandbox.pulumi(["stack", "init", stackName]);
        await writeStackConfig(sandbox, sandboxStackConfig(sandbox));
        return sandbox;
    } catch (error) {
        await stopServers(servers);
        throw error;
    }
}
