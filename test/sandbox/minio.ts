// A MinIO server on 127.0.0.1 over TLS (certificate from the run's CA), with root credentials generated for
// the run. Stopping and restarting it on the same data folder and port is how the fault test simulates an
// outage.
import * as fs from "fs";
import * as path from "path";
import { RunPki } from "./pki";
import { freePort, httpsOk, ServerProcess, startServer, waitUntilReady } from "./processes";

export interface MinioSettings {
    port: number;
    /** `127.0.0.1:<port>`, the program's `minio.endpoint`. */
    endpoint: string;
    rootUser: string;
    rootPassword: string;
    dataDir: string;
    certsDir: string;
}

export function minioSettings(dataDir: string, pki: RunPki, port: number, rootUser: string, rootPassword: string): MinioSettings {
    const certsDir = path.join(dataDir, "minio-certs");
    fs.mkdirSync(path.join(certsDir, "CAs"), { recursive: true });
    // MinIO reads its TLS pair from fixed names in --certs-dir.
    fs.copyFileSync(pki.server.cert, path.join(certsDir, "public.crt"));
    fs.copyFileSync(pki.server.key, path.join(certsDir, "private.key"));
    fs.copyFileSync(pki.caCert, path.join(certsDir, "CAs", "ca.crt"));
    return { port, endpoint: `127.0.0.1:${port}`, rootUser, rootPassword, dataDir: path.join(dataDir, "minio"), certsDir };
}

export async function startMinio(settings: MinioSettings, logDir: string, caCert: string): Promise<ServerProcess> {
    const server = startServer("minio", "minio", [
        "server", settings.dataDir, "--quiet",
        "--address", settings.endpoint, "--console-address", `127.0.0.1:${await freePort()}`,
        "--certs-dir", settings.certsDir,
    ], logDir, {
        ...process.env,
        MINIO_ROOT_USER: settings.rootUser,
        MINIO_ROOT_PASSWORD: settings.rootPassword,
        MINIO_BROWSER: "off",
        MINIO_UPDATE: "off",
    });
    const tls = { ca: fs.readFileSync(caCert) };
    await waitUntilReady(server, () => httpsOk(settings.port, "/minio/health/ready", tls));
    return server;
}
