// How in-cluster clients reach MinIO, derived once from the stack's MinIO settings.
import { StackSettings } from "./config/stackConfig";

/** `http(s)://host:port` of the MinIO S3 API. */
export function s3Url(minio: StackSettings["minio"]): string {
    return `${minio.useTls ? "https" : "http"}://${minio.endpoint}`;
}

/** restic's repository URL for one app: a path of its own in the shared bucket. */
export function resticRepository(minio: StackSettings["minio"], bucket: string, app: string): string {
    return `s3:${s3Url(minio)}/${bucket}/${app}`;
}
