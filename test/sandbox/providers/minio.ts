// TEST DOUBLE for the minio provider plugin (see README.md here): buckets, users, policies and policy
// attachments are made on the real MinIO server with `mc` (the toolchain's client), using the admin
// credentials and endpoint from the provider's configuration. Reads check that the object still exists.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import { diffInputs, reveal, serve } from "./standIn";

interface Connection {
    server: string;
    url: string;
    insecure: boolean;
    configDir: string;
}

let connection: Connection | undefined;
const alias = "target";

function configure(args: Record<string, unknown>): void {
    const server = args.minioServer as string;
    const user = args.minioUser as string;
    const password = args.minioPassword as string;
    if (!server || !user || !password) {
        throw new Error("minio stand-in: minioServer, minioUser and minioPassword must be set");
    }
    const scheme = args.minioSsl === true || args.minioSsl === "true" ? "https" : "http";
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "minio-standin-"));
    // As the real provider does with minio_cacert_file: trust exactly that CA. mc reads extra CAs from its
    // config folder's certs/CAs.
    if (typeof args.minioCacertFile === "string" && args.minioCacertFile) {
        fs.mkdirSync(path.join(configDir, "certs", "CAs"), { recursive: true });
        fs.copyFileSync(args.minioCacertFile, path.join(configDir, "certs", "CAs", "ca.crt"));
    }
    connection = {
        server,
        url: `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${server}`,
        insecure: args.minioInsecure === true || args.minioInsecure === "true",
        configDir,
    };
}

/** Runs mc against the configured server; the alias lives only in this call's environment. */
function mc(...args: string[]): Promise<any[]> {
    if (!connection) {
        return Promise.reject(new Error("minio stand-in: the provider was not configured"));
    }
    const { url, insecure, configDir } = connection;
    return new Promise((resolve, reject) => {
        execFile("mc", ["--config-dir", configDir, "--json", ...(insecure ? ["--insecure"] : []), ...args],
            { env: { ...process.env, [`MC_HOST_${alias}`]: url } }, (error, stdout) => {
                const messages = stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line));
                if (error) {
                    const causes = messages.filter((message) => message.status === "error")
                        .map((message) => `${message.error.message} ${message.error.cause?.message ?? ""}`.trim());
                    reject(new McError(`mc ${args.slice(0, 3).join(" ")} on ${connection!.server}: ${causes.join("; ") || error.message}`, causes));
                    return;
                }
                resolve(messages);
            });
    });
}

class McError extends Error {
    constructor(message: string, readonly causes: string[]) {
        super(message);
    }
}

/** Whether the object is there; a server that cannot be reached is an error, never "deleted". */
const exists = (promise: Promise<unknown>) => promise.then(() => true, (error) => {
    if (error instanceof McError && error.causes.length > 0 && error.causes.every((cause) => /does not exist/i.test(cause))) {
        return false;
    }
    throw error;
});

type Kind = "S3Bucket" | "IamUser" | "IamPolicy" | "IamUserPolicyAttachment";

const kindOf = (urn: string) => urn.split("::")[2].split(":").pop() as Kind;

const operations: Record<Kind, {
    create(inputs: any): Promise<string>;
    exists(id: string, inputs: any): Promise<boolean>;
    delete(id: string, inputs: any): Promise<void>;
    /** The inputs of an existing object, for `import` (only buckets are ever adopted). */
    imported?(id: string): Record<string, unknown>;
    /** Input keys whose change replaces the object. */
    replaceKeys: string[];
    /** Applies changed inputs in place; kinds without it keep other changes in state alone. */
    update?(id: string, inputs: any): Promise<void>;
}> = {
    S3Bucket: {
        async create(inputs) {
            await mc("mb", `${alias}/${inputs.bucket}`);
            return inputs.bucket;
        },
        exists: (id) => exists(mc("stat", `${alias}/${id}`)),
        async delete(id, inputs) {
            await mc("rb", ...(inputs.forceDestroy ? ["--force"] : []), `${alias}/${id}`);
        },
        imported: (id) => ({ bucket: id, forceDestroy: false }),
        replaceKeys: ["bucket"],
    },
    IamUser: {
        async create(inputs) {
            await mc("admin", "user", "add", alias, inputs.name, inputs.secret);
            return inputs.name;
        },
        exists: (id) => exists(mc("admin", "user", "info", alias, id)),
        async delete(id) {
            await mc("admin", "user", "remove", alias, id);
        },
        // As the real provider does: a new secret is set on the same user (key rotation), never a new user.
        async update(id, inputs) {
            await mc("admin", "user", "add", alias, id, inputs.secret);
        },
        replaceKeys: ["name"],
    },
    IamPolicy: {
        async create(inputs) {
            const file = path.join(connection!.configDir, `${inputs.name}.json`);
            fs.writeFileSync(file, inputs.policy);
            await mc("admin", "policy", "create", alias, inputs.name, file);
            return inputs.name;
        },
        exists: (id) => exists(mc("admin", "policy", "info", alias, id)),
        async delete(id) {
            await mc("admin", "policy", "remove", alias, id);
        },
        replaceKeys: ["name", "policy"],
    },
    IamUserPolicyAttachment: {
        async create(inputs) {
            await mc("admin", "policy", "attach", alias, inputs.policyName, "--user", inputs.userName);
            return `${inputs.userName}-${inputs.policyName}`;
        },
        async exists(_id, inputs) {
            let info: any;
            const userExists = await exists(mc("admin", "user", "info", alias, inputs.userName).then(([result]) => {
                info = result;
            }));
            return userExists && String(info?.policyName ?? "").split(",").includes(inputs.policyName);
        },
        async delete(_id, inputs) {
            await mc("admin", "policy", "detach", alias, inputs.policyName, "--user", inputs.userName);
        },
        replaceKeys: ["userName", "policyName"],
    },
};

const standIn: provider.Provider = {
    version: "0.17.1",

    async diff(_id, urn, olds, news) {
        const { replaceKeys } = operations[kindOf(urn)];
        return diffInputs(olds, news, (key) => replaceKeys.includes(key));
    },

    async create(urn, inputs) {
        return { id: await operations[kindOf(urn)].create(reveal(inputs)), outs: inputs };
    },

    // Only keys that do not replace reach an update: a user's secret is set on the server, others (such
    // as forceDestroy) live in state alone.
    async update(id, urn, _olds, news) {
        await operations[kindOf(urn)].update?.(id, reveal(news));
        return { outs: news };
    },

    async read(id, urn, props) {
        const operation = operations[kindOf(urn)];
        // An import reads an object the state has never seen: no properties come with it.
        const known = Object.keys(props ?? {}).length > 0 ? props : operation.imported?.(id) ?? {};
        return await operation.exists(id, reveal(known)) ? { id, props: known, inputs: known } : { id: "", props: {} };
    },

    async delete(id, urn, props) {
        await operations[kindOf(urn)].delete(id, reveal(props));
    },
};

serve(standIn, configure);
