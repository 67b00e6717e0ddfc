// A certificate authority made for one sandbox run (openssl), and the certificates the servers and the
// API server's client present. Nothing here is trusted outside the run: clients are given ca.crt.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface CertPair {
    cert: string;
    key: string;
}

export interface RunPki {
    caCert: string;
    /** TLS for the servers on 127.0.0.1 that clients verify: the API server and MinIO. */
    server: CertPair;
    /** The API server's cluster-admin client (O=system:masters). */
    admin: CertPair;
    /** Service-account token signing keys. */
    serviceAccount: { publicKey: string; privateKey: string };
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function issue(dir: string, name: string, subject: string, extensions: string): CertPair {
    const extFile = path.join(dir, `${name}.ext`);
    fs.writeFileSync(extFile, extensions);
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "30", "-out", `${name}.crt`, "-extfile", extFile], dir);
    return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** Creates the run's CA and certificates in `dir` (reused when they already exist there). */
export function createRunPki(dir: string): RunPki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pki: RunPki = {
        caCert: path.join(dir, "ca.crt"),
        server: { cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") },
        admin: { cert: path.join(dir, "admin.crt"), key: path.join(dir, "admin.key") },
        serviceAccount: { publicKey: path.join(dir, "sa.pub"), privateKey: path.join(dir, "sa.key") },
    };
    if (fs.existsSync(pki.server.cert)) {
        return pki;
    }
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=storage-backup sandbox CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
    issue(dir, "server", "/CN=127.0.0.1", [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        // The API server is also reached by its in-cluster names (service account tokens name it).
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
        "",
    ].join("\n"));
    issue(dir, "admin", "/O=system:masters/CN=sandbox-admin", [
        "basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth", "",
    ].join("\n"));
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"], dir);
    openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
    return pki;
}
