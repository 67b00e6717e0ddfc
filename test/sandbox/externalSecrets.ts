// TEST DOUBLE for the External Secrets Operator, which the sandbox does not run: renders an ExternalSecret
// the way ESO's 1Password provider would (`dataFrom.extract` of an item → every field by label, then the
// target template) from the item held by the Connect stand-in, and writes the resulting Secret, owned by the
// ExternalSecret as with `creationPolicy: Owner`. Only `{{ .FIELD }}` templates are understood; anything
// else fails rather than rendering something ESO would not.
import * as fs from "fs";
import * as https from "https";
import { KubeClient, KubeObject } from "./kubeClient";

export interface ConnectAccess {
    url: string;
    token: string;
    vault: string;
    /** The run's CA, which signed the stand-in's certificate. */
    caCert: string;
}

function connectGet(connect: ConnectAccess, path: string): Promise<any> {
    return new Promise((resolve, reject) => {
        const request = https.get(`${connect.url}${path}`, {
            headers: { authorization: `Bearer ${connect.token}` }, ca: fs.readFileSync(connect.caCert),
        }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk) => chunks.push(chunk));
            response.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                if (response.statusCode !== 200) {
                    reject(new Error(`Connect GET ${path}: ${response.statusCode} ${text}`));
                    return;
                }
                resolve(JSON.parse(text));
            });
        });
        request.on("error", reject);
    });
}

const byTitle = (title: string) => `filter=${encodeURIComponent(`title eq "${title}"`)}`;

/** Every field of the item titled `title`, by label: what ESO's onepassword `extract` yields. */
export async function itemFields(connect: ConnectAccess, title: string): Promise<Record<string, string>> {
    const [vault] = await connectGet(connect, `/v1/vaults?${byTitle(connect.vault)}`);
    const items = await connectGet(connect, `/v1/vaults/${vault.id}/items?${byTitle(title)}`);
    if (items.length !== 1) {
        throw new Error(`expected one item titled "${title}" in vault "${connect.vault}", found ${items.length}`);
    }
    const item = await connectGet(connect, `/v1/vaults/${vault.id}/items/${items[0].id}`);
    return Object.fromEntries((item.fields as { label: string; value?: string }[])
        .filter((field) => field.value !== undefined).map((field) => [field.label, field.value!]));
}

function renderTemplate(template: string, fields: Record<string, string>): string {
    const rendered = template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_match, label: string) => {
        if (fields[label] === undefined) {
            throw new Error(`template refers to field ${label}, which the item does not have`);
        }
        return fields[label];
    });
    if (rendered.includes("{{")) {
        throw new Error(`template not understood by the ESO stand-in: ${template}`);
    }
    return rendered;
}

/** Renders the ExternalSecret into its target Secret and returns the Secret's plain values. */
export async function renderExternalSecret(kube: KubeClient, connect: ConnectAccess, namespace: string, name: string): Promise<Record<string, string>> {
    const externalSecret = await kube.get({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace } });
    if (!externalSecret) {
        throw new Error(`ExternalSecret ${namespace}/${name} does not exist`);
    }
    const spec = externalSecret.spec as any;
    const fields: Record<string, string> = {};
    for (const source of spec.dataFrom ?? []) {
        Object.assign(fields, await itemFields(connect, source.extract.key));
    }
    const values = Object.fromEntries(Object.entries(spec.target.template.data as Record<string, string>)
        .map(([key, template]) => [key, renderTemplate(template, fields)]));
    const secret: KubeObject = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
            name: spec.target.name,
            namespace,
            ownerReferences: [{
                apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name, uid: (externalSecret.metadata as any).uid,
                controller: true, blockOwnerDeletion: true,
            }],
        },
        type: "Opaque",
        data: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value).toString("base64")])),
    };
    await kube.apply(secret);
    return values;
}
