// Simulated nodes: KWOK (built into the toolchain) takes the place of kubelets. It marks the sandbox's
// Node objects Ready and keeps their heartbeats, and moves every Pod scheduled onto them to Running and
// Ready (Job Pods to Succeeded), with the Stage definitions its module ships (toolchain/bin/kwok-stages).
import * as fs from "fs";
import * as path from "path";
import { KubeClient, KubeObject } from "./kubeClient";
import { ServerProcess, sleep, startServer } from "./processes";

/** Annotation KWOK selects its nodes by; nodes without it are left alone. */
const managedBy = { key: "kwok.x-k8s.io/node", value: "fake" };
export const nodeNames = ["node-a", "node-b", "node-c"];

function stageFiles(): string[] {
    const toolchainBin = path.join(__dirname, "..", "..", "toolchain", "bin", "kwok-stages");
    const files = fs.existsSync(toolchainBin) ? fs.readdirSync(toolchainBin).filter((file) => file.endsWith(".yaml")) : [];
    if (files.length === 0) {
        throw new Error(`no KWOK stage files in ${toolchainBin}: build the toolchain (toolchain/build.sh kwok)`);
    }
    return files.map((file) => path.join(toolchainBin, file));
}

export function startKwok(kubeconfig: string, logDir: string): ServerProcess {
    return startServer("kwok", "kwok", [
        "--kubeconfig", kubeconfig,
        ...stageFiles().flatMap((file) => ["--config", file]),
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector", `${managedBy.key}=${managedBy.value}`,
        "--node-ip", "127.0.0.1",
        "--cidr", "10.244.0.0/16",
    ], logDir, { ...process.env, HOME: logDir });
}

/** A node as a small worker would report itself: enough room that no chart's requests exhaust it. */
function node(name: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { [managedBy.key]: managedBy.value },
            labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/worker": "" },
        },
        // The API server keeps a Node's status on create; KWOK then owns its conditions.
        status: {
            capacity: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
            allocatable: { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" },
            nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "v1.36.3" },
        },
    };
}

/** Registers the nodes and waits until every one is Ready and untainted, so Pods can be scheduled. */
export async function addNodes(kube: KubeClient, timeoutMs = 60_000): Promise<void> {
    for (const name of nodeNames) {
        await kube.apply(node(name));
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const nodes = await kube.list("v1", "Node");
        const ready = nodes.filter((candidate) => (candidate.status as any)?.conditions?.some((condition: any) => condition.type === "Ready" && condition.status === "True")
            && !((candidate.spec as any)?.taints ?? []).some((taint: any) => taint.effect === "NoSchedule"));
        if (ready.length === nodeNames.length) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`simulated nodes not Ready and schedulable after ${timeoutMs / 1000}s: ${JSON.stringify(nodes.map((n) => ({ name: n.metadata.name, taints: (n.spec as any)?.taints })))}`);
        }
        await sleep(500);
    }
}
