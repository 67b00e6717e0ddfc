// What the policy gate adds to a pull request's `pulumi preview` (issue 13), on one sandbox with the `local`
// stack deployed (test/sandbox: real engine, real kubernetes provider, upstream charts). Interleaved runs of:
//   none        the preview alone
//   typescript  with the pack as TypeScript (package.json main: index.ts), as it shipped before: the
//               analyzer type-checks it with ts-node on every preview
//   compiled    with the pack compiled to JavaScript (policy/bin), as the gate runs it
//   empty       with a compiled pack of zero policies: what starting any analyzer costs
//   gate        scripts/policy-gate.sh end to end (build check, Automation API, summary)
// then one traced preview per variant (`--otel-traces`), which splits the analyzer's part into start-up
// (process start to its last configuration call, before the program runs) and policy calls.
// Every preview runs with PULUMI_NODEJS_TRANSPILE_ONLY=true, as the PR workflow does. Figures only, never a test.
//
//   bash bench/pack-cost.sh [--runs 5]
import * as fs from "fs";
import * as path from "path";
import { run } from "../test/e2e/clients";
import { repoRoot, Sandbox, stackName } from "../test/sandbox/sandbox";
import { format, median, option } from "./figures";
import { benchOnSandbox, load } from "./sandboxRun";
import { readSpans, Span } from "./traces";

const runs = Number(option("runs", "5"));
const policyDir = path.join(repoRoot, "policy");
const gateScript = path.join(repoRoot, "scripts", "policy-gate.sh");
const previewEnv = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

/** The pack as it shipped before: the same sources, loaded as TypeScript. */
function typescriptPack(work: string): string {
    const dir = path.join(work, "pack-typescript");
    fs.mkdirSync(dir);
    for (const entry of ["PulumiPolicy.yaml", "index.ts", "policies.ts", "policies", "lib", "node_modules", "tsconfig.json"]) {
        fs.symlinkSync(path.join(policyDir, entry), path.join(dir, entry));
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(policyDir, "package.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...manifest, main: "index.ts" }));
    return dir;
}

/** A compiled pack with no policies, next to the same node_modules and tsconfig.json as the real one. */
function emptyPack(work: string): string {
    const dir = path.join(work, "pack-empty");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "empty-pack", version: "0.0.0", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), 'const { PolicyPack } = require("@pulumi/policy");\nnew PolicyPack("empty", { policies: [] });\n');
    for (const entry of ["node_modules", "tsconfig.json"]) {
        fs.symlinkSync(path.join(policyDir, entry), path.join(dir, entry));
    }
    return dir;
}

interface Variant {
    name: string;
    /** Seconds of one run; `trace` set: write the CLI's spans there. */
    measure: (trace?: string) => Promise<number>;
}

