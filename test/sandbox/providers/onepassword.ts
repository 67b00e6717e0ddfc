// TEST DOUBLE for the onepassword provider plugin (see README.md here): `Item` and `getVault` through the
// 1Password Connect REST API, the same endpoints and item JSON the real provider uses, with the Connect URL
// and token from the provider's configuration. Service-account tokens (the `op` CLI) are not supported.
import * as provider from "@pulumi/pulumi/provider";
import { diffInputs, reveal, secret, serve } from "./standIn";

let connect: { url: string; token: string } | undefined;

function configure(args: Record<string, unknown>): void {
    if (args.serviceAccountToken) {
        throw new Error("onepassword stand-in: only Connect (url + token) is supported, not service-account tokens");
    }
    if (!args.url || !args.token) {
        throw new Error("onepassword stand-in: set url and token on the provider");
    }
    connect = { url: String(args.url).replace(/\/$/, ""), token: String(args.token) };
}

async function call(method: string, path: string, body?: unknown): Promise<any> {
    if (!connect) {
        throw new Error("onepassword stand-in: the provider was not configured");
    }
    const response = await fetch(`${connect.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${connect.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
        const error = new Error(`1Password Connect ${method} ${path}: ${response.status} ${text}`) as Error & { status: number };
        error.status = response.status;
        throw error;
    }
    return text ? JSON.parse(text) : undefined;
}

/** The provider's item arguments as a Connect item body. */
function itemBody(inputs: any) {
    const fields: any[] = [
        { id: "username", label: "username", type: "STRING", purpose: "USERNAME", value: inputs.username },
        inputs.password
            ? { id: "password", label: "password", type: "CONCEALED", purpose: "PASSWORD", value: inputs.password }
            : { id: "password", label: "password", type: "CONCEALED", purpose: "PASSWORD", generate: true, recipe: { length: 32 } },
        { id: "notesPlain", label: "notesPlain", type: "STRING", purpose: "NOTES", value: inputs.noteValue },
    ].filter((field) => field.value !== undefined || field.generate);
    const sections = (inputs.sections ?? []).map((section: any, index: number) => ({ id: `section${index}`, label: section.label }));
    (inputs.sections ?? []).forEach((section: any, index: number) => {
        for (const field of section.fields ?? []) {
            fields.push({ label: field.label, type: field.type ?? "STRING", value: field.value, section: { id: `section${index}` } });
        }
    });
    return {
        title: inputs.title,
        category: String(inputs.category ?? "login").toUpperCase(),
        vault: { id: inputs.vault },
        tags: inputs.tags ?? [],
        sections,
        fields,
    };
}

const itemPath = (vault: string, item?: string) => `/v1/vaults/${vault}/items${item ? `/${item}` : ""}`;

/** State outputs: the arguments as given plus the item's id, and the password Connect generated if none was. */
function outputs(inputs: any, item: any) {
    const password = item.fields.find((field: any) => field.purpose === "PASSWORD")?.value;
    return { ...inputs, uuid: item.id, ...(inputs.password ? {} : { password: secret(password) }) };
}

const standIn: provider.Provider = {
    version: "1.1.3",

    async invoke(token, args) {
        if (token !== "onepassword:index/getVault:getVault") {
            throw new Error(`onepassword stand-in: unknown function ${token}`);
        }
        const query = args.uuid
            ? [await call("GET", `/v1/vaults/${args.uuid}`)]
            : await call("GET", `/v1/vaults?filter=${encodeURIComponent(`title eq "${args.name}"`)}`);
        if (query.length !== 1) {
            throw new Error(`onepassword stand-in: no vault named "${args.name ?? args.uuid}"`);
        }
        const [vault] = query;
        return { outputs: { uuid: vault.id, name: vault.name, description: vault.description } };
    },

    async diff(_id, _urn, olds, news) {
        return diffInputs(olds, news, (key) => key === "vault", ["uuid", ...(news.password ? [] : ["password"])]);
    },

    async create(_urn, inputs) {
        const plain = reveal(inputs);
        const item = await call("POST", itemPath(plain.vault), itemBody(plain));
        return { id: `vaults/${plain.vault}/items/${item.id}`, outs: outputs(inputs, item) };
    },

    async read(id, _urn, props) {
        const [, vault, , item] = id.split("/");
        try {
            await call("GET", itemPath(vault, item));
        } catch (error) {
            if ((error as { status?: number }).status === 404) {
                return { id: "", props: {} };
            }
            throw error;
        }
        return { id, props, inputs: props };
    },

    async update(id, _urn, olds, news) {
        const [, vault, , itemId] = id.split("/");
        const plain = reveal(news);
        const item = await call("PUT", itemPath(vault, itemId), { ...itemBody({ ...plain, password: plain.password ?? reveal(olds.password) }), id: itemId });
        return { outs: outputs(news, item) };
    },

    async delete(id) {
        const [, vault, , item] = id.split("/");
        await call("DELETE", itemPath(vault, item));
    },
};

serve(standIn, configure);
