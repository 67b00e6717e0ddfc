// How the program's cost grows with the number of protected apps, and where the time goes.
// Runs the real program code under Pulumi mocks (no engine, no cluster) for each N in one process, so the
// ratios are fair on a noisy machine: config validation, construction, registration of every resource,
// peak memory, and the policy pack's throughput over the same generated stack. Prints min/median/max.
//
//   npm run bench -- [--runs 5] [--apps 1,20,100,200]
//
// `npm run bench` runs it twice: as is, and with V8's stack-trace limit at 1. The Pulumi SDK captures a
// stack trace for every promise it creates, and under ts-node each one is source-mapped: the second
// table shows what that costs.
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { PackConfig, runPackOverResources } from "../policy/test/harness";
import { runUnderMocks } from "../test/helpers/mockProgram";
import { minimalRawConfig, settingsFrom } from "../test/helpers/settings";
import { format, median, option } from "./figures";

const runs = Number(option("runs", "5"));
const appCounts = option("apps", "1,20,100,200").split(",").map(Number);
const policyConfig = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", "config", "apps.json"), "utf8")) as PackConfig;

function rawConfigWithApps(count: number): Record<string, unknown> {
    const raw = minimalRawConfig();
    raw.volsync = { appDefaults: { copyMethod: "Direct" } };
    raw.apps = Array.from({ length: count }, (_, index) => ({ name: `app-${index}` }));
    return raw;
}

async function main() {
    const nodeOptions = process.env.NODE_OPTIONS ? ` (NODE_OPTIONS=${process.env.NODE_OPTIONS})` : "";
    console.log(`\nProgram under mocks${nodeOptions}, Node ${process.version}, ${runs} runs each; min / median / max\n`);
    console.log("| apps | resources | validation ms | construction ms | all registered ms | peak RSS MiB | policy pack resources/s |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|");
    const totals = new Map<number, number>();
    for (const count of appCounts) {
        const validation: number[] = [];
        const construction: number[] = [];
        const registration: number[] = [];
        const throughput: number[] = [];
        let resourceCount = 0;
        for (let run = 0; run < runs; run++) {
            const validationStart = performance.now();
            const settings = settingsFrom(rawConfigWithApps(count));
            validation.push(performance.now() - validationStart);

            const start = performance.now();
            const { resources } = await runUnderMocks(settings, (deploy) => {
                const constructionStart = performance.now();
                deploy();
                construction.push(performance.now() - constructionStart);
            });
            registration.push(Math.max(...resources.map((resource) => resource.registeredAt)) - start);
            resourceCount = resources.length;

            const records = resources.map((resource) => ({ type: resource.type, name: resource.name, props: resource.inputs, urn: resource.urn }));
            const policyStart = performance.now();
            await runPackOverResources(records, policyConfig);
            throughput.push(records.length / ((performance.now() - policyStart) / 1000));
        }
        totals.set(count, median(registration));
        const peakRss = process.resourceUsage().maxRSS / 1024;
        console.log(`| ${count} | ${resourceCount} | ${format(validation, 1)} | ${format(construction)} | ${format(registration)} | ${peakRss.toFixed(0)} | ${format(throughput)} |`);
    }
    const [small, large] = [totals.get(20), totals.get(200)];
    if (small && large) {
        console.log(`\nt(200) = ${(large / 1000).toFixed(2)} s (target ≤ 5 s); t(200)/t(20) = ${(large / small).toFixed(1)} (target ≤ 12)`);
    }
    console.log("peak RSS is the process's high-water mark so far (N runs in ascending order).");
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
