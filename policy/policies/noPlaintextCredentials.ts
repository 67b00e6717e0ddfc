import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { CONFIG_MAP, containersOf, describeResource, EXTERNAL_SECRET, HELM_TYPES, POD_SPEC_PATCH_PATHS, POD_SPEC_PATHS } from "../lib/k8s";
import { at, formatPath, items, Path, UNKNOWN, walkLeaves } from "../lib/props";

export interface NoPlaintextCredentialsConfig {
    allowedPaths: string[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedPaths: {
            type: "array", items: { type: "string" }, default: [],
            description: "Field paths (as printed in violations, e.g. values.ui.tokenTtl) that look like credentials but are not.",
        },
    },
};

/** Key names that announce a credential. */
const CREDENTIAL_KEY_RE = /passw(or)?d|passphrase|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|authorization/i;
/** Key names that point at a credential instead of holding one (existingSecret, secretName, tokenFile...). */
const REFERENCE_KEY_RE = /^(existing|use)|(name|ref|file|path|enabled|mode|namespace|type|ttl|length|policy|selector|keyname)s?$/i;
/** Ancestors whose whole subtree is credential material (Velero chart: credentials.secretContents). */
const CREDENTIAL_PARENT_RE = /^secretContents$/;
/** Values that are resolved elsewhere: Go/ESO templates, Kubernetes $(VAR) and ${VAR} expansion. */
const REFERENCE_VALUE_RE = /^\s*(\{\{.*\}\}|\$\(.*\)|\$\{.*\})\s*$/s;
/** An absolute file path names where a mounted credential is (GOOGLE_APPLICATION_CREDENTIALS=/credentials/cloud). */
const FILE_PATH_VALUE_RE = /^\/[\w.-]+(\/[\w.-]+)*$/;

const VALUE_SHAPES: readonly [string, RegExp][] = [
    ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["an AWS credentials file", /aws_secret_access_key\s*=\s*\S/i],
    ["a PEM private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["a GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}/],
    ["a 1Password service account token", /\bops_[A-Za-z0-9_-]{20,}/],
    ["a JSON web token", /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
    ["a URL with an inline password", /:\/\/[^/\s:@]+:[^/\s@]+@/],
];

/** Enough of a credential to find it, not enough to use it: a short one shows nothing but its length. */
function redact(value: string): string {
    return value.length >= 12 ? `"${value.slice(0, 2)}…" (${value.length} characters)` : `of ${value.length} characters`;
}

/** What makes a key/value pair look like a plaintext credential, or undefined if it doesn't. */
function credentialReason(path: Path, value: unknown): string | undefined {
    const keys = path.filter((k): k is string => typeof k === "string");
    const key = keys[keys.length - 1] ?? "";
    const credentialKey = (CREDENTIAL_KEY_RE.test(key) && !REFERENCE_KEY_RE.test(key))
        || keys.slice(0, -1).some((k) => CREDENTIAL_PARENT_RE.test(k));
    if (value === UNKNOWN) {
        return credentialKey ? `key "${key}" is filled from another resource's output (unknown at preview), i.e. a credential copied in as plain data` : undefined;
    }
    if (typeof value !== "string" || value.trim() === "" || REFERENCE_VALUE_RE.test(value) || FILE_PATH_VALUE_RE.test(value)) {
        return undefined;
    }
    const shape = VALUE_SHAPES.find(([, re]) => re.test(value));
    if (shape) {
        return `value ${redact(value)} looks like ${shape[0]}`;
    }
    return credentialKey ? `key "${key}" holds the literal ${redact(value)}` : undefined;
}

function checkTree(subject: string, root: unknown, rootPath: Path, allowed: string[], fix: string, report: ReportViolation): void {
    walkLeaves(root, (path, leaf) => {
        const full = [...rootPath, ...path];
        const field = formatPath(full);
        const reason = allowed.includes(field) ? undefined : credentialReason(full, leaf);
        if (reason) {
            report(`${subject}: ${field}: ${reason}. ${fix} (or list the path in policy config allowedPaths if it is not a credential).`);
        }
    });
}

const FIX_HELM = "Create a Secret and point the chart at it (e.g. Velero credentials.existingSecret); Helm values are stored in the release Secret and in Pulumi state";
const FIX_CONFIG_MAP = "Move it to a Secret (ExternalSecret from 1Password)";
const FIX_ENV = "Use env[].valueFrom.secretKeyRef instead of a literal value";
const FIX_TEMPLATE = "Template it from the store, e.g. \"{{ .password }}\", instead of writing the value";

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const { allowedPaths } = configWithDefaults<NoPlaintextCredentialsConfig>(configSchema, args.getConfig());
    const subject = describeResource(args);
    if (HELM_TYPES.includes(args.type)) {
        return checkTree(subject, at(args.props, "values"), ["values"], allowedPaths, FIX_HELM, report);
    }
    if (args.type === CONFIG_MAP) {
        return checkTree(subject, at(args.props, "data"), ["data"], allowedPaths, FIX_CONFIG_MAP, report);
    }
    if (args.type === EXTERNAL_SECRET) {
        const path = ["spec", "target", "template", "data"];
        return checkTree(subject, at(args.props, ...path), path, allowedPaths, FIX_TEMPLATE, report);
    }
    const podSpecPath = POD_SPEC_PATHS[args.type] ?? POD_SPEC_PATCH_PATHS[args.type];
    if (!podSpecPath) {
        args.notApplicable(`no-plaintext-credentials does not check ${args.type}`);
    }
    for (const c of containersOf(at(args.props, ...podSpecPath), podSpecPath)) {
        const env = at(c.container, "env");
        if (c.container === UNKNOWN || env === UNKNOWN) {
            const field = formatPath(c.container === UNKNOWN ? c.path : [...c.path, "env"]);
            report(`${subject}: ${field} (the env of ${c.label}) is unknown at preview, so it can't be checked for credentials. ` +
                `List env literally; take secrets from secretKeyRef.`);
            continue;
        }
        items(env).forEach((entry, i) => {
            const name = at(entry, "name");
            const field = formatPath([...c.path, "env", i, "value"]);
            // The env var's name is the key that says whether its value is a credential.
            const reason = allowedPaths.includes(field) ? undefined : credentialReason([String(name)], at(entry, "value"));
            if (reason) {
                report(`${subject}: ${c.label}, env ${JSON.stringify(name)} (${field}): ${reason}. ${FIX_ENV}.`);
            }
        });
    }
}

export const noPlaintextCredentials: ResourceValidationPolicy = {
    name: "no-plaintext-credentials",
    description: "Helm values, ConfigMaps, container env literals and ExternalSecret templates hold no plaintext credentials.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
