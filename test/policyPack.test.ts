// The program, evaluated under mocks, against the whole policy pack as `pulumi preview --policy-pack`
// would run it: the apps stack passes with its policy config; a broken variant is blocked.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { blocking, PackConfig, ResourceRecord, runPackOverResources } from "../policy/test/harness";
import { RegisteredResource, runUnderMocks } from "./helpers/mockProgram";
import { settingsFrom, stackFileConfig } from "./helpers/settings";

function records(resources: RegisteredResource[]): ResourceRecord[] {
    return resources.map((resource) => ({ type: resource.type, name: resource.name, props: resource.inputs, urn: resource.urn }));
}

const appsPolicyConfig = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", "config", "apps.json"), "utf8")) as PackConfig;

const IAM_POLICY = "minio:index/iamPolicy:IamPolicy";

/** The registered policy with `action` appended to its first statement's actions, and the field that now holds it. */
function withAddedAction(record: ResourceRecord, action: string): { record: ResourceRecord; field: string } {
    const document = JSON.parse(String(record.props.policy));
    const first = document.Statement[0];
    first.Action = [first.Action].flat();
    const field = `Statement[0].Action[${first.Action.length}]`;
    first.Action.push(action);
    return { record: { ...record, props: { ...record.props, policy: JSON.stringify(document) } }, field };
}

describe("policy pack over the program", function () {
    it("the apps stack passes every mandatory policy with its policy config", async function () {
        const { resources } = await runUnderMocks(settingsFrom(stackFileConfig("apps")));
        const result = await runPackOverResources(records(resources), appsPolicyConfig);
        assert.deepStrictEqual(blocking(result).map((violation) => `${violation.policyName}: ${violation.message}`), []);
        // The plain-http MinIO is reported, as an advisory exception rather than silently allowed.
        assert.ok(result.violations.some((violation) => violation.policyName === "https-only-s3" && violation.enforcementLevel === "advisory"));
    });

    it("the apps stack without its exception is blocked by the HTTPS rule", async function () {
        const { resources } = await runUnderMocks(settingsFrom(stackFileConfig("apps")));
        const result = await runPackOverResources(records(resources), {});
        assert.deepStrictEqual([...new Set(blocking(result).map((violation) => violation.policyName))], ["https-only-s3"]);
    });

    it("a broken variant fails with the expected policies", async function () {
        const raw = stackFileConfig("apps") as Record<string, any>;
        raw.openebs.resources = { requests: { memory: "256Mi" }, limits: { memory: "2Gi" } };
        raw.velero.schedule.ttl = "8760h";
        raw.apps[0].moverResources = { limits: { memory: "64Gi" } };
        const { resources } = await runUnderMocks(settingsFrom(raw));
        const result = await runPackOverResources(records(resources), appsPolicyConfig);
        const failed = new Set(blocking(result).map((violation) => violation.policyName));
        for (const expected of ["memory-limits", "backup-ttls"]) {
            assert.ok(failed.has(expected), `expected ${expected} to block; blocked: ${[...failed]}`);
        }
    });

    describe("the program's own MinIO policies, as it registers them", function () {
        let resources: ResourceRecord[] = [];
        before(async function () {
            resources = records((await runUnderMocks(settingsFrom(stackFileConfig("apps")))).resources);
        });

        it("are checked by minio-least-privilege and pass it", async function () {
            const policies = resources.filter((resource) => resource.type === IAM_POLICY);
            assert.deepStrictEqual(policies.map((policy) => policy.name).sort(), ["velero", "volsync"]);
            for (const policy of policies) {
                assert.strictEqual(typeof policy.props.policy, "string", `${policy.name}: the document must be known when the pack runs`);
                const result = await runPackOverResources([policy], appsPolicyConfig);
                assert.deepStrictEqual(result.violations, []);
                assert.ok(!result.notApplicable.some((entry) => entry.policyName === "minio-least-privilege"), `${policy.name} was not checked`);
            }
        });

        // Rights over the bucket itself let a backup user destroy the backups: adding one to the program must fail.
        for (const action of ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"]) {
            it(`blocks the registered policies with ${action} added`, async function () {
                const expected: string[] = [];
                const modified = resources.map((resource) => {
                    if (resource.type !== IAM_POLICY) {
                        return resource;
                    }
                    const { record, field } = withAddedAction(resource, action);
                    expected.push(`IamPolicy "${resource.name}": policy ${field} is "${action}"`);
                    return record;
                });
                const blocked = blocking(await runPackOverResources(modified, appsPolicyConfig));
                assert.deepStrictEqual(blocked.map((violation) => violation.policyName), ["minio-least-privilege", "minio-least-privilege"]);
                for (const start of expected) {
                    assert.ok(blocked.some((violation) => violation.message.startsWith(start) && /Remove it/.test(violation.message)),
                        `no violation starts with ${start}: ${blocked.map((violation) => violation.message).join("\n")}`);
                }
            });
        }
    });
});
