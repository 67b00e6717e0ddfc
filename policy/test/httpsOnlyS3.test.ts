import * as assert from "assert";
import { httpsOnlyS3 } from "../policies/httpsOnlyS3";
import { assertClean, assertNotApplicable, assertViolations, describeMessages, helmChart, k8s } from "./fixtures";
import { runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const bsl = (config: object) => k8s("velero.io/v1", "BackupStorageLocation", "default", {
    spec: { provider: "aws", objectStorage: { bucket: "velero" }, config: { region: "minio", s3ForcePathStyle: "true", ...config } },
}, "velero");
const externalSecret = (repo: unknown) => k8s("external-secrets.io/v1", "ExternalSecret", "db-restic-secret", {
    spec: { target: { template: { data: { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: "{{ .password }}" } } } },
});
const minioProvider = (props: object) => ({ type: "pulumi:providers:minio", name: "minio", props: { minioServer: "minio.lan:9000", ...props } });

describe("https-only-s3", () => {
    it("passes https endpoints everywhere", async () => {
        assertClean(await runPolicy(httpsOnlyS3, bsl({ s3Url: "https://minio.lan:9000" })));
        assertClean(await runPolicy(httpsOnlyS3, bsl({})));
        assertClean(await runPolicy(httpsOnlyS3, externalSecret("s3:https://minio.lan:9000/backups/db")));
        assertClean(await runPolicy(httpsOnlyS3, externalSecret("s3:s3.amazonaws.com/backups/db"))); // restic's default scheme is https
        assertClean(await runPolicy(httpsOnlyS3, minioProvider({ minioSsl: "true" })));
        assertClean(await runPolicy(httpsOnlyS3, helmChart("velero", { configuration: { backupStorageLocation: [{ provider: "aws", config: { s3Url: "https://s3" } }] } })));
    });

    it("flags Velero's plain-http s3Url", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, bsl({ s3Url: "minio.lan:9000" })), [/spec\.config\.s3Url uses "minio\.lan:9000"; S3 traffic must use https:\/\//]);
        assertViolations(await runPolicy(httpsOnlyS3, bsl({ s3Url: "http://10.25.11.3:9000" })),
            [/BackupStorageLocation "velero\/default": spec\.config\.s3Url uses "http:\/\/10\.25\.11\.3:9000"; S3 traffic must use https:\/\/\. Use an https:\/\/ endpoint in spec\.config\.s3Url\.$/]);
    });

    it("flags disabled certificate checks", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, bsl({ s3Url: "https://minio", insecureSkipTLSVerify: "true" })), [/insecureSkipTLSVerify is "true"/]);
        for (const insecure of [true, "true"]) {
            assertViolations(await runPolicy(httpsOnlyS3, minioProvider({ minioSsl: "true", minioInsecure: insecure })),
                [/minio "minio": minioInsecure is (true|"true"), which disables certificate checks.*minio\.caBundle/]);
        }
    });

    it("passes HTTPS verified against a CA bundle", async () => {
        assertClean(await runPolicy(httpsOnlyS3, minioProvider({ minioSsl: "true", minioInsecure: "false", minioCacertFile: "/etc/minio-ca.pem" })));
        const location = k8s("velero.io/v1", "BackupStorageLocation", "default", {
            spec: { provider: "aws", objectStorage: { bucket: "velero", caCertRef: { name: "velero-minio-ca", key: "ca.crt" } }, config: { s3Url: "https://minio.lan:9000" } },
        }, "velero");
        assertClean(await runPolicy(httpsOnlyS3, location));
    });

    it("flags plain-http restic repositories in ExternalSecrets and Secrets", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, externalSecret("s3:http://10.25.11.3:9000/backups/db")),
            [/ExternalSecret "apps\/db-restic-secret": spec\.target\.template\.data\.RESTIC_REPOSITORY uses "s3:http:\/\/10\.25\.11\.3:9000\/backups\/db"/]);
        const secret = k8s("v1", "Secret", "s", { data: { RESTIC_REPOSITORY: Buffer.from("s3:http://minio/b/app").toString("base64") } });
        assertViolations(await runPolicy(httpsOnlyS3, { ...secret, type: "kubernetes:core/v1:Secret" }), [/data\.RESTIC_REPOSITORY uses "s3:http:\/\/minio\/b\/app"/]);
    });

    it("flags the MinIO provider without TLS", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, minioProvider({})), [/minio "minio": minioSsl is not set, so the provider uses "http:\/\/minio\.lan:9000".*Set minioSsl: true/]);
        assertViolations(await runPolicy(httpsOnlyS3, minioProvider({ minioSsl: "false" })), [/minioSsl is "false", so the provider uses "http:\/\/minio\.lan:9000"/]);
    });

    it("flags plain-http URLs in Velero chart values", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, helmChart("velero", { configuration: { backupStorageLocation: [{ config: { s3Url: "http://m:9000" } }] } })),
            [/values\.configuration\.backupStorageLocation\[0\]\.config\.s3Url uses "http:\/\/m:9000"/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(httpsOnlyS3, k8s("v1", "ConfigMap", "c", {})), "https-only-s3");
    });

    it("a stack exception downgrades it to advisory and quotes the reason, per stack", async () => {
        const config = { "https-only-s3": { enforcementLevel: "advisory" as const, exceptionReason: "LAN-only MinIO" } };
        const r = await runPolicy(httpsOnlyS3, bsl({ s3Url: "http://10.25.11.3:9000" }), config);
        assertViolations(r, [/uses "http:\/\/10\.25\.11\.3:9000".*Stack exception in force: LAN-only MinIO$/], "advisory");
        assert.strictEqual((await runPolicy(httpsOnlyS3, bsl({ s3Url: "http://10.25.11.3:9000" }))).violations[0].enforcementLevel, "mandatory");
    });

    const location = 'BackupStorageLocation "velero/default"';
    describeMessages(httpsOnlyS3, {
        "a plain-http s3Url": [bsl({ s3Url: "http://10.25.11.3:9000" }),
            { resource: location, field: "spec.config.s3Url", value: '"http://10.25.11.3:9000"', fix: "Use an https:// endpoint in spec.config.s3Url" }],
        "an s3Url that is no string": [bsl({ s3Url: 9000 }), { resource: location, field: "spec.config.s3Url", value: "found 9000", fix: "Set it to an https:// URL" }],
        "disabled certificate checks": [bsl({ s3Url: "https://minio", insecureSkipTLSVerify: true }),
            { resource: location, field: "spec.config.insecureSkipTLSVerify", value: "is true", fix: "Remove it and trust the CA" }],
        "a plain-http restic repository": [externalSecret("s3:http://minio/b/db"),
            { resource: 'ExternalSecret "apps/db-restic-secret"', field: "spec.target.template.data.RESTIC_REPOSITORY", value: '"s3:http://minio/b/db"', fix: "Use an https:// endpoint" }],
        "a plain-http chart value": [helmChart("velero", { configuration: { backupStorageLocation: { config: { publicUrl: "http://m" } } } }),
            { resource: 'Chart "velero"', field: "values.configuration.backupStorageLocation.config.publicUrl", value: '"http://m"', fix: "Use an https:// endpoint" }],
        "the MinIO provider without TLS": [minioProvider({ minioSsl: false }),
            { resource: 'minio "minio"', field: "minioSsl", value: "is false", fix: "Set minioSsl: true" }],
        "the MinIO provider with certificate checks off": [minioProvider({ minioSsl: true, minioInsecure: true }),
            { resource: 'minio "minio"', field: "minioInsecure", value: "is true", fix: "trust MinIO's CA instead" }],
        "an endpoint unknown at preview": [minioProvider({ minioSsl: UNKNOWN_AT_PREVIEW }),
            { resource: 'minio "minio"', field: "minioSsl", value: "unknown at preview", fix: "Build it from literal config" }],
    });

    it("passes a Secret whose whole contents are unknown at preview (a never-deployed stack's generated keys)", async () => {
        for (const field of ["stringData", "data"]) {
            const secret = k8s("v1", "Secret", "velero-s3", { [field]: UNKNOWN_AT_PREVIEW }, "velero");
            assertClean(await runPolicy(httpsOnlyS3, { ...secret, type: "kubernetes:core/v1:Secret" }));
        }
        const known = k8s("v1", "Secret", "s", { stringData: { RESTIC_REPOSITORY: UNKNOWN_AT_PREVIEW } });
        assertViolations(await runPolicy(httpsOnlyS3, { ...known, type: "kubernetes:core/v1:Secret" }), [/stringData\.RESTIC_REPOSITORY is unknown at preview/]);
    });

    it("reports endpoints unknown at preview as violations", async () => {
        assertViolations(await runPolicy(httpsOnlyS3, bsl({ s3Url: UNKNOWN_AT_PREVIEW })), [/spec\.config\.s3Url is unknown at preview/]);
        assertViolations(await runPolicy(httpsOnlyS3, externalSecret(UNKNOWN_AT_PREVIEW)), [/RESTIC_REPOSITORY is unknown at preview/]);
        assertViolations(await runPolicy(httpsOnlyS3, minioProvider({ minioServer: UNKNOWN_AT_PREVIEW })), [/minioServer is unknown at preview/]);
    });
});
