// Components carrying Kubernetes type tokens: the engine shows their inputs to the analyzer like any
// resource's, so the pack runs against them without a cluster or a Kubernetes provider plugin.
// E2E_CASE picks the variant: compliant, over-limit (3Gi limit), unknown (limit known only after create) or
// throws (the program fails: a preview error that is no policy's).
const pulumi = require("@pulumi/pulumi");

class Stand extends pulumi.ComponentResource {
    constructor(type, name, props) {
        super(type, name, props, {});
        this.registerOutputs({});
    }
}

// A provider resource's computed output is unknown at preview while it is being created. The random
// provider is the one plugin the toolchain ships that needs no service; no npm package is needed for it.
function valueKnownOnlyAfterCreate() {
    const random = new pulumi.CustomResource("random:index/randomInteger:RandomInteger", "limit", { min: 64, max: 128, result: undefined });
    return pulumi.interpolate`${random.result}Mi`;
}

if (process.env.E2E_CASE === "throws") {
    throw new Error("the fixture program failed on purpose");
}

function memoryLimit(variant) {
    if (variant === "over-limit") {
        return "3Gi";
    }
    if (variant === "unknown") {
        return valueKnownOnlyAfterCreate();
    }
    return "128Mi";
}

new Stand("kubernetes:apps/v1:Deployment", "app", {
    metadata: { name: "app", namespace: "apps" },
    spec: { template: { spec: { containers: [{
        name: "app",
        resources: { requests: { memory: "64Mi" }, limits: { memory: memoryLimit(process.env.E2E_CASE) } },
    }] } } },
});
new Stand("kubernetes:velero.io/v1:BackupStorageLocation", "bsl", {
    metadata: { name: "default", namespace: "velero" },
    spec: { provider: "aws", config: { s3Url: "http://10.25.11.3:9000" } },
});
