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
});
