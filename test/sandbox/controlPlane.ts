// etcd, kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1. There is no kubelet: KWOK
// (nodes.ts) plays the nodes, so Pods are scheduled and go Running/Ready, and workloads become available as
// on a real cluster. The controller manager runs the controllers that readiness and teardown depend on.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { RunPki } from "./pki";
import { freePort, httpOk, httpsOk, ServerProcess, startServer, stopServers, waitUntilReady } from "./processes";

export const kubeContext = "sandbox";

export interface ControlPlane {
    servers: ServerProcess[];
    apiServerUrl: string;
    kubeconfig: string;
}

function writeKubeconfig(file: string, server: string, pki: RunPki): void {
    const data = (file: string) => fs.readFileSync(file).toString("base64");
    fs.writeFileSync(file, stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: kubeContext, cluster: { server, "certificate-authority-data": data(pki.caCert) } }],
        users: [{ name: "sandbox-admin", user: { "client-certificate-data": data(pki.admin.cert), "client-key-data": data(pki.admin.key) } }],
        contexts: [{ name: kubeContext, context: { cluster: kubeContext, user: "sandbox-admin" } }],
        "current-context": kubeContext,
    }), { mode: 0o600 });
}

/**
 * Workload controllers (a Deployment becomes Available through its ReplicaSet's Pods), Services' endpoints
 * (the provider waits for a Service to select ready Pods), node lifecycle (it lifts a new node's not-ready
 * taint), service accounts, and what teardown needs: namespace deletion, garbage collection, and the PVC/PV
 * protection finalizers.
 */
const controllers = [
    "deployment", "replicaset", "daemonset", "statefulset", "job", "cronjob", "endpoint", "endpointslice",
    "nodelifecycle", "serviceaccount", "namespace", "garbagecollector", "pvc-protection", "pv-protection",
];

export async function startControlPlane(dataDir: string, pki: RunPki): Promise<ControlPlane> {
    const servers: ServerProcess[] = [];
    try {
        return await startServers(dataDir, pki, servers);
    } catch (error) {
        // A failed start returns nothing the caller could stop: etcd must not outlive a failed API server.
        await stopServers(servers);
        throw error;
    }
}

/** Starts the control plane's servers, recording each in `servers` as soon as it runs. */
async function startServers(dataDir: string, pki: RunPki, servers: ServerProcess[]): Promise<ControlPlane> {
    const logs = path.join(dataDir, "logs");
    const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startServer("etcd", "etcd", [
        "--name", "sandbox", "--data-dir", path.join(dataDir, "etcd"),
        "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", etcdPeer, "--initial-advertise-peer-urls", etcdPeer,
        "--initial-cluster", `sandbox=${etcdPeer}`,
        // Throwaway data: fsync only slows the 2-core CI machine down.
        "--unsafe-no-fsync",
    ], logs);
    servers.push(etcd);
    await waitUntilReady(etcd, () => httpOk(`${etcdUrl}/health`));

    const apiServer = startServer("kube-apiserver", "kube-apiserver", [
        "--etcd-servers", etcdUrl,
        "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", String(apiPort),
        // No Endpoints for the kubernetes Service: a loopback address is not a valid endpoint.
        "--endpoint-reconciler-type", "none",
        "--tls-cert-file", pki.server.cert, "--tls-private-key-file", pki.server.key,
        "--client-ca-file", pki.caCert,
        "--service-account-issuer", "https://kubernetes.default.svc",
        "--service-account-key-file", pki.serviceAccount.publicKey,
        "--service-account-signing-key-file", pki.serviceAccount.privateKey,
        "--service-cluster-ip-range", "10.96.0.0/24",
        "--authorization-mode", "RBAC",
        // As in any real cluster the stack targets: the node agents are privileged DaemonSets.
        "--allow-privileged=true",
        "--cert-dir", path.join(dataDir, "apiserver-certs"),
    ], logs);
    servers.push(apiServer);
    const adminTls = { ca: fs.readFileSync(pki.caCert), cert: fs.readFileSync(pki.admin.cert), key: fs.readFileSync(pki.admin.key) };
    await waitUntilReady(apiServer, () => httpsOk(apiPort, "/readyz", adminTls));

    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dataDir, "kubeconfig");
    writeKubeconfig(kubeconfig, apiServerUrl, pki);
    servers.push(startServer("kube-controller-manager", "kube-controller-manager", [
        "--kubeconfig", kubeconfig,
        // PVCs and PVs carry protection finalizers that only these controllers remove.
        "--controllers", controllers.join(","),
        "--leader-elect=false",
        // Serving nothing means no delegated authentication to set up.
        "--secure-port", "0",
        "--service-account-private-key-file", pki.serviceAccount.privateKey,
        "--root-ca-file", pki.caCert,
    ], logs));
    servers.push(startServer("kube-scheduler", "kube-scheduler", [
        "--kubeconfig", kubeconfig, "--leader-elect=false", "--secure-port", "0",
    ], logs));
    return { servers, apiServerUrl, kubeconfig };
}
