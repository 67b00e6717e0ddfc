import { Policy, ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import * as assert from "assert";
import { resourceArgs, runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const probe: ResourceValidationPolicy = {
    name: "probe",
    description: "Reads a field without guarding against unknowns.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { threshold: { type: "integer", default: 3 } } },
    validateResource: (args, report) => {
        report(`value is ${String(args.props.spec.value)}`);
    },
};
const record = (value: unknown) => ({ type: "kubernetes:core/v1:ConfigMap", name: "probe", props: { spec: { value }, dropped: undefined } });

describe("test harness (mirrors the @pulumi/policy 1.21 server)", () => {
    it("wraps props in the runtime's unknown-checking proxy", () => {
        const args = resourceArgs(record(UNKNOWN_AT_PREVIEW), probe);
        assert.throws(() => args.props.spec.value, (e: unknown) => e instanceof UnknownValueError);
        assert.ok(!("dropped" in args.props), "undefined inputs never reach the analyzer");
    });

    it("turns an uncaught unknown into an advisory 'can't run' diagnostic, as the server does", async () => {
        const r = await runPolicy(probe, record(UNKNOWN_AT_PREVIEW));
        assert.strictEqual(r.violations.length, 1);
        assert.strictEqual(r.violations[0].enforcementLevel, "advisory");
        assert.match(r.violations[0].message, /can't run policy 'probe' during preview: string value at \.spec\.value can't be known during preview/);
    });

    it("builds the server's opts, stackTags, isType/asType, getConfig and notApplicable", () => {
        const args = resourceArgs({ ...record(1), parent: "urn:parent" }, probe, { probe: { enforcementLevel: "advisory" } }, { stackTags: { team: "storage" } });
        assert.deepStrictEqual(args.opts, {
            protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], parent: "urn:parent",
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        });
        assert.strictEqual(args.stackTags.get("team"), "storage");
        assert.ok(args.isType({ __pulumiType: "kubernetes:core/v1:ConfigMap" } as never));
        assert.strictEqual(args.asType({ __pulumiType: "kubernetes:core/v1:Secret" } as never), undefined);
        assert.deepStrictEqual(args.getConfig(), { threshold: 3 }, "schema defaults in, enforcementLevel out");
        assert.throws(() => args.notApplicable("nope"), /nope/);
    });

    it("resolves levels as the server does: config, then policy, then pack", async () => {
        const unleveled: Policy = { ...probe, enforcementLevel: undefined };
        assert.strictEqual((await runPolicy(probe, record(1), { probe: { enforcementLevel: "advisory" } })).violations[0].enforcementLevel, "advisory");
        assert.strictEqual((await runPolicy(unleveled, record(1), {}, { packLevel: "advisory" })).violations[0].enforcementLevel, "advisory");
        assert.strictEqual((await runPolicy(probe, record(1), { probe: { enforcementLevel: "disabled" } })).violations.length, 0);
    });
});
