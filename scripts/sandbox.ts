// `npm run sandbox` (via scripts/sandbox.sh, which builds or reuses the toolchain first):
//   up    start the sandbox servers, then `pulumi up` the `local` stack against them (default)
//   down  `pulumi destroy` the stack, then stop the servers; the data folder stays
// The data folder is $SANDBOX_DIR, or .cache/sandbox in the repository.
import * as fs from "fs";
import * as path from "path";
import { isRunning } from "../test/sandbox/processes";
import { repoRoot, Sandbox, stackName, startSandbox } from "../test/sandbox/sandbox";

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
    fs.rmSync(dataDir, { recursive: true, force: true });
    const started = Date.now();
    console.log(`sandbox: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK nodes, MinIO, the chart repository and the Connect stand-in in ${dataDir}`);
    const sandbox = await startSandbox(dataDir);
    fs.writeFileSync(path.join(dataDir, "passphrase"), sandbox.state.passphrase, { mode: 0o600 });
    const serversUp = (Date.now() - started) / 1000;
    console.log(`sandbox: servers ready in ${serversUp.toFixed(1)}s; running pulumi up on stack "${stackName}"`);
    try {
        await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"], { echo: true });
    } catch (error) {
        console.error(`sandbox: pulumi up failed; the servers keep running for a look (logs in ${path.join(dataDir, "logs")}).\nStop them with: npm run sandbox -- down`);
        throw error;
    }
    const outputs = JSON.parse((await sandbox.pulumi(["stack", "output", "--stack", stackName, "--json"])).stdout);
    const { state } = sandbox;
    console.log(`
sandbox: up in ${((Date.now() - started) / 1000).toFixed(1)}s (servers ${serversUp.toFixed(1)}s)

Created by the stack (secret outputs stay hidden; \`pulumi stack output --show-secrets\` shows them):
${JSON.stringify(outputs, null, 2).split("\n").map((line) => `  ${line}`).join("\n")}

Servers (127.0.0.1 only; logs in ${path.join(dataDir, "logs")}):
  kube-apiserver     ${state.apiServerUrl}   kubeconfig ${state.kubeconfig} (context sandbox)
  MinIO (TLS)        https://${state.minio.endpoint}   root credentials in ${stateFile}
  Connect stand-in   ${state.connect.url}   vault "${state.connect.vault}", token in ${stateFile}
  Chart repository   ${state.chartRepositoryUrl}   (the upstream charts in ../shared/helm-repo)
  CA for all three   ${sandbox.pki.caCert}

Real: pulumi, the engine, the kubernetes and random providers, the control plane, MinIO, the charts.
Simulated: the nodes (KWOK). Stand-ins: the minio and onepassword provider plugins and 1Password
Connect (test/sandbox/providers; their modules cannot be built offline here).

Use the stack yourself (the stack file is ${sandbox.stackConfigFile}):
  . toolchain/env.sh
  export PULUMI_BACKEND_URL=file://${path.join(dataDir, "state")} PULUMI_CONFIG_PASSPHRASE_FILE=${path.join(dataDir, "passphrase")}
  export PATH=${sandbox.env().PATH!.split(path.delimiter)[0]}:$PATH
  export SSL_CERT_FILE=${sandbox.pki.caCert} NODE_EXTRA_CA_CERTS=${sandbox.pki.caCert}   # the sandbox's own CA (issue 15 replaces this with a stack setting)
  pulumi -C ${sandbox.projectDir} stack --stack ${stackName}

Tear it down (destroys the stack's cluster objects, keeps buckets and backups, stops the servers):
  npm run sandbox -- down
Everything the servers wrote is in ${dataDir}; remove that folder afterwards to start clean.`);
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
    console.log(`sandbox: stopped; data kept in ${dataDir}`);
}

const command = process.argv[2] ?? "up";
const commands: Record<string, () => Promise<void>> = { up, down };
if (!commands[command]) {
    console.error("usage: npm run sandbox [-- up|down]");
    process.exit(2);
}
commands[command]().catch((error) => {
    console.error(`sandbox: ${command} failed: ${error.message}`);
    process.exit(1);
});
