// minio.caBundle: validated when the config is read, and handed to every MinIO client the stack configures.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { existingBuckets } from "../components/bucketLookup";
import { StackConfigError } from "../components/config/stackConfig";
import { minioCaConfigMapName } from "../components/protectedApp";
import { caBundleFile } from "../components/s3Endpoint";
import { veleroMinioCaSecret } from "../components/velero";
import { resticAccessFromOutputs } from "../ops/stackOps";
import { createRunPki, RunPki } from "./sandbox/pki";
import { customResourcesOfKind, resourcesOfType, runUnderMocks, secretInput } from "./helpers/mockProgram";
import { everyOptionRawConfig, minimalRawConfig, settingsFrom } from "./helpers/settings";
import * as pulumi from "@pulumi/pulumi";

function problemsOf(raw: Record<string, any>): string[] {
    try {
        settingsFrom(raw);
    } catch (error) {
        if (error instanceof StackConfigError) {
            return error.problems;
        }
        throw error;
    }
    return [];
}

/** A self-signed CA whose validity ended yesterday (openssl 3.0 has no -not_after; -days -1 ends it a day ago). */
function expiredCa(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.csr", "-subj", "/CN=expired test CA"]);
    openssl(["x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-days", "-1", "-extfile", "ca.ext", "-out", "ca.crt"]);
    return fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
}

function withCa(caBundle: string, raw = minimalRawConfig()): Record<string, any> {
    raw.minio = { ...raw.minio, caBundle };
    return raw;
}

