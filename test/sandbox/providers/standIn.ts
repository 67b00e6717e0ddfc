// Shared machinery of the sandbox's stand-in provider plugins (TEST DOUBLES, see README.md here): how secret
// and unknown values look on the wire, input diffs, and serving a provider that reads its configuration.
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";

// Wire encodings of the Pulumi RPC protocol (sdk/nodejs runtime/rpc): a secret is an object carrying this
// signature, an unknown (preview) value is this string.
const signatureKey = "4dabf18193072939515e22adb298388d";
const secretSignature = "1b47061264138c4ac30d75fd1eb44270";
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isSecret = (value: any): boolean => typeof value === "object" && value !== null && value[signatureKey] === secretSignature;

export const secret = (value: unknown) => ({ [signatureKey]: secretSignature, value });

/** The plain value, with every secret wrapper removed. */
export function reveal(value: any): any {
    if (isSecret(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, reveal(child)]));
    }
    return value;
}

export function hasUnknowns(value: any): boolean {
    if (value === unknownValue) {
        return true;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(hasUnknowns);
    }
    return false;
}

const isEmpty = (value: any) => typeof value === "object" && value !== null && Object.keys(value).length === 0;

/**
 * `shape` with every leaf replaced by `live`'s value at the same place, keeping `shape`'s secret wrappers.
 * Keys absent from `live` are dropped (so they show as drift), except empty maps and lists, which an API
 * server does not store.
 */
export function project(live: any, shape: any): any {
    if (isSecret(shape)) {
        const value = project(live, shape.value);
        return value === undefined ? undefined : secret(value);
    }
    if (live === undefined && isEmpty(shape)) {
        return shape;
    }
    if (Array.isArray(shape)) {
        return Array.isArray(live) ? shape.map((item, index) => project(live[index], item) ?? null) : live;
    }
    if (typeof shape === "object" && shape !== null) {
        if (typeof live !== "object" || live === null) {
            return live;
        }
        return Object.fromEntries(Object.keys(shape)
            .map((key) => [key, project(live[key], shape[key])])
            .filter(([, value]) => value !== undefined));
    }
    return live;
}

function deepEqual(a: any, b: any): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Diff of inputs against the previous outputs (which hold the previous inputs), by top-level key. */
export function diffInputs(olds: any, news: any, replaceWhen: (key: string, old: any, next: any) => boolean,
    computedKeys: string[] = []): provider.DiffResult {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((key) => !key.startsWith("__") && !computedKeys.includes(key)));
    const changed = [...keys].filter((key) => hasUnknowns(news[key]) || !deepEqual(reveal(olds[key]), reveal(news[key])));
    const replaces = changed.filter((key) => replaceWhen(key, reveal(olds[key]), reveal(news[key])));
    return { changes: changed.length > 0, replaces };
}

/**
 * The engine's Configure arguments reach no hook in the SDK's provider server, and its Read handler
 * assumes properties that an import does not send: wrap its gRPC service for both.
 */
function onConfigure(configure: (args: Record<string, unknown>) => void): void {
    const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkDir] }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] }));
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, implementation: any) {
        const sdkRead = implementation.read.bind(implementation);
        implementation.read = (call: any, callback: any) => {
            if (!call.request.getProperties()) {
                call.request.setProperties(new Struct());
            }
            sdkRead(call, callback);
        };
        const sdkConfigure = implementation.configure.bind(implementation);
        implementation.configure = (call: any, callback: any) => {
            try {
                configure(reveal(call.request.getArgs()?.toJavaScript() ?? {}));
            } catch (error) {
                callback(error, undefined);
                return;
            }
            sdkConfigure(call, callback);
        };
        return addService.call(this, service, implementation);
    };
}

export function serve(standIn: provider.Provider, configure: (args: Record<string, unknown>) => void): void {
    onConfigure(configure);
    provider.main(standIn, process.argv.slice(2)).catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
