// TEST DOUBLE for the onepassword provider plugin (see README.md here): `Item`, `getVault` and `getItem` through the
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
/** The provider's ID of an item resource, as it is imported. */
const itemResourceId = (vault: string, item: string) => `vaults/${vault}/items/${item}`;

/** State outputs: the arguments as given plus the item's id, and the password Connect generated if none was. */
function outputs(inputs: any, item: any) {
    const password = item.fields.find((field: any) => field.purpose === "PASSWORD")?.value;
    return { ...inputs, uuid: item.id, ...(inputs.password ? {} : { password: secret(password) }) };
}

const byTitle = (title: string) => `filter=${encodeURIComponent(`title eq "${title}"`)}`;

async function getVault(args: any) {
    const query = args.uuid ? [await call("GET", `/v1/vaults/${args.uuid}`)] : await call("GET", `/v1/vaults?${byTitle(args.name)}`);
    if (query.length !== 1) {
        throw new Error(`onepassword stand-in: no vault named "${args.name ?? args.uuid}"`);
    }
    const [vault] = query;
    return { uuid: vault.id, name: vault.name, description: vault.description };
}

/** A Connect item by id, or by title with connect-sdk-go's rule and message: exactly one must match. */
async function connectItem(vault: string, args: { uuid?: string; title?: string }): Promise<any> {
    if (args.uuid) {
        return call("GET", itemPath(vault, args.uuid));
    }
    const matches = await call("GET", `${itemPath(vault)}?${byTitle(String(args.title))}`);
    if (matches.length !== 1) {
        throw new Error(`Found ${matches.length} item(s) in vault "${vault}" with title "${args.title}"`);
    }
    return call("GET", itemPath(vault, matches[0].id));
}

const purposeValue = (item: any, purpose: string) => item.fields?.find((field: any) => field.purpose === purpose)?.value;

/** A Connect item in the shape of `getItem`'s result (the real provider's schema, every field present). */
function getItemResult(item: any) {
    const sectionFields = (sectionId: string) => (item.fields ?? []).filter((field: any) => field.section?.id === sectionId)
        .map((field: any) => ({ id: field.id, label: field.label ?? "", purpose: field.purpose ?? "", type: field.type ?? "STRING", value: secret(field.value ?? "") }));
    return {
        id: itemResourceId(item.vault.id, item.id), uuid: item.id, vault: item.vault.id, title: item.title,
        category: String(item.category).toLowerCase(), tags: item.tags ?? [], url: item.urls?.[0]?.href ?? "",
        username: purposeValue(item, "USERNAME") ?? "", password: secret(purposeValue(item, "PASSWORD") ?? ""),
        noteValue: purposeValue(item, "NOTES") ?? "",
        credential: "", database: "", hostname: "", port: "", type: "", privateKey: "", publicKey: "",
        sections: (item.sections ?? []).map((section: any) => ({ id: section.id, label: section.label ?? "", fields: sectionFields(section.id) })),
    };
}

/** The `Item` inputs that describe an existing Connect item: what an import reads. */
function importedInputs(item: any) {
    const result = getItemResult(item);
    return {
        vault: result.vault, title: result.title, category: result.category, username: result.username,
        password: result.password, noteValue: result.noteValue, tags: result.tags,
        sections: result.sections.map((section: any) => ({
            label: section.label,
            fields: section.fields.map((field: any) => ({ label: field.label, type: field.type, value: field.value })),
        })),
    };
}

const standIn: provider.Provider = {
    version: "1.1.3",

    async invoke(token, args) {
        switch (token) {
            case "onepassword:index/getVault:getVault":
                return { outputs: await getVault(args) };
            case "onepassword:index/getItem:getItem":
                return { outputs: getItemResult(await connectItem(args.vault, args)) };
            default:
                throw new Error(`onepassword stand-in: unknown function ${token}`);
        }
    },

    async diff(_id, _urn, olds, news) {
        return diffInputs(olds, news, (key) => key === "vault", ["uuid", ...(news.password ? [] : ["password"])]);
    },

    async create(_urn, inputs) {
        const plain = reveal(inputs);
        const item = await call("POST", itemPath(plain.vault), itemBody(plain));
        return { id: itemResourceId(plain.vault, item.id), outs: outputs(inputs, item) };
    },

    async read(id, _urn, props) {
        const [, vault, , itemId] = id.split("/");
        let item: any;
        try {
            item = await call("GET", itemPath(vault, itemId));
        } catch (error) {
            if ((error as { status?: number }).status === 404) {
                return { id: "", props: {} };
            }
            throw error;
        }
        // An import reads an item the state has never seen: no properties come with it.
        if (Object.keys(props ?? {}).length === 0) {
            const inputs = importedInputs(item);
            return { id, props: { ...inputs, uuid: item.id }, inputs };
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
