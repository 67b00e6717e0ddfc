// Every custom resource the program creates, in every shape the config can give it, is valid against
// the real upstream CRD schema.
import * as assert from "assert";
import { CrdCatalog } from "./helpers/crdSchemas";
import { RegisteredResource, runUnderMocks } from "./helpers/mockProgram";
import { everyOptionRawConfig, settingsFrom, stackFileConfig } from "./helpers/settings";

const builtInGroups = /^(v1|apps\/v1|storage\.k8s\.io\/v1|rbac\.authorization\.k8s\.io\/v1|batch\/v1)$/;

function customResources(resources: RegisteredResource[]): RegisteredResource[] {
    return resources.filter((resource) => resource.custom && resource.type.startsWith("kubernetes:")
        && resource.inputs.apiVersion && !builtInGroups.test(resource.inputs.apiVersion));
}

describe("custom resources against the upstream CRD schemas", function () {
    const catalog = new CrdCatalog();

    for (const [label, raw] of [["apps stack", () => stackFileConfig("apps")], ["every kind and copy method", everyOptionRawConfig]] as const) {
        it(`${label}: each custom resource validates`, async function () {
            const { resources } = await runUnderMocks(settingsFrom(raw()));
            const objects = customResources(resources);
            assert.ok(objects.length > 0);
            const failures = objects.flatMap((resource) => catalog.errors(resource.inputs as { apiVersion: string; kind: string })
                .map((error) => `${resource.inputs.kind} ${resource.inputs.metadata?.name}: ${error}`));
            assert.deepStrictEqual(failures, []);
        });
    }

    it("the every-kind config covers each kind the program can create", async function () {
        const { resources } = await runUnderMocks(settingsFrom(everyOptionRawConfig()));
        const kinds = new Set(customResources(resources).map((resource) => resource.inputs.kind));
        assert.deepStrictEqual([...kinds].sort(), ["BackupStorageLocation", "ExternalSecret", "PrometheusRule", "ReplicationDestination",
            "ReplicationSource", "Schedule", "ServiceMonitor", "VolumeSnapshotClass", "VolumeSnapshotLocation"]);
    });

    it("rejects an unknown field, a wrong type and a missing required field", function () {
        const base = { apiVersion: "velero.io/v1", kind: "BackupStorageLocation", metadata: { name: "x" } };
        assert.deepStrictEqual(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" } } } as any), []);
        assert.ok(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" }, bukket: "b" } } as any).some((error) => error.includes("bukket")));
        assert.ok(catalog.errors({ ...base, spec: { provider: "aws", objectStorage: { bucket: "b" }, config: { s3ForcePathStyle: true } } } as any).length > 0);
        assert.ok(catalog.errors({ ...base, spec: { objectStorage: { bucket: "b" } } } as any).some((error) => error.includes("provider")));
        assert.ok(catalog.errors({ apiVersion: "external-secrets.io/v1beta1", kind: "ExternalSecret" }).some((error) => error.includes("no served CRD")));
    });
});
