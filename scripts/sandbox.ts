// `npm run sandbox` (via scripts/sandbox.sh, which builds or reuses the toolchain first):
//   up       start a clean sandbox (wiping a stopped one's folder, and saying so), then `pulumi up` the
//            `local` stack against it (default)
//   down     `pulumi destroy` the stack, then stop the servers; MinIO's data, the vault and the state stay
//   rebuild  lose the cluster of a running sandbox (new API server and etcd, nothing of the old cluster
//            kept) while MinIO, the vault and the stack state stay, then `pulumi up --refresh` into it
// The data folder is $SANDBOX_DIR, or .cache/sandbox in the repository.
import * as fs from "fs";
import * as path from "path";
import { isRunning } from "../test/sandbox/processes";
import { rebuildCluster, repoRoot, Sandbox, stackName, startSandbox } from "../test/sandbox/sandbox";
import { startVelero } from "../test/sandbox/velero";

const dataDir = path.resolve(process.env.SANDBOX_DIR ?? path.join(repoRoot, ".cache", "sandbox"));
const stateFile = path.join(dataDir, "sandbox.json");

function running(): Sandbox | undefined {
    if (!fs.existsSync(stateFile)) {
        return undefined;
    }
    const sandbox = Sandbox.load(dataDir);
    return sandbox.state.servers.some((server) => isRunning(server.pid)) ? sandbox : undefined;
}

async function up(): Promise<void> {
    if (running()) {
        throw new Error(`a sandbox is already running in ${dataDir}; stop it first with: npm run sandbox -- down`);
    }
    // A previous sandbox's data cannot be reused: its certificates, passwords and ports were for that run.
    if (fs.existsSync(dataDir)) {
        console.log(`sandbox: starting clean, so wiping the stopped sandbox in ${dataDir}: its cluster, MinIO's buckets and backups, the vault's items and the stack state`);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    const started = Date.now();
    console.log(`sandbox: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK nodes, External Secrets, MinIO, the chart repository and the Connect stand-in in ${dataDir}`);
    const sandbox = await startSandbox(dataDir);
    const serversUp = (Date.now() - started) / 1000;
    console.log(`sandbox: servers ready in ${serversUp.toFixed(1)}s; running pulumi up on stack "${stackName}"`);
    try {
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"], { echo: true });
    } catch (error) {
        console.error(`sandbox: pulumi up failed; the servers keep running for a look (logs in ${path.join(dataDir, "logs")}).\nStop them with: npm run sandbox -- down`);
        throw error;
    }
    // Velero works on what the stack just deployed (its namespace, CRDs, location, Secret, schedule).
    const velero = await startVelero(sandbox).catch((error) => {
        console.error(`sandbox: the Velero server did not start; the other servers keep running (logs in ${path.join(dataDir, "logs")}).\nStop them with: npm run sandbox -- down`);
        throw error;
    });
    const outputs = JSON.parse((await sandbox.pulumi(["stack", "output", "--stack", stackName, "--json"])).stdout);
    const { state } = sandbox;
    console.log(`
sandbox: up in ${((Date.now() - started) / 1000).toFixed(1)}s (servers ${serversUp.toFixed(1)}s)

Created by the stack (secret outputs stay hidden; \`pulumi stack output --show-secrets\` shows them):
${JSON.stringify(outputs, null, 2).split("\n").map((line) => `  ${line}`).join("\n")}

Servers (127.0.0.1 only; logs in ${path.join(dataDir, "logs")}):
  kube-apiserver     ${state.apiServerUrl}   kubeconfig ${state.kubeconfig} (context sandbox)
  MinIO (TLS)        https://${state.minio.endpoint}   root credentials in ${stateFile}
  Connect stand-in   ${state.connect.url}     vault "${state.connect.vault}", token in ${stateFile}
  Chart repository   ${state.chartRepositoryUrl}   (the pinned charts, fetched and digest-checked into .cache/charts)
  The run's CA       ${sandbox.pki.caCert}   (signed MinIO's and the API server's certificates)
  Velero server      ${velero.metricsUrl}   (v1.18.3 with the AWS plugin, as ServiceAccount ${velero.namespace}/${velero.serviceAccount}; \`velero\` is on the toolchain's PATH)

Real: pulumi, the engine, the kubernetes and random providers, the control plane, External Secrets
(it renders <app>-restic-secret from the vault), the Velero server and its AWS plugin (backups and restores
of the stack's schedule into MinIO), MinIO, the charts.
Simulated: the nodes (KWOK), so no container runs: Velero's node agent moves no volume data.
Stand-ins: the minio and onepassword provider plugins and 1Password Connect (test/sandbox/providers; their
modules cannot be built offline here).

Use the stack yourself, in any shell (the stack file is ${sandbox.stackConfigFile}; MinIO's CA is its
minio.caBundle setting, so nothing else needs to trust the sandbox):
${sandbox.byHandLines().map((line) => `  ${line}`).join("\n")}
  pulumi preview

Rehearse losing the cluster (a new API server and etcd; MinIO, the vault and the stack state stay):
  npm run sandbox -- rebuild
Tear it down (destroys the stack's cluster objects and stops the servers; MinIO's buckets and backups, the
vault and the stack state stay in ${dataDir} until the next \`npm run sandbox\`, which starts clean):
  npm run sandbox -- down`);
}

async function down(): Promise<void> {
    if (!fs.existsSync(stateFile)) {
        console.log(`sandbox: nothing to tear down in ${dataDir}`);
        return;
    }
    const sandbox = Sandbox.load(dataDir);
    try {
        if (running()) {
            await sandbox.pulumi(["destroy", "--stack", stackName, "--yes", "--skip-preview"], { echo: true });
        }
    } finally {
        await sandbox.stop();
    }
    console.log(`sandbox: stopped. Kept in ${dataDir}: MinIO's buckets and backups, the vault's items, the stack state and the logs. The next \`npm run sandbox\` wipes them and starts clean.`);
}

async function rebuild(): Promise<void> {
    const sandbox = running();
    if (!sandbox) {
        throw new Error(`no sandbox is running in ${dataDir}; start one with: npm run sandbox`);
    }
    const started = Date.now();
    console.log("sandbox: losing the cluster: stopping etcd, the API server, the controllers, KWOK, External Secrets and Velero, and wiping etcd's data");
    console.log("sandbox: keeping MinIO (buckets, backups, users), the vault's items and the stack state");
    await rebuildCluster(sandbox);
    console.log(`sandbox: a new, empty cluster is up at ${sandbox.state.apiServerUrl}; running pulumi up --refresh (refresh drops the lost objects from the state, up recreates them)`);
    await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview", "--refresh"], { echo: true });
    await startVelero(sandbox);
    console.log(`sandbox: rebuilt in ${((Date.now() - started) / 1000).toFixed(1)}s; the apps' secrets are rendered again from the kept vault item, so their repositories open with the same restic password`);
}

const command = process.argv[2] ?? "up";
const commands: Record<string, () => Promise<void>> = { up, down, rebuild };
if (!commands[command]) {
    console.error("usage: npm run sandbox [-- up|down|rebuild]");
    process.exit(2);
}
commands[command]().catch((error) => {
    console.error(`sandbox: ${command} failed: ${error.message}`);
    process.exit(1);
});
