// The External Secrets Operator: the real controller (v0.16.2, built into the toolchain from its Go module)
// as a process against the sandbox's API server, with the CRDs of that same release. Its `onepassword`
// ClusterSecretStore points at the Connect stand-in, so the `<app>-restic-secret` the tests use is the one
// ESO itself rendered from the 1Password item.
//
// Only the root command runs: it holds the reconcilers. ESO's admission webhook and its cert controller are
// separate subcommands (`webhook`, `certcontroller`) and are not started: nothing registers a webhook with
// the API server, and the CRDs applied here carry no conversion webhook, so no certificate has to be made
// or injected. The API server therefore never calls out to ESO.
import { moduleCrds } from "../helpers/moduleCrds";
import { KubeClient, KubeObject } from "./kubeClient";
import { freePort, ServerProcess, sleep, startServer, waitUntilReady } from "./processes";

const esApiVersion = "external-secrets.io/v1";
/** What ESO puts on every Secret it manages (apis/externalsecrets/v1: LabelManaged). */
export const managedLabel = "reconcile.external-secrets.io/managed";

/** ESO's CRDs as its module ships them (toolchain/build.sh crds copies them from the same release). */
export function externalSecretsCrds(): KubeObject[] {
    return moduleCrds("external-secrets.io") as KubeObject[];
}

const readyCondition = (object: KubeObject | undefined) =>
    ((object?.status as any)?.conditions ?? []).find((condition: any) => condition.type === "Ready") as { status: string; reason?: string; message?: string } | undefined;

/** Starts the controller; `waitForStoreReady` says when it works. */
export async function startExternalSecrets(kubeconfig: string, logDir: string): Promise<ServerProcess> {
    return startServer("external-secrets", "external-secrets", [
        // Upstream binds :8080 on every interface; parallel sandboxes need a port of their own, on loopback.
        "--metrics-addr", `127.0.0.1:${await freePort()}`,
        // The stack uses neither PushSecrets nor ClusterExternalSecrets: fewer informers on a small machine.
        "--enable-push-secret-reconciler=false",
        "--enable-cluster-push-secret-reconciler=false",
        "--enable-cluster-external-secret-reconciler=false",
        "--zap-time-encoding", "iso8601",
    ], logDir, {
        ...process.env,
        // controller-runtime reads the kubeconfig from here (the root command has no --kubeconfig flag).
        KUBECONFIG: kubeconfig,
    });
}

/** Waits until ESO has validated the ClusterSecretStore `store`: it reached the vault with its token. */
export async function waitForStoreReady(kube: KubeClient, server: ServerProcess, store: string, timeoutMs = 120_000): Promise<void> {
    const storeObject = { apiVersion: esApiVersion, kind: "ClusterSecretStore", metadata: { name: store } };
    await waitUntilReady(server, async () => readyCondition(await kube.get(storeObject))?.status === "True", timeoutMs);
}

/**
 * The Secret that ESO wrote for the ExternalSecret `namespace/name`, once ESO reports it synced, with its
 * values decoded. Fails unless the Secret carries ESO's proof of authorship: the managed label and a
 * controller reference to that very ExternalSecret (by uid).
 */
export async function secretWrittenByEso(kube: KubeClient, namespace: string, name: string, timeoutMs = 120_000): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    let externalSecret: KubeObject | undefined;
    for (;;) {
        externalSecret = await kube.get({ apiVersion: esApiVersion, kind: "ExternalSecret", metadata: { name, namespace } });
        const ready = readyCondition(externalSecret);
        if (ready?.status === "True") {
            break;
        }
        if (Date.now() > deadline) {
            throw new Error(`ExternalSecret ${namespace}/${name} not synced by ESO after ${timeoutMs / 1000}s: ${ready ? `${ready.reason}: ${ready.message}` : "no Ready condition"}`);
        }
        await sleep(500);
    }
    const target = (externalSecret!.spec as any).target?.name ?? name;
    const secret = await kube.get({ apiVersion: "v1", kind: "Secret", metadata: { name: target, namespace } });
    if (!secret) {
        throw new Error(`ESO reports ExternalSecret ${namespace}/${name} synced, but Secret ${namespace}/${target} does not exist`);
    }
    const labels = (secret.metadata.labels ?? {}) as Record<string, string>;
    const owners = (secret.metadata.ownerReferences ?? []) as { kind: string; name: string; uid: string; controller?: boolean }[];
    const owner = owners.find((reference) => reference.kind === "ExternalSecret" && reference.controller);
    if (labels[managedLabel] !== "true" || owner?.name !== name || owner.uid !== (externalSecret!.metadata as any).uid) {
        throw new Error(`Secret ${namespace}/${target} was not written by ESO for ExternalSecret ${name}: labels ${JSON.stringify(labels)}, owners ${JSON.stringify(owners)}`);
    }
    return Object.fromEntries(Object.entries((secret.data ?? {}) as Record<string, string>)
        .map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}
