/**
 * Policy evaluation throughput: a few thousand generated resources of the kinds the stack creates,
 * evaluated through every policy of the pack the way the analyzer does (per policy: deserialize the
 * request's Struct, wrap it in the unknown-checking proxy, validate), plus the stack policies over the
 * whole set. Encoding the resources into Structs is the engine's work and happens before the timing.
 *
 *   cd policy && npx ts-node --project tsconfig.json ../bench/policy-throughput.ts [resources] [runs]
 *
 * Prints resources/s as min/median/max over the runs; the target is >= 5,000 resources/s.
 */
import * as os from "os";
import { onTheWire, ResourceRecord, runPackOverResources } from "../policy/test/harness";
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
                policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`arn:aws:s3:::backups-${i}`, `arn:aws:s3:::backups-${i}/*`] }] }),
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
    const resources = onTheWire(generate(count));
    const wall: number[] = [];
    const cpu: number[] = [];
    await runPackOverResources(resources); // warm-up: module loading and JIT
    for (let run = 0; run < runs; run++) {
        const start = process.hrtime.bigint();
        const cpuStart = process.cpuUsage();
        const result = await runPackOverResources(resources);
        const cpuUsed = process.cpuUsage(cpuStart);
        wall.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
        // CPU time too: on a shared 2-core machine wall time measures the neighbours as much as the pack.
        cpu.push(count / ((cpuUsed.user + cpuUsed.system) / 1e6));
        if (result.violations.length > 0) {
            throw new Error(`generated resources should be compliant, got: ${result.violations[0].message}`);
        }
    }
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    const summary = (rates: number[]) => {
        const sorted = [...rates].sort((a, b) => a - b);
        return `min ${fmt(sorted[0])}  median ${fmt(sorted[Math.floor(runs / 2)])}  max ${fmt(sorted[runs - 1])}`;
    };
    console.log(`policy-throughput: ${count} resources x ${allPolicies.length} policies, ${runs} runs, node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`);
    console.log(`resources/s (wall): ${summary(wall)}  (target >= ${fmt(TARGET_PER_SECOND)})`);
    console.log(`resources/s (cpu):  ${summary(cpu)}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
