// How clients reach MinIO, derived once from the stack's MinIO settings: its URL, restic's repository
// URL, and the CA bundle as a file for the clients that only take a path.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CaBundle } from "./config/caBundle";
import { StackSettings } from "./config/stackConfig";

/** `http(s)://host:port` of the MinIO S3 API. */
export function s3Url(minio: StackSettings["minio"]): string {
    return `${minio.useTls ? "https" : "http"}://${minio.endpoint}`;
}

/** restic's repository URL for one app: a path of its own in the shared bucket. */
export function resticRepository(minio: StackSettings["minio"], bucket: string, app: string): string {
    return `s3:${s3Url(minio)}/${bucket}/${app}`;
}

/**
 * The CA bundle as a file (the minio provider and restic take a path). An inline bundle is written once
 * to a file named by its content, so the path stays the same from run to run and the provider sees no
 * change.
 */
export function caBundleFile(bundle: CaBundle): string {
    if (bundle.file) {
        return bundle.file;
    }
    const file = path.join(os.tmpdir(), "storage-backup-ca", `${createHash("sha256").update(bundle.pem).digest("hex").slice(0, 16)}.pem`);
    if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, bundle.pem);
    }
    return file;
}