function variants(sandbox: Sandbox, work: string): Variant[] {
    const config = path.join(work, "no-exceptions.json");
    fs.writeFileSync(config, "{}");
    const preview = (pack: string | undefined) => async (trace?: string) => {
        const args = ["preview", "--stack", stackName, "--expect-no-changes",
            ...(pack ? ["--policy-pack", pack, "--policy-pack-config", config] : []), ...(trace ? ["--otel-traces", `file://${trace}`] : [])];
        return (await sandbox.pulumi(args, { env: previewEnv })).seconds;
    };
    const gate = async () => {
        const started = Date.now();
        const result = await run("bash", [gateScript, "--stack", stackName, "--cwd", sandbox.projectDir, "--policy-config", config],
            sandbox.env({ ...previewEnv, GITHUB_STEP_SUMMARY: "", GITHUB_ACTIONS: "" }));
        if (result.code !== 0) {
            throw new Error(`the gate failed on the sandbox stack:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
        }
        return (Date.now() - started) / 1000;
    };
    return [
        { name: "none", measure: preview(undefined) },
        { name: "typescript", measure: preview(typescriptPack(work)) },
        { name: "compiled", measure: preview(policyDir) },
        { name: "empty", measure: preview(emptyPack(work)) },
        { name: "gate", measure: gate },
    ];
}

interface Breakdown {
    wall: number;
    /** From the analyzer's process start to the end of its last set-up call. */
    analyzerStart: number;
    /** Analyze, AnalyzeStack and Remediate calls: count and summed duration. */
    calls: number;
    callSeconds: number;
    /** When the program started, from the CLI's start. */
    programStart: number;
}

const analyzerSetup = ["Handshake", "ConfigureStack", "GetPluginInfo", "GetAnalyzerInfo", "Configure"].map((method) => `pulumirpc.Analyzer/${method}`);
const analyzerCalls = ["Analyze", "AnalyzeStack", "Remediate"].map((method) => `pulumirpc.Analyzer/${method}`);

function breakdown(spans: Span[], wall: number): Breakdown {
    const origin = Math.min(...spans.map((span) => span.start));
    const started = spans.filter((span) => span.name === "newPlugin" && span.attributes.kind === "analyzer");
    const setup = spans.filter((span) => analyzerSetup.includes(span.name));
    const calls = spans.filter((span) => analyzerCalls.includes(span.name));
    const program = spans.find((span) => span.name === "run-program");
    return {
        wall,
        analyzerStart: started.length > 0 ? Math.max(...setup.map((span) => span.end)) - Math.min(...started.map((span) => span.start)) : 0,
        calls: calls.length,
        callSeconds: calls.reduce((total, span) => total + span.end - span.start, 0),
        programStart: program ? program.start - origin : NaN,
    };
}

function printTables(names: string[], seconds: Map<string, number[]>, traced: Map<string, Breakdown>): void {
    const base = median(seconds.get("none")!);
    console.log(`\n### Preview of the sandbox stack with and without the pack (s; ${runs} runs, min / median / max; load at end ${load()})\n`);
    console.log("| variant | seconds | added to the preview (medians) | added / preview |");
    console.log("|---|---:|---:|---:|");
    for (const name of names) {
        const added = median(seconds.get(name)!) - base;
        console.log(`| ${name} | ${format(seconds.get(name)!, 1)} | ${name === "none" ? "" : added.toFixed(1)} | ${name === "none" ? "" : `${(100 * added / base).toFixed(0)} %`} |`);
    }
    console.log("\n### One traced preview per variant (s; the trace's own overhead included)\n");
    console.log("| variant | wall | analyzer start-up | policy calls (count, summed) | program starts at | program start delayed by |");
    console.log("|---|---:|---:|---:|---:|---:|");
    const none = traced.get("none")!;
    for (const [name, figures] of traced) {
        console.log(`| ${name} | ${figures.wall.toFixed(1)} | ${name === "none" ? "" : figures.analyzerStart.toFixed(2)} | ${name === "none" ? "" : `${figures.calls}, ${figures.callSeconds.toFixed(2)}`} `
            + `| ${figures.programStart.toFixed(2)} | ${name === "none" ? "" : (figures.programStart - none.programStart).toFixed(2)} |`);
    }
}

benchOnSandbox("Policy gate cost", async (sandbox, work) => {
    await sandbox.pulumi(["up", "--stack", stackName, "--yes", "--skip-preview"]);
    // The build the gate does before every preview; the compiled variant needs its output too.
    const build = await run("npm", ["run", "--silent", "--prefix", policyDir, "build"], sandbox.env());
    if (build.code !== 0) {
        throw new Error(`npm run build (policy) failed: ${build.stderr}`);
    }
    const all = variants(sandbox, work);
    const seconds = new Map(all.map((variant) => [variant.name, [] as number[]]));
    for (let index = 0; index < runs; index++) {
        for (const variant of all) {
            seconds.get(variant.name)!.push(await variant.measure());
        }
        console.error(`bench: run ${index + 1}/${runs}: ${all.map((variant) => `${variant.name} ${seconds.get(variant.name)!.at(-1)!.toFixed(1)}`).join(", ")} s (load ${load()})`);
    }
    const traced = new Map<string, Breakdown>();
    for (const variant of all.filter((candidate) => candidate.name !== "gate")) {
        const trace = path.join(work, `trace-${variant.name}.json`);
        const wall = await variant.measure(trace);
        traced.set(variant.name, breakdown(readSpans(trace), wall));
    }
    printTables(all.map((variant) => variant.name), seconds, traced);
});
