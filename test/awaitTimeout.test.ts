import * as assert from "assert";
import { awaitTimeoutTransform } from "../components/awaitTimeout";

describe("kubernetes.awaitTimeout", () => {
    const transform = awaitTimeoutTransform("90s");
    const args = (type: string, custom = true) => ({ type, name: "x", custom, props: { spec: { replicas: 2 } }, opts: { protect: false } });

    it("sets create and update timeouts on every kubernetes object, chart children included, keeping its other options", async () => {
        const result = await transform(args("kubernetes:apps/v1:Deployment"));
        assert.deepStrictEqual(result?.opts?.customTimeouts, { create: "90s", update: "90s" });
        assert.strictEqual(result?.opts?.protect, false);
        assert.deepStrictEqual(result?.props, { spec: { replicas: 2 } });
    });

    it("leaves other providers' resources and components alone", async () => {
        assert.strictEqual(await transform(args("minio:index/s3Bucket:S3Bucket")), undefined);
        assert.strictEqual(await transform(args("kubernetes:helm.sh/v4:Chart", false)), undefined);
    });
});