describe("minio.caBundle", function () {
    this.timeout(60_000);
    let dir: string;
    let pki: RunPki;
    let otherPki: RunPki;
    let caPem: string;
    let expiredCaPem: string;

    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ca-bundle-test-"));
        pki = createRunPki(path.join(dir, "pki"));
        otherPki = createRunPki(path.join(dir, "other-pki"));
        caPem = fs.readFileSync(pki.caCert, "utf8");
        expiredCaPem = expiredCa(path.join(dir, "expired-ca"));
    });
    after(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("is checked when the config is read", function () {
        it("accepts a CA file and reads it", function () {
            const settings = settingsFrom(withCa(pki.caCert));
            assert.deepStrictEqual(settings.minio.caBundle, { pem: caPem, file: pki.caCert });
            assert.strictEqual(caBundleFile(settings.minio.caBundle!), pki.caCert);
        });

        it("accepts inline PEM, and gives clients that need a path a file with exactly that PEM", function () {
            const settings = settingsFrom(withCa(caPem));
            assert.deepStrictEqual(settings.minio.caBundle, { pem: caPem });
            const file = caBundleFile(settings.minio.caBundle!);
            assert.strictEqual(fs.readFileSync(file, "utf8"), caPem);
            assert.strictEqual(caBundleFile(settings.minio.caBundle!), file, "the same bundle always maps to the same file");
        });

        const refused: Array<[string, () => string, RegExp]> = [
            ["a server certificate instead of the CA", () => pki.server.cert, /is not a CA .*give the CA that signed MinIO's certificate/],
            ["a file that is not PEM", () => { const file = path.join(dir, "junk.pem"); fs.writeFileSync(file, "not a certificate"); return file; }, /expected one or more PEM certificates/],
            ["a missing file", () => path.join(dir, "missing.pem"), /cannot read .*missing\.pem \(ENOENT\)/],
            ["a bundle that carries the CA's private key", () => caPem + fs.readFileSync(path.join(dir, "pki", "ca.key"), "utf8"), /PRIVATE KEY.*remove the key/],
            ["a corrupt certificate", () => caPem.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA"), /does not parse|not a CA/],
            // Every certificate is checked, not only the first.
            ["the CA followed by MinIO's server certificate", () => caPem + fs.readFileSync(pki.server.cert, "utf8"), /certificate 2 \(CN=127\.0\.0\.1\) is not a CA/],
            ["an expired CA", () => expiredCaPem, /certificate 1 \(CN=expired test CA\) expired on /],
            ["a valid CA followed by an expired one", () => caPem + expiredCaPem, /certificate 2 \(CN=expired test CA\) expired on /],
            // Clients skip such blocks silently, so they would be neither checked nor trusted.
            ["the CA followed by a truncated certificate", () => caPem + fs.readFileSync(otherPki.caCert, "utf8").slice(0, 200), /holds 2 PEM blocks but 1 complete certificate/],
            ["the CA followed by a block that is no certificate", () => `${caPem}-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`, /holds 2 PEM blocks but 1 complete certificate/],
        ];
        for (const [what, value, message] of refused) {
            it(`refuses ${what}, naming the setting`, function () {
                const problems = problemsOf(withCa(value()));
                assert.strictEqual(problems.length, 1, problems.join("\n"));
                assert.match(problems[0], /^storage-backup:minio\.caBundle: expected the PEM CA certificate|^storage-backup:minio\.caBundle: expected inline PEM/);
                assert.match(problems[0], message);
            });
        }

        it("accepts a bundle of several valid CAs, keeping every one", function () {
            const bundle = fs.readFileSync(otherPki.caCert, "utf8") + caPem;
            assert.deepStrictEqual(settingsFrom(withCa(bundle)).minio.caBundle, { pem: bundle });
        });

        it("refuses a CA with plain HTTP, and together with insecureSkipVerify", function () {
            const plain = withCa(pki.caCert);
            plain.minio.useTls = false;
            assert.match(problemsOf(plain).join("\n"), /storage-backup:minio\.caBundle: only meaningful with minio\.useTls: true/);
            const skip = withCa(pki.caCert);
            skip.minio.insecureSkipVerify = true;
            assert.match(problemsOf(skip).join("\n"), /storage-backup:minio\.insecureSkipVerify: expected false when minio\.caBundle is set/);
        });
    });

    describe("reaches every MinIO client", function () {
        it("the minio provider, each app's movers, and Velero's storage location", async function () {
            const settings = settingsFrom(withCa(pki.caCert, everyOptionRawConfig()));
            const { resources } = await runUnderMocks(settings);

            const [provider] = resourcesOfType(resources, "pulumi:providers:minio");
            assert.strictEqual(provider.inputs.minioCacertFile, pki.caCert);
            assert.notStrictEqual(provider.inputs.minioInsecure, true);

            for (const app of settings.apps) {
                const configMap = resourcesOfType(resources, "kubernetes:core/v1:ConfigMap")
                    .find((resource) => resource.inputs.metadata.name === minioCaConfigMapName(app.name));
                assert.ok(configMap, `a CA ConfigMap for ${app.name}`);
                assert.strictEqual(configMap.inputs.metadata.namespace, app.namespace);
                assert.strictEqual(configMap.inputs.data["ca.crt"], caPem);
                for (const kind of ["ReplicationSource", "ReplicationDestination"]) {
                    const movers = customResourcesOfKind(resources, kind).filter((resource) => resource.inputs.metadata.namespace === app.namespace);
                    assert.ok(movers.length > 0, `${kind} in ${app.namespace}`);
                    for (const mover of movers) {
                        assert.deepStrictEqual(mover.inputs.spec.restic.customCA, { configMapName: minioCaConfigMapName(app.name), key: "ca.crt" }, `${kind} ${mover.name}`);
                    }
                }
            }

            const [location] = customResourcesOfKind(resources, "BackupStorageLocation");
            assert.deepStrictEqual(location.inputs.spec.objectStorage.caCertRef, { name: veleroMinioCaSecret, key: "ca.crt" });
            assert.strictEqual(location.inputs.spec.config.insecureSkipTLSVerify, undefined);
            const caSecret = resourcesOfType(resources, "kubernetes:core/v1:Secret").find((resource) => resource.inputs.metadata.name === veleroMinioCaSecret);
            assert.strictEqual(caSecret?.inputs.metadata.namespace, settings.velero.namespace);
            // The kubernetes SDK marks every Secret's data secret, a public CA included.
            assert.strictEqual(secretInput(caSecret?.inputs.stringData)["ca.crt"], caPem);
        });

        it("nothing CA-related without the setting", async function () {
            const { resources } = await runUnderMocks(settingsFrom(everyOptionRawConfig()));
            assert.strictEqual(resourcesOfType(resources, "pulumi:providers:minio")[0].inputs.minioCacertFile, undefined);
            assert.ok(!JSON.stringify(resources).includes("customCA"));
            assert.ok(!JSON.stringify(resources).includes("caCertRef"));
        });

        it("restic, as the ops CLI runs it (RESTIC_CACERT)", function () {
            const outputs = {
                apps: { db: { repository: "s3:https://minio.lan:9000/volsync/db" } },
                volsyncCredentials: { accessKeyId: "id", secretAccessKey: "key", resticPassword: "password" },
            };
            const access = resticAccessFromOutputs(settingsFrom(withCa(pki.caCert)), "db", outputs, "apps");
            assert.strictEqual(access.env.RESTIC_CACERT, pki.caCert);
            assert.strictEqual(resticAccessFromOutputs(settingsFrom(minimalRawConfig()), "db", outputs, "apps").env.RESTIC_CACERT, undefined);
        });

        describe("the program's bucket lookup, against an HTTPS server with the CA's certificate", function () {
            let server: https.Server;
            let endpoint: string;
            const secrets = { minioAdminUser: pulumi.output("admin"), minioAdminPassword: pulumi.output("password"), onepasswordToken: pulumi.output("t") };

            before(async function () {
                // Answers every S3 call with 200, so HEAD bucket reports the bucket as present.
                server = https.createServer({ cert: fs.readFileSync(pki.server.cert), key: fs.readFileSync(pki.server.key) }, (_request, response) => response.end());
                await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
                endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
            });
            after(function () {
                server.close();
            });

            it("trusts MinIO through the configured CA", async function () {
                const settings = settingsFrom(withCa(pki.caCert, { ...minimalRawConfig(), minio: { endpoint } }));
                assert.deepStrictEqual([...await existingBuckets(settings.minio, secrets, ["volsync"], false)], ["volsync"]);
            });

            it("trusts MinIO when the CA that signed it is the second certificate of the bundle", async function () {
                const bundle = fs.readFileSync(otherPki.caCert, "utf8") + caPem;
                const settings = settingsFrom(withCa(bundle, { ...minimalRawConfig(), minio: { endpoint } }));
                assert.deepStrictEqual([...await existingBuckets(settings.minio, secrets, ["volsync"], false)], ["volsync"]);
            });

            for (const preview of [true, false]) {
                it(`fails on a different CA naming the setting and the endpoint (${preview ? "preview" : "update"})`, async function () {
                    const settings = settingsFrom(withCa(otherPki.caCert, { ...minimalRawConfig(), minio: { endpoint } }));
                    await assert.rejects(existingBuckets(settings.minio, secrets, ["volsync"], preview),
                        (error: Error) => error.message.includes(`minio.caBundle: MinIO at https://${endpoint}`)
                            && error.message.includes(otherPki.caCert) && /Nothing was changed/.test(error.message));
                });
            }
        });
    });
});
