// MinIO's CA bundle (`minio.caBundle`): PEM given inline or as a file path, checked when the config is read
// so that a wrong file fails before anything is changed. Self-hosted MinIO usually serves a certificate from
// a private CA; this is how every client the stack configures learns to trust it without switching
// verification off.
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";

/** The CA certificates every MinIO client trusts, and where they came from. */
export interface CaBundle {
    /** The certificates, PEM, exactly as read. */
    pem: string;
    /** The absolute file the PEM was read from; unset when it was given inline. */
    file?: string;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PEM_BEGIN = /-----BEGIN [^-\r\n]*-----/g;

/** Why `pem` is not a usable CA bundle, or undefined when it is. */
export function caBundleProblem(pem: string, now = new Date()): string | undefined {
    // A CA's private key would end up in state, a ConfigMap and Velero's spec: refuse it outright.
    if (PRIVATE_KEY.test(pem)) {
        return "holds a PRIVATE KEY block; only the CA certificate belongs here, remove the key";
    }
    const blocks = pem.match(CERTIFICATE) ?? [];
    if (blocks.length === 0) {
        return "expected one or more PEM certificates (-----BEGIN CERTIFICATE-----)";
    }
    // Every client (Node, Go, restic) silently skips a PEM block that is truncated or not a CERTIFICATE, so
    // such a block would never be checked here nor trusted there: refuse it rather than trust less than written.
    const begins = pem.match(PEM_BEGIN) ?? [];
    if (begins.length !== blocks.length) {
        return `holds ${begins.length} PEM blocks but ${blocks.length} complete certificate(s); every block must be a whole `
            + `-----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- (a truncated copy or a block of another type is skipped by every client)`;
    }
    for (const [index, block] of blocks.entries()) {
        let certificate: X509Certificate;
        try {
            certificate = new X509Certificate(block);
        } catch (error) {
            return `certificate ${index + 1} does not parse (${(error as Error).message})`;
        }
        if (!certificate.ca) {
            return `certificate ${index + 1} (${certificate.subject.replace(/\n/g, ", ")}) is not a CA (basicConstraints CA:FALSE); give the CA that signed MinIO's certificate, not the server certificate`;
        }
        if (Date.parse(certificate.validTo) < now.getTime()) {
            return `certificate ${index + 1} (${certificate.subject.replace(/\n/g, ", ")}) expired on ${certificate.validTo}`;
        }
    }
    return undefined;
}

/**
 * Inline PEM, or a path to a PEM file (absolute, or relative to the working directory, which is the
 * project directory under `pulumi` and `npm run ops`).
 */
export const caBundle = z.string().min(1).transform((value, ctx): CaBundle => {
    const inline = value.includes("-----BEGIN ");
    const file = inline ? undefined : path.resolve(value);
    let pem = value;
    if (file) {
        try {
            pem = fs.readFileSync(file, "utf8");
        } catch (error) {
            ctx.addIssue({ code: "custom", message: `expected inline PEM or a readable PEM file; cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
            return z.NEVER;
        }
    }
    const problem = caBundleProblem(pem);
    if (problem) {
        ctx.addIssue({ code: "custom", message: `expected the PEM CA certificate(s) that signed MinIO's certificate${file ? ` (read from ${file})` : ""}: ${problem}` });
        return z.NEVER;
    }
    return { pem, ...(file ? { file } : {}) };
});
