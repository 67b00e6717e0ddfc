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
    });
    try {
        const found = await Promise.all(names.map(async (name) => ((await client.bucketExists(name)) ? name : undefined)));
        return new Set(found.filter((name): name is string => name !== undefined));
    } catch (error) {
        const message = `Could not reach MinIO at ${minio.endpoint} to look for existing buckets: ${(error as Error).message}`;
        if (!preview) {
            throw new Error(message);
        }
        pulumi.log.warn(`${message}; the preview assumes they do not exist`);
        return new Set();
    }
}
