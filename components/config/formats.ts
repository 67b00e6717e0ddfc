// Value formats shared by the stack config schema: each validator explains what it expects, because its
// message ends up in front of a user who typed the value into Pulumi.<stack>.yaml.
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

const CRON_MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** A 5-field cron expression or a macro such as `@daily`: what both VolSync and Velero accept. */
export const cronSchedule = z.string().superRefine((value, ctx) => {
    if (CRON_MACROS.has(value)) {
        return;
    }
    const fields = value.trim().split(/\s+/);
    let valid = fields.length === 5;
    if (valid) {
        try {
            CronExpressionParser.parse(value, { strict: false });
        } catch {
            valid = false;
        }
    }
    if (!valid) {
        ctx.addIssue({
            code: "custom",
            message: `expected a 5-field cron expression such as "0 2 * * *" or a macro such as "@daily"`,
        });
    }
});

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const GO_DURATION_UNIT_SECONDS: Record<string, number> = {
    ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600,
};

/** Seconds in a Go `time.Duration` string such as `720h0m0s` (Velero TTLs). */
export function goDurationSeconds(value: string): number {
    let total = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
        total += Number(amount) * GO_DURATION_UNIT_SECONDS[unit];
    }
    return total;
}

/** A positive Go duration string (`720h`, `720h0m0s`, `90m`). */
export const goDuration = z.string().refine(
    (value) => GO_DURATION.test(value) && goDurationSeconds(value) > 0,
    { message: `expected a positive Go duration such as "720h" or "720h0m0s"` },
);

const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$/;
const QUANTITY_SUFFIX: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a Kubernetes quantity in base units (bytes for memory), or undefined if malformed. */
export function quantityValue(value: string): number | undefined {
    const match = QUANTITY.exec(value);
    if (!match) {
        return undefined;
    }
    const [, number, exponent, suffix] = match;
    const scale = exponent ? 10 ** Number(exponent.slice(1)) : suffix ? QUANTITY_SUFFIX[suffix] : 1;
    return Number(number) * scale;
}

/** A positive Kubernetes quantity such as `256Mi` or `1Gi`. */
export const quantity = z.string().refine((value) => (quantityValue(value) ?? 0) > 0, {
    message: `expected a positive Kubernetes quantity such as "256Mi" or "1Gi"`,
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes object name that must also be a DNS label (namespaces, apps, Services). */
export const dnsLabel = z.string().refine((value) => value.length <= 63 && DNS_LABEL.test(value), {
    message: "expected a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters",
});

/** A Kubernetes object name (StorageClass, VolumeSnapshotClass, Secret...). */
export const objectName = z.string().refine((value) => value.length <= 253 && DNS_SUBDOMAIN.test(value), {
    message: "expected a Kubernetes object name: lowercase letters, digits, '-' and '.', at most 253 characters",
});

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A bucket name that MinIO accepts (S3 naming rules). */
export const bucketName = z.string().refine(
    (value) => BUCKET_NAME.test(value) && !value.includes("..") && !IPV4.test(value) && !value.startsWith("xn--"),
    { message: "expected an S3 bucket name: 3-63 characters of lowercase letters, digits, '.' and '-', not shaped like an IP address" },
);

/** `host:port` of the MinIO S3 API, without a scheme (the scheme comes from `useTls`). */
export const hostPort = z.string().refine((value) => {
    const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
    return match !== null && Number(match[2]) > 0 && Number(match[2]) < 65536;
}, { message: `expected host:port without a scheme, such as "10.25.11.3:9000" or "minio.example.lan:9000"` });

/** An absolute http(s) URL. */
export const httpUrl = z.string().refine((value) => {
    try {
        const url = new URL(value);
        return url.protocol === "https:" || url.protocol === "http:";
    } catch {
        return false;
    }
}, { message: `expected an absolute http(s) URL such as "https://connect.example.lan:8080"` });

/** A container image reference with an explicit tag or digest (never an implicit `latest`). */
export const pinnedImage = z.string().refine((value) => /^[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(value)
    && (/:[\w][\w.-]*$/.test(value.split("/").pop() ?? "") || value.includes("@sha256:")), {
    message: `expected an image with an explicit tag or digest, such as "velero/velero-plugin-for-aws:v1.14.0"`,
});

/** A user or group id for the mover's security context. */
export const posixId = z.number().int().min(0).max(2 ** 31 - 1);
