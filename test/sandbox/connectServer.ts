// TEST DOUBLE: a stand-in for the 1Password Connect server, for the sandbox and end-to-end tests only.
// It implements the Connect REST endpoints that the onepassword provider and ESO's Connect client
// (connect-sdk-go) call: vaults and items, by id and by `title eq "…"` filter (ESO finds the vault by title,
// the item summaries by title, then each item by id). It checks the bearer token, fills fields marked
// `generate`, answers errors with Connect's `{"status","message"}` bodies, and keeps its items in one JSON
// file. It is not 1Password: no encryption, one vault, no files, no item history.
//
// Run as its own process: CONNECT_PORT, CONNECT_TOKEN, CONNECT_VAULT (title), CONNECT_STATE (JSON file),
// CONNECT_TLS_CERT and CONNECT_TLS_KEY (HTTPS; plain HTTP when unset), CONNECT_FAULTS (a file a test writes
// a `ConnectFault` into, read on every request, to make the vault fail; see `ConnectFault`).
import { randomInt } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";

interface Field {
    id?: string;
    label?: string;
    type?: string;
    purpose?: string;
    value?: string;
    generate?: boolean;
    recipe?: { length?: number; characterSets?: string[]; excludeCharacters?: string };
    section?: { id: string };
}

export interface ConnectItem {
    id: string;
    title: string;
    vault: { id: string };
    category: string;
    tags?: string[];
    urls?: unknown[];
    sections?: { id: string; label?: string }[];
    fields?: Field[];
    version: number;
    createdAt: string;
    updatedAt: string;
}

interface Vault {
    id: string;
    name: string;
    description: string;
    type: string;
    items: number;
    createdAt: string;
}

interface State {
    vaults: Vault[];
    items: ConnectItem[];
}

class ConnectError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Connect ids: 26 lowercase letters and digits (the SDK treats anything else as a title). */
export const newId = () => Array.from({ length: 26 }, () => idAlphabet[randomInt(idAlphabet.length)]).join("");

const characterSets: Record<string, string> = {
    LETTERS: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    DIGITS: "0123456789",
    SYMBOLS: "!@#$%^&*()-_=+[]{};:,.<>?",
};

