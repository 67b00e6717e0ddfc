// How the program's cost grows with the number of protected apps, and where the time goes.
// Runs the real program code under Pulumi mocks (no engine, no cluster): config validation, component
// construction, and registration of every resource. Prints min/median/max over repeated runs.
//
//   npm run bench -- [--runs 5] [--apps 1,10,50,100,200]
//
// `npm run bench` runs it twice: as is, and with V8's stack-trace limit at 1. The Pulumi SDK captures a
// stack trace for every promise it creates, and under ts-node each one is source-mapped: the second
// table shows what that costs.
import { performance } from "perf_hooks";
import { runUnderMocks } from "../test/helpers/mockProgram";
import { minimalRawConfig, settingsFrom } from "../test/helpers/settings";

function option(name: string, fallback: string): string {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : fallback;
}

const runs = Number(option("runs", "5"));
const appCounts = option("apps", "1,10,50,100,200").split(",").map(Number);

function rawConfigWithApps(count: number): Record<string, unknown> {
    const raw = minimalRawConfig();
    raw.volsync = { appDefaults: { copyMethod: "Direct" } };
    raw.apps = Array.from({ length: count }, (_, index) => ({ name: `app-${index}` }));
    return raw;
}

const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};
const format = (values: number[]) => {
    const { min, median, max } = stats(values);
    return `${min.toFixed(1)} / ${median.toFixed(1)} / ${max.toFixed(1)}`;
};

async function main() {
    const nodeOptions = process.env.NODE_OPTIONS ? ` (NODE_OPTIONS=${process.env.NODE_OPTIONS})` : "";
    console.log(`\nProgram under mocks${nodeOptions}, ${runs} runs each; times in ms as min / median / max\n`);
    console.log("| apps | resources | config validation | construction (sync) | all registered | per app (median) | heap used (MiB) |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|");
    for (const count of appCounts) {
        const validation: number[] = [];
        const construction: number[] = [];
        const registration: number[] = [];
        const heap: number[] = [];
        let resourceCount = 0;
        for (let run = 0; run < runs; run++) {
            const raw = rawConfigWithApps(count);
            const validationStart = performance.now();
            const settings = settingsFrom(raw);
            validation.push(performance.now() - validationStart);

            const start = performance.now();
            const { resources } = await runUnderMocks(settings, (deploy) => {
                const constructionStart = performance.now();
                deploy();
                construction.push(performance.now() - constructionStart);
            });
            registration.push(Math.max(...resources.map((resource) => resource.registeredAt)) - start);
            heap.push(process.memoryUsage().heapUsed / 2 ** 20);
            resourceCount = resources.length;
        }
        const perApp = stats(registration).median / count;
        console.log(`| ${count} | ${resourceCount} | ${format(validation)} | ${format(construction)} | ${format(registration)} | ${perApp.toFixed(2)} | ${format(heap)} |`);
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
