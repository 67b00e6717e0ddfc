// The tests' own view of the vault: reads an item from the Connect stand-in over its REST API, the way a
// Connect client finds it: vault by title, item by title, then the item itself.
import { credentialFields } from "../../components/bucketCredentials";

export interface ConnectAccess {
    url: string;
    token: string;
    vault: string;
}

/** One Connect REST call; a non-2xx answer is an error naming the call. */
export async function connectRequest(connect: ConnectAccess, method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${connect.url}${path}`, {
        method, headers: { authorization: `Bearer ${connect.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(`Connect ${method} ${path}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
}

const connectGet = (connect: ConnectAccess, path: string) => connectRequest(connect, "GET", path);

const byTitle = (title: string) => `filter=${encodeURIComponent(`title eq "${title}"`)}`;

/** The vault's id and the summaries (id, title, version) of every item titled `title`. */
export async function itemsTitled(connect: ConnectAccess, title: string): Promise<{ vault: string; items: { id: string; title: string; version: number }[] }> {
    const [vault] = await connectGet(connect, `/v1/vaults?${byTitle(connect.vault)}`);
    return { vault: vault.id, items: await connectGet(connect, `/v1/vaults/${vault.id}/items?${byTitle(title)}`) };
}

/** Every field of the item titled `title`, by label. */
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

/** The S3 keys and restic password that the stack keeps in the item titled `title`. */
export async function itemCredentials(connect: ConnectAccess, title: string): Promise<{ accessKey: string; secretKey: string; resticPassword: string }> {
    const fields = await itemFields(connect, title);
    return { accessKey: fields[credentialFields.accessKeyId], secretKey: fields[credentialFields.secretAccessKey], resticPassword: fields[credentialFields.resticPassword] };
}
