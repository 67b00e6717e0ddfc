import Ajv from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allPolicies } from "../policies";
import { assertViolations, container, deployment, goodRestic, helmChart, k8s, pvc, replicationSource, schedule } from "./fixtures";
import { blocking, PackConfig, ResourceRecord, runPackOverResources } from "./harness";

const root = path.resolve(__dirname, "..");
const configFiles = fs.readdirSync(path.join(root, "config")).filter((f) => f.endsWith(".json"));
const readConfig = (file: string): PackConfig => JSON.parse(fs.readFileSync(path.join(root, "config", file), "utf8"));

describe("the pack", () => {
    describe("metadata", () => {
        for (const policy of allPolicies) {
            it(`${policy.name}: kebab-case name, sentence description, mandatory by default, defaults for every config key`, () => {
                assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
                assert.match(policy.description, /^[A-Z][^\n]{20,}\.$/);
                assert.strictEqual(policy.enforcementLevel, "mandatory");
                const properties = policy.configSchema?.properties ?? {};
                assert.ok(Object.keys(properties).length > 0, "thresholds and exceptions live in configSchema");
                assert.ok(!("enforcementLevel" in properties), "the server refuses enforcementLevel as a config property");
                for (const [key, prop] of Object.entries(properties)) {
                    assert.notStrictEqual(prop.default, undefined, `${key} needs a default`);
                    assert.ok(prop.description, `${key} needs a description`);
                }
            });
        }
        it("has unique policy names", () => {
            const names = allPolicies.map((p) => p.name);
            assert.deepStrictEqual([...new Set(names)], names);
        });
        it("index.ts only constructs the pack from allPolicies (it is never imported: it starts a server)", () => {
            const index = fs.readFileSync(path.join(root, "index.ts"), "utf8");
            assert.match(index, /new PolicyPack\([^)]*policies: allPolicies/s);
            assert.ok(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version, "the pack's package.json needs a version");
        });
    });

    describe("per-stack config files", () => {
        const ajv = new Ajv({ strict: false });
        for (const file of configFiles) {
            it(`${file} names real policies, valid levels and schema-valid properties`, () => {
                for (const [name, entry] of Object.entries(readConfig(file))) {
                    const policy = allPolicies.find((p) => p.name === name);
                    assert.ok(policy, `${file}: no policy named ${name}`);
                    const { enforcementLevel, ...properties } = entry;
                    if (enforcementLevel !== undefined) {
                        assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(enforcementLevel), `${file}: ${name}.enforcementLevel`);
                    }
                    const schema = { type: "object", additionalProperties: false, ...policy.configSchema };
                    assert.ok(ajv.validate(schema, properties), `${file}: ${name}: ${ajv.errorsText()}`);
                }
            });
        }
        it("apps.json downgrades only https-only-s3, and only with a reason", () => {
            const apps = readConfig("apps.json");
            const downgraded = Object.entries(apps).filter(([, e]) => e.enforcementLevel && e.enforcementLevel !== "mandatory").map(([n]) => n);
            assert.deepStrictEqual(downgraded, ["https-only-s3"]);
            assert.match(String(apps["https-only-s3"].exceptionReason), /10\.25\.11\.3:9000/);
        });
    });

    describe("runPackOverResources on an apps-stack-shaped resource set", () => {
        const lanEndpoint = "http://10.25.11.3:9000";
        const compliant = (): ResourceRecord[] => [
            { type: "pulumi:providers:minio", name: "minio", props: { minioServer: "10.25.11.3:9000", minioSsl: "false" } },
            { type: "minio:index/s3Bucket:S3Bucket", name: "backups", props: { bucket: "backups" } },
            { type: "minio:index/iamUser:IamUser", name: "db", props: { name: "db" } },
            {
                type: "minio:index/iamPolicy:IamPolicy", name: "db", props: {
                    policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ["arn:aws:s3:::backups", "arn:aws:s3:::backups/*"] }] }),
                },
            },
            { type: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment", name: "db", props: { userName: "db", policyName: "db" } },
            helmChart("velero", { credentials: { useSecret: true, existingSecret: "velero-credentials" }, resources: { limits: { memory: "500Mi" } } }),
            k8s("velero.io/v1", "BackupStorageLocation", "default", { spec: { provider: "aws", config: { s3Url: lanEndpoint } } }, "velero"),
            schedule("daily", { includedNamespaces: ["velero"], ttl: "720h0m0s" }),
            k8s("external-secrets.io/v1", "ExternalSecret", "db-restic-secret", {
                spec: { target: { template: { data: { RESTIC_REPOSITORY: `s3:${lanEndpoint}/backups/db`, RESTIC_PASSWORD: "{{ .password }}" } } } },
            }),
            { ...k8s("storage.k8s.io/v1", "StorageClass", "openebs-hostpath", { provisioner: "openebs.io/local", volumeBindingMode: "WaitForFirstConsumer" }), type: "kubernetes:storage.k8s.io/v1:StorageClass" },
            deployment("velero", [container("velero", { request: "256Mi", limit: "500Mi" })], "velero"),
            pvc("db"),
            replicationSource("db", goodRestic),
        ];

        const brokenExtras = (): ResourceRecord[] => [
            deployment("app", [container("app", { request: "64Mi" }, { env: [{ name: "DB_PASSWORD", value: "s3cret-value" }] })]),
            schedule("forever", { includedNamespaces: ["other"], ttl: "8760h" }),
            { type: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment", name: "admin", props: { userName: "db", policyName: "consoleAdmin" } },
            pvc("cache", "apps"),
        ];

        it("passes with the apps config: the LAN endpoint only warns, quoting the exception", async () => {
            const result = await runPackOverResources(compliant(), readConfig("apps.json"));
            assert.deepStrictEqual(blocking(result), []);
            assert.strictEqual(result.violations.length, 3);
            assert.ok(result.violations.every((v) => v.policyName === "https-only-s3" && v.enforcementLevel === "advisory" && /Stack exception in force/.test(v.message)));
        });

        it("blocks the same stack without the exception", async () => {
            const result = await runPackOverResources(compliant());
            assert.deepStrictEqual([...new Set(blocking(result).map((v) => v.policyName))], ["https-only-s3"]);
        });

        it("blocks a broken variant with the expected policies", async () => {
            const broken = [...compliant().filter((r) => r.type !== "kubernetes:volsync.backube/v1alpha1:ReplicationSource"), ...brokenExtras()];
            const result = await runPackOverResources(broken, readConfig("apps.json"));
            assert.deepStrictEqual(new Set(blocking(result).map((v) => v.policyName)),
                new Set(["memory-limits", "no-plaintext-credentials", "backup-ttls", "minio-least-privilege", "backup-coverage"]));
        });

        it("every policy gives the same verdicts on its own defaults as with the CLI's schema defaults", async () => {
            const variants = [compliant(), [...compliant(), ...brokenExtras()]];
            for (const resources of variants) {
                const withDefaults = await runPackOverResources(resources);
                const without = await runPackOverResources(resources, {}, undefined, { applySchemaDefaults: false });
                assert.deepStrictEqual(without, withDefaults);
            }
        });

        it("every blocking message names the resource and a fix", async () => {
            const result = await runPackOverResources([...compliant(), ...brokenExtras()]);
            assert.ok(blocking(result).length >= 5);
            for (const v of blocking(result)) {
                assert.match(v.message, /^[A-Za-z]+ "[^"]+"/, `no resource named first: ${v.message}`);
                assert.match(v.message, /\b(Set|Lower|Use|Add|Give|Attach|Remove|Move|Create|Template|Name|Build|List|Deploy|Make|Grant)\b/, `no fix in: ${v.message}`);
            }
        });

        it("a disabled policy does not run", async () => {
            const result = await runPackOverResources(compliant(), { "https-only-s3": { enforcementLevel: "disabled" } });
            assertViolations(result, []);
        });
    });
});
