// Settings that are valid but likely wrong produce Pulumi warnings, never errors.
import * as assert from "assert";
import { preflightWarnings } from "../components/preflight";
import { configNamespace, minimalRawConfig, settingsFrom } from "./helpers/settings";

describe("preflight warnings", function () {
    const warningsFor = (monitoring: Record<string, unknown> | undefined) =>
        preflightWarnings(settingsFrom({ ...minimalRawConfig(), ...(monitoring ? { monitoring } : {}) }), configNamespace);

    it("warns when monitoring is on (the default) and no label is set, naming the key and kube-prometheus-stack's selector", function () {
        const [warning, ...others] = warningsFor(undefined);
        assert.deepStrictEqual(others, []);
        assert.match(warning, /^storage-backup:monitoring\.labels is empty: /);
        assert.match(warning, /release: <its Helm release name>/);
        assert.deepStrictEqual(warningsFor({ enabled: true, labels: {} }), [warning]);
    });

    it("is quiet once a label is set, or with monitoring off", function () {
        assert.deepStrictEqual(warningsFor({ labels: { release: "kube-prometheus-stack" } }), []);
        assert.deepStrictEqual(warningsFor({ enabled: false }), []);
    });
});
