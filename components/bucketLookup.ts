// Which of the stack's buckets already exist in MinIO. Buckets outlive `pulumi destroy` on purpose, so a
// rebuilt cluster's first `pulumi up` must adopt them (and the backups inside) instead of failing to
// create them.
import * as https from "https";
import * as Minio from "minio";
import * as pulumi from "@pulumi/pulumi";
import { StackSecrets, StackSettings } from "./config/stackConfig";

const plain = (secret: pulumi.Output<string>) => new Promise<string>((resolve) => secret.apply(resolve));

/**
 * A preview only warns when MinIO cannot be asked (it shows the buckets as created); an update fails,
 * since creating a bucket that exists would fail later and less clearly.
 */
export async function existingBuckets(minio: StackSettings["minio"], secrets: StackSecrets,
    names: string[], preview: boolean): Promise<Set<string>> {
    const separator = minio.endpoint.lastIndexOf(":");
    const client = new Minio.Client({
        endPoint: minio.endpoint.slice(0, separator).replace(/^\[(.*)\]$/, "$1"),
        port: Number(minio.endpoint.slice(separator + 1)),
        useSSL: minio.useTls,
        region: minio.region,
        accessKey: await plain(secrets.minioAdminUser),
        secretKey: await plain(secrets.minioAdminPassword),
        ...(minio.insecureSkipVerify ? { transportAgent: new https.Agent({ rejectUnauthorized: false }) } : {}),
        ...(minio.caBundle ? { transportAgent: new https.Agent({ ca: minio.caBundle.pem }) } : {}),
    });
    try {
        const found = await Promise.all(names.map(async (name) => ((await client.bucketExists(name)) ? name : undefined)));
        return new Set(found.filter((name): name is string => name !== undefined));
    } catch (error) {
        const untrusted = untrustedCertificate(minio, error as NodeJS.ErrnoException);
        if (untrusted) {
            // A wrong CA is a config mistake, not an outage: even a preview stops here.
            throw new pulumi.RunError(untrusted);
        }
        const message = `Could not reach MinIO at ${minio.endpoint} to look for existing buckets: ${(error as Error).message}`;
        if (!preview) {
            throw new Error(message);
        }
        pulumi.log.warn(`${message}; the preview assumes they do not exist`);
        return new Set();
    }
}

// Node's codes for a certificate chain it cannot verify (as opposed to a server it cannot reach).
const VERIFICATION_CODES = new Set([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_SIGNATURE_FAILURE", "CERT_UNTRUSTED",
    "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The message for a MinIO certificate that the configured trust does not verify, naming the setting. */
function untrustedCertificate(minio: StackSettings["minio"], error: NodeJS.ErrnoException): string | undefined {
    if (!error.code || !VERIFICATION_CODES.has(error.code)) {
        return undefined;
    }
    const trust = minio.caBundle
        ? `the CA in minio.caBundle${minio.caBundle.file ? ` (${minio.caBundle.file})` : ""}`
        : "the system's CAs (minio.caBundle is not set)";
    return `minio.caBundle: MinIO at https://${minio.endpoint} presents a certificate that ${trust} does not verify `
        + `(${error.code}: ${error.message}). Set minio.caBundle to the CA that signed MinIO's certificate. Nothing was changed.`;
}
