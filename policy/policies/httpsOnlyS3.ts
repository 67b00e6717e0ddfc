import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource, EXTERNAL_SECRET, found, HELM_TYPES, helmValues, SECRET, VELERO_BSL } from "../lib/k8s";
import { at, formatPath, items, Path, show, UNKNOWN } from "../lib/props";

export interface HttpsOnlyS3Config {
    exceptionReason: string;
}

const configSchema: PolicyConfigSchema = {
    properties: {
        exceptionReason: {
            type: "string", default: "",
            description: "Why a stack is allowed plain-http S3 (set together with enforcementLevel advisory); quoted in every warning.",
        },
    },
};

const MINIO_PROVIDER = "pulumi:providers:minio";

interface Endpoint {
    path: Path;
    value: unknown;
    /** The field's own value, when `value` is the URL derived from it (the MinIO provider's minioSsl). */
    setting?: string;
}

/**
 * Velero BSL config (a CR's spec.config, or a chart's configuration.backupStorageLocation[].config).
 * Without s3Url the AWS plugin talks to AWS itself, over https, so only URLs that are set are checked.
 */
function bslEndpoints(config: unknown, path: Path): Endpoint[] {
    return ["s3Url", "publicUrl"]
        .map((key) => ({ path: [...path, key], value: at(config, key) }))
        .filter((e) => e.value !== undefined);
}

function endpointsOf(args: ResourceValidationArgs): Endpoint[] {
    switch (args.type) {
        case VELERO_BSL:
            return bslEndpoints(at(args.props, "spec", "config"), ["spec", "config"]);
        case EXTERNAL_SECRET: {
            const path = ["spec", "target", "template", "data", "RESTIC_REPOSITORY"];
            const value = at(args.props, ...path);
            return value === undefined ? [] : [{ path, value }];
        }
        case SECRET:
            return ["stringData", "data"].flatMap((field) => {
                // Contents computed from values a first deployment generates (keys, passwords) are unknown
                // as a whole at preview; whether they hold a repository URL at all is not known yet, so only
                // a RESTIC_REPOSITORY that is itself unknown is reported.
                if (at(args.props, field) === UNKNOWN) {
                    return [];
                }
                const raw = at(args.props, field, "RESTIC_REPOSITORY");
                const value = field === "data" && typeof raw === "string" ? Buffer.from(raw, "base64").toString("utf8") : raw;
                return raw === undefined ? [] : [{ path: [field, "RESTIC_REPOSITORY"], value }];
            });
        case MINIO_PROVIDER: {
            // The provider takes host:port plus a minioSsl flag (provider inputs arrive as strings).
            const ssl = at(args.props, "minioSsl");
            const server = at(args.props, "minioServer");
            if (ssl === UNKNOWN || server === UNKNOWN) {
                return [{ path: [server === UNKNOWN ? "minioServer" : "minioSsl"], value: UNKNOWN }];
            }
            const value = `${ssl === true || ssl === "true" ? "https" : "http"}://${String(server ?? "<minioServer>")}`;
            return [{ path: ["minioSsl"], value, setting: ssl === undefined ? "not set" : show(ssl) }];
        }
    }
    if (HELM_TYPES.includes(args.type)) {
        const bsl = at(helmValues(args.props), "configuration", "backupStorageLocation");
        const list = Array.isArray(bsl) ? items(bsl).map((b, i) => [b, i] as const) : bsl === undefined ? [] : [[bsl, undefined] as const];
        return list.flatMap(([b, i]) => {
            const base: Path = ["values", "configuration", "backupStorageLocation", ...(i === undefined ? [] : [i]), "config"];
            return b === UNKNOWN ? [{ path: base, value: UNKNOWN }] : bslEndpoints(at(b, "config"), base);
        });
    }
    return args.notApplicable(`https-only-s3 does not check ${args.type}`);
}

/** Restic repositories are "s3:[scheme://]host/bucket/path" and restic defaults to https; URLs need the scheme. */
function usesHttps(value: string): boolean {
    return value.startsWith("s3:") ? !/^s3:http:\/\//i.test(value) : /^https:\/\//i.test(value);
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const cfg = configWithDefaults<HttpsOnlyS3Config>(configSchema, args.getConfig());
    const subject = describeResource(args);
    const exception = cfg.exceptionReason ? ` Stack exception in force: ${cfg.exceptionReason}` : "";
    for (const { path, value, setting } of endpointsOf(args)) {
        const field = formatPath(path);
        if (value === UNKNOWN) {
            report(`${subject}: ${field} is unknown at preview, so the S3 endpoint's scheme can't be checked. Build it from literal config.`);
        } else if (typeof value !== "string") {
            report(`${subject}: ${field} must name an https:// S3 endpoint, ${found(value)}. Set it to an https:// URL.`);
        } else if (!usesHttps(value)) {
            const fix = args.type === MINIO_PROVIDER
                ? "Set minioSsl: true and serve MinIO over TLS"
                : `Use an https:// endpoint in ${field}`;
            const uses = setting === undefined ? `uses ${show(value)}` : `is ${setting}, so the provider uses ${show(value)}`;
            report(`${subject}: ${field} ${uses}; S3 traffic must use https://. ${fix}.${exception}`);
        }
    }
    if (args.type === VELERO_BSL) {
        const skip = at(args.props, "spec", "config", "insecureSkipTLSVerify");
        if (skip === "true" || skip === true) {
            report(`${subject}: spec.config.insecureSkipTLSVerify is ${show(skip)}, which disables certificate checks. Remove it and trust the CA instead (spec.objectStorage.caCertRef; the stack's minio.caBundle sets it).${exception}`);
        }
    }
    if (args.type === MINIO_PROVIDER) {
        // HTTPS without verification is HTTPS in name only: anyone on the path can read the admin keys.
        const insecure = at(args.props, "minioInsecure");
        if (insecure === "true" || insecure === true) {
            report(`${subject}: minioInsecure is ${show(insecure)}, which disables certificate checks on the MinIO admin connection. Remove it (the stack's minio.insecureSkipVerify) and trust MinIO's CA instead (minioCacertFile; the stack's minio.caBundle sets it).${exception}`);
        }
    }
}

export const httpsOnlyS3: ResourceValidationPolicy = {
    name: "https-only-s3",
    description: "Velero's S3 URL, every RESTIC_REPOSITORY and the MinIO provider endpoint use HTTPS, with certificate checks on.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
