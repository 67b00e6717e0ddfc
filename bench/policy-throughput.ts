/**
 * Policy evaluation throughput: a few thousand generated resources of the kinds the stack creates,
 * evaluated through every policy of the pack the way the analyzer does (per policy: Struct
 * round trip, deserialize, unknown-checking proxy), plus the stack policies over the whole set.
 *
 *   cd policy && npx ts-node --project tsconfig.json ../bench/policy-throughput.ts [resources] [runs]
 *
 * Prints resources/s as min/median/max over the runs; the target is >= 5,000 resources/s.
 */
import { ResourceRecord, runPackOverResources } from "../policy/test/harness";
import { allPolicies } from "../policy/policies";
import { container, deployment, goodRestic, helmChart, k8s, pvc, replicationSource, schedule, workload } from "../policy/test/fixtures";

const TARGET_PER_SECOND = 5_000;

/** One app's worth of resources: workload, its PVC and backups, credentials plumbing. */
function app(i: number): ResourceRecord[] {
    const name = `app-${i}`;
    const ns = `ns-${i % 50}`;
    const env = [{ name: "LOG_LEVEL", value: "info" }, { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name, key: "password" } } }];
    return [
        deployment(name, [container("app", { request: "128Mi", limit: "256Mi" }, { env }), container("sidecar")], ns),
        workload("CronJob", `${name}-report`, { containers: [container("report")] }, ns),
        pvc(name, ns),
        replicationSource(name, goodRestic, name, ns),
        k8s("external-secrets.io/v1", "ExternalSecret", `${name}-restic-secret`, {
            spec: { target: { template: { data: { RESTIC_REPOSITORY: `s3:https://minio.lan:9000/backups/${name}`, RESTIC_PASSWORD: "{{ .password }}" } } } },
        }, ns),
        { ...k8s("v1", "ConfigMap", `${name}-settings`, { data: { "app.yaml": "log: info\nport: 8080\n" } }, ns), type: "kubernetes:core/v1:ConfigMap" },
        {
            type: "minio:index/iamPolicy:IamPolicy", name, props: {
                policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: [`arn:aws:s3:::backups-${i}`, `arn:aws:s3:::backups-${i}/*`] }] }),
            },
        },
        schedule(`${name}-daily`, { includedNamespaces: [ns], ttl: "720h0m0s" }),
    ];
}

function generate(count: number): ResourceRecord[] {
    const resources: ResourceRecord[] = [
        helmChart("velero", { credentials: { existingSecret: "velero-credentials" }, schedules: { nightly: { template: { ttl: "240h" } } } }),
        { ...k8s("storage.k8s.io/v1", "StorageClass", "openebs-hostpath", { provisioner: "openebs.io/local", volumeBindingMode: "WaitForFirstConsumer" }), type: "kubernetes:storage.k8s.io/v1:StorageClass" },
    ];
    for (let i = 0; resources.length < count; i++) {
        resources.push(...app(i));
    }
    return resources.slice(0, count);
}

async function main(): Promise<void> {
    const count = Number(process.argv[2] ?? 3000);
    const runs = Number(process.argv[3] ?? 7);
    const resources = generate(count);
    const rates: number[] = [];
    await runPackOverResources(resources); // warm-up: module loading and JIT
    for (let run = 0; run < runs; run++) {
        const start = process.hrtime.bigint();
        const result = await runPackOverResources(resources);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (result.violations.length > 0) {
            throw new Error(`generated resources should be compliant, got: ${result.violations[0].message}`);
        }
        rates.push(count / seconds);
    }
    rates.sort((a, b) => a - b);
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(`policy-throughput: ${count} resources x ${allPolicies.length} policies, ${runs} runs, node ${process.version}`);
    console.log(`resources/s: min ${fmt(rates[0])}  median ${fmt(rates[Math.floor(runs / 2)])}  max ${fmt(rates[runs - 1])}  (target >= ${fmt(TARGET_PER_SECOND)})`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
