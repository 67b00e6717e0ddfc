import * as assert from "assert";
import { noPlaintextCredentials } from "../policies/noPlaintextCredentials";
import { assertClean, assertNotApplicable, assertViolations, container, deployment, describeMessages, helmChart, k8s } from "./fixtures";
import { runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const configMap = (data: object) => ({ ...k8s("v1", "ConfigMap", "settings", { data }), type: "kubernetes:core/v1:ConfigMap" });
const externalSecret = (data: object) => k8s("external-secrets.io/v1", "ExternalSecret", "db-restic-secret", {
    spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "onepassword" }, target: { template: { data } } },
});
const withEnv = (env: object[]) => deployment("app", [container("app", undefined, { env })]);

describe("no-plaintext-credentials", () => {
    it("passes secret references, templates and harmless values", async () => {
        assertClean(await runPolicy(noPlaintextCredentials, helmChart("velero", {
            credentials: { useSecret: true, existingSecret: "velero-credentials" },
            configuration: { backupStorageLocation: [{ name: "default", config: { s3Url: "https://minio" } }] },
            metrics: { enabled: true }, tokenTtl: 3600,
        })));
        assertClean(await runPolicy(noPlaintextCredentials, externalSecret({
            RESTIC_REPOSITORY: "s3:https://minio/backups/db", RESTIC_PASSWORD: "{{ .password }}", AWS_ACCESS_KEY_ID: "{{ .username }}",
        })));
        assertClean(await runPolicy(noPlaintextCredentials, withEnv([
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
            { name: "PASSWORD_FILE", value: "/run/secrets/password" },
        ])));
        assertClean(await runPolicy(noPlaintextCredentials, configMap({ "app.yaml": "log: info\n" })));
    });

    it("flags credential-named literals in Helm values without echoing them", async () => {
        const r = await runPolicy(noPlaintextCredentials, helmChart("minio-client", { auth: { rootPassword: "hunter2hunter2" } }));
        assertViolations(r, [/Chart "minio-client": values\.auth\.rootPassword: key "rootPassword" holds the literal "hu…" \(14 characters\)\. Create a Secret/]);
        assert.ok(!r.violations[0].message.includes("hunter2hunter2"));
    });

    it("flags Velero's inline credentials file", async () => {
        const r = await runPolicy(noPlaintextCredentials, helmChart("velero", {
            credentials: { secretContents: { cloud: "[default]\naws_access_key_id=minio\naws_secret_access_key=minio123\n" } },
        }));
        assertViolations(r, [/values\.credentials\.secretContents\.cloud: value .* looks like an AWS credentials file/]);
    });

    it("flags credential shapes in ConfigMaps whatever the key", async () => {
        assertViolations(await runPolicy(noPlaintextCredentials, configMap({ notes: "key AKIAABCDEFGHIJKLMNOP" })), [/data\.notes: value .* looks like an AWS access key id.*Move it to a Secret/]);
        assertViolations(await runPolicy(noPlaintextCredentials, configMap({ endpoint: "https://user:pa55@minio:9000" })), [/looks like a URL with an inline password/]);
        assertViolations(await runPolicy(noPlaintextCredentials, configMap({ key: "-----BEGIN RSA PRIVATE KEY-----\nabc" })), [/looks like a PEM private key/]);
    });

    it("flags container env literals", async () => {
        const r = await runPolicy(noPlaintextCredentials, withEnv([{ name: "AWS_SECRET_ACCESS_KEY", value: "minio123" }]));
        assertViolations(r, [/Deployment "apps\/app": container "app", env "AWS_SECRET_ACCESS_KEY" \(spec\.template\.spec\.containers\[0\]\.env\[0\]\.value\): key "AWS_SECRET_ACCESS_KEY" holds the literal of 8 characters\. Use env\[\]\.valueFrom\.secretKeyRef/]);
    });

    it("lets an env var point at a mounted credential file (the Velero chart's GOOGLE_APPLICATION_CREDENTIALS)", async () => {
        assertClean(await runPolicy(noPlaintextCredentials, withEnv([{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: "/credentials/cloud" }])));
        // A path-like word with spaces or a relative form is still a literal.
        assertViolations(await runPolicy(noPlaintextCredentials, withEnv([{ name: "DB_PASSWORD", value: "/not a path" }])), [/env "DB_PASSWORD"/]);
        assertViolations(await runPolicy(noPlaintextCredentials, withEnv([{ name: "DB_PASSWORD", value: "hunter2/x" }])), [/env "DB_PASSWORD"/]);
    });

    it("checks env literals set by workload patches too", async () => {
        const patch = { ...withEnv([{ name: "API_TOKEN", value: "abcdef123456" }]), type: "kubernetes:apps/v1:DeploymentPatch" };
        assertViolations(await runPolicy(noPlaintextCredentials, patch), [/DeploymentPatch "apps\/app": container "app", env "API_TOKEN"/]);
    });

    it("flags literal values in ExternalSecret templates", async () => {
        assertViolations(await runPolicy(noPlaintextCredentials, externalSecret({ RESTIC_PASSWORD: "correct-horse" })),
            [/spec\.target\.template\.data\.RESTIC_PASSWORD: key "RESTIC_PASSWORD" holds the literal .*\{\{ \.password \}\}/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(noPlaintextCredentials, k8s("storage.k8s.io/v1", "StorageClass", "x", {})), "no-plaintext-credentials");
    });

    it("lets config allow a path that only looks like a credential", async () => {
        const chart = helmChart("app", { ui: { tokenAudience: "dashboard" } });
        assertViolations(await runPolicy(noPlaintextCredentials, chart), [/values\.ui\.tokenAudience/]);
        assertClean(await runPolicy(noPlaintextCredentials, chart, { "no-plaintext-credentials": { allowedPaths: ["values.ui.tokenAudience"] } }));
    });

    describeMessages(noPlaintextCredentials, {
        "a credential in Helm values": [helmChart("minio-client", { auth: { rootPassword: "hunter2hunter2" } }),
            { resource: 'Chart "minio-client"', field: "values.auth.rootPassword", value: '"hu…" (14 characters)', fix: "Create a Secret and point the chart at it" }],
        "a credential shape in a ConfigMap": [configMap({ notes: "key AKIAABCDEFGHIJKLMNOP" }),
            { resource: 'ConfigMap "apps/settings"', field: "data.notes", value: '"ke…" (24 characters)', fix: "Move it to a Secret" }],
        "a credential in a container env literal": [withEnv([{ name: "AWS_SECRET_ACCESS_KEY", value: "minio123" }]),
            { resource: 'Deployment "apps/app"', field: "spec.template.spec.containers[0].env[0].value", value: "of 8 characters", fix: "Use env[].valueFrom.secretKeyRef" }],
        "a credential in an ExternalSecret template": [externalSecret({ RESTIC_PASSWORD: "correct-horse" }),
            { resource: 'ExternalSecret "apps/db-restic-secret"', field: "spec.target.template.data.RESTIC_PASSWORD", value: '"co…" (13 characters)', fix: "Template it from the store" }],
        "an output piped into a credential field": [helmChart("velero", { credentials: { secretContents: { cloud: UNKNOWN_AT_PREVIEW } } }),
            { resource: 'Chart "velero"', field: "values.credentials.secretContents.cloud", value: "unknown at preview", fix: "Create a Secret" }],
        "an env unknown at preview": [deployment("app", [container("app", undefined, { env: UNKNOWN_AT_PREVIEW })]),
            { resource: 'Deployment "apps/app"', field: "spec.template.spec.containers[0].env", value: "unknown at preview", fix: "List env literally" }],
    });

    it("reports an output piped into a credential field as a violation, not a preview-time warning", async () => {
        assertViolations(await runPolicy(noPlaintextCredentials, helmChart("velero", { credentials: { secretContents: { cloud: UNKNOWN_AT_PREVIEW } } })),
            [/secretContents\.cloud: key "cloud" is filled from another resource's output/]);
        assertViolations(await runPolicy(noPlaintextCredentials, withEnv([{ name: "MINIO_SECRET_KEY", value: UNKNOWN_AT_PREVIEW }])),
            [/env "MINIO_SECRET_KEY".*filled from another resource's output/]);
        assertViolations(await runPolicy(noPlaintextCredentials, deployment("app", [container("app", undefined, { env: UNKNOWN_AT_PREVIEW })])),
            [/spec\.template\.spec\.containers\[0\]\.env \(the env of container "app"\) is unknown at preview/]);
        // Unknown values under ordinary keys are not credentials.
        assertClean(await runPolicy(noPlaintextCredentials, helmChart("velero", { configuration: { namespace: UNKNOWN_AT_PREVIEW } })));
    });
});