function generateValue(recipe: Field["recipe"]): string {
    const sets = recipe?.characterSets?.length ? recipe.characterSets : Object.keys(characterSets);
    const exclude = new Set(recipe?.excludeCharacters ?? "");
    const alphabet = [...sets.map((set) => characterSets[set] ?? "").join("")].filter((char) => !exclude.has(char));
    if (alphabet.length === 0) {
        throw new ConnectError(400, "Validation: (validateRecipe), recipe allows no characters");
    }
    return Array.from({ length: recipe?.length ?? 32 }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** `title eq "x"` is the only filter the SDK sends. */
function titleFilter(filter: string | null): string | undefined {
    if (filter === null) {
        return undefined;
    }
    const match = /^title eq "(.*)"$/.exec(filter);
    if (!match) {
        throw new ConnectError(400, `Invalid filter: ${filter}`);
    }
    return match[1];
}

export class ConnectStandIn {
    private readonly state: State;

    constructor(private readonly stateFile: string, vaultTitle: string) {
        this.state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {
            vaults: [{ id: newId(), name: vaultTitle, description: "Sandbox vault (Connect stand-in)", type: "USER_CREATED", items: 0, createdAt: new Date().toISOString() }],
            items: [],
        };
        this.save();
    }

    private save(): void {
        for (const vault of this.state.vaults) {
            vault.items = this.state.items.filter((item) => item.vault.id === vault.id).length;
        }
        fs.writeFileSync(this.stateFile, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    }

    private vault(id: string): Vault {
        const vault = this.state.vaults.find((candidate) => candidate.id === id);
        if (!vault) {
            throw new ConnectError(404, `Invalid Vault UUID: ${id}`);
        }
        return vault;
    }

    private item(vaultId: string, itemId: string): ConnectItem {
        this.vault(vaultId);
        const item = this.state.items.find((candidate) => candidate.vault.id === vaultId && candidate.id === itemId);
        if (!item) {
            throw new ConnectError(404, `Invalid Item UUID: ${itemId}`);
        }
        return item;
    }

    /** Completes an item body sent by a client: ids for sections and fields, generated values. */
    private complete(body: ConnectItem, vaultId: string, existing?: ConnectItem): ConnectItem {
        if (!body.title || !body.category) {
            throw new ConnectError(400, "Validation: (validateItem), item needs a title and a category");
        }
        const now = new Date().toISOString();
        return {
            ...body,
            id: existing?.id ?? newId(),
            vault: { id: vaultId },
            sections: (body.sections ?? []).map((section) => ({ ...section, id: section.id || newId() })),
            fields: (body.fields ?? []).map((field) => {
                const { generate, recipe, ...rest } = field;
                return { ...rest, id: field.id || newId(), value: generate && !field.value ? generateValue(recipe) : field.value };
            }),
            version: (existing?.version ?? 0) + 1,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now,
        };
    }

    handle(method: string, url: URL, body: any): { status: number; body?: unknown } {
        const parts = url.pathname.split("/").filter(Boolean);
        if (parts[0] !== "v1" || parts[1] !== "vaults") {
            throw new ConnectError(404, `Invalid request path: ${url.pathname}`);
        }
        const [, , vaultId, itemsSegment, itemId] = parts;
        if (vaultId === undefined && method === "GET") {
            const title = titleFilter(url.searchParams.get("filter"));
            return { status: 200, body: this.state.vaults.filter((vault) => title === undefined || vault.name === title) };
        }
        if (itemsSegment === undefined && method === "GET") {
            return { status: 200, body: this.vault(vaultId) };
        }
        if (itemsSegment !== "items") {
            throw new ConnectError(404, `Invalid request path: ${url.pathname}`);
        }
        if (itemId === undefined && method === "GET") {
            this.vault(vaultId);
            const title = titleFilter(url.searchParams.get("filter"));
            return {
                status: 200,
                body: this.state.items.filter((item) => item.vault.id === vaultId && (title === undefined || item.title === title))
                    .map(({ fields, sections, ...summary }) => summary),
            };
        }
        if (itemId === undefined && method === "POST") {
            this.vault(vaultId);
            const item = this.complete(body, vaultId);
            this.state.items.push(item);
            this.save();
            return { status: 200, body: item };
        }
        if (itemId === undefined) {
            throw new ConnectError(405, `Method ${method} not allowed`);
        }
        const existing = this.item(vaultId, itemId);
        switch (method) {
            case "GET":
                return { status: 200, body: existing };
            case "PUT": {
                const item = this.complete({ ...body, id: itemId }, vaultId, existing);
                this.state.items[this.state.items.indexOf(existing)] = item;
                this.save();
                return { status: 200, body: item };
            }
            case "DELETE":
                this.state.items.splice(this.state.items.indexOf(existing), 1);
                this.save();
                return { status: 204 };
            default:
                throw new ConnectError(405, `Method ${method} not allowed`);
        }
    }
}

/**
 * How the stand-in fails, for the crash-safety tests: `down` answers 500 to every API call (Connect up, its
 * backend not); `fail-item-create` refuses item creates; `lose-item-create` stores the item and then answers
 * 500, as when Connect's answer is lost after the vault wrote the item.
 */
export type ConnectFault = "down" | "fail-item-create" | "lose-item-create";

function currentFault(faultFile: string | undefined): ConnectFault | undefined {
    if (!faultFile || !fs.existsSync(faultFile)) {
        return undefined;
    }
    return (fs.readFileSync(faultFile, "utf8").trim() || undefined) as ConnectFault | undefined;
}

const faultReply = { status: 500, message: "Internal Server Error (fault injected by the sandbox)" };

export function connectHandler(standIn: ConnectStandIn, token: string, faultFile?: string): http.RequestListener {
    return (request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk) => chunks.push(chunk));
        request.on("end", () => {
            const reply = (status: number, body?: unknown) => {
                response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
                response.end(body === undefined ? undefined : JSON.stringify(body));
            };
            const url = new URL(request.url ?? "/", "http://connect");
            if (url.pathname === "/heartbeat") {
                reply(200, ".");
                return;
            }
            if (request.headers.authorization !== `Bearer ${token}`) {
                reply(401, { status: 401, message: "Invalid token signature" });
                return;
            }
            const fault = currentFault(faultFile);
            const itemCreate = request.method === "POST" && /\/items$/.test(url.pathname);
            if (fault === "down" || (fault === "fail-item-create" && itemCreate)) {
                reply(500, faultReply);
                return;
            }
            try {
                const text = Buffer.concat(chunks).toString("utf8");
                const result = standIn.handle(request.method ?? "GET", url, text ? JSON.parse(text) : undefined);
                if (fault === "lose-item-create" && itemCreate) {
                    reply(500, faultReply);
                    return;
                }
                reply(result.status, result.body);
            } catch (error) {
                const status = error instanceof ConnectError ? error.status : 500;
                reply(status, { status, message: (error as Error).message });
            }
        });
    };
}

if (require.main === module) {
    const env = (name: string) => {
        const value = process.env[name];
        if (!value) {
            throw new Error(`${name} is not set`);
        }
        return value;
    };
    const handler = connectHandler(new ConnectStandIn(env("CONNECT_STATE"), env("CONNECT_VAULT")), env("CONNECT_TOKEN"), process.env.CONNECT_FAULTS);
    const server = process.env.CONNECT_TLS_CERT
        ? https.createServer({ cert: fs.readFileSync(env("CONNECT_TLS_CERT")), key: fs.readFileSync(env("CONNECT_TLS_KEY")) }, handler)
        : http.createServer(handler);
    server.listen(Number(env("CONNECT_PORT")), "127.0.0.1", () => console.log(`connect stand-in listening on 127.0.0.1:${env("CONNECT_PORT")}`));
}
