// The pull-request gate (scripts/policy-gate.sh runs this after building the pack): previews one stack
// with the policy pack and the stack's pack config, prints the result as Markdown, appends it to
// $GITHUB_STEP_SUMMARY when set, and exits 1 exactly when a mandatory violation or a preview error occurred
// (advisory violations pass, with a warning). Exit 2: bad arguments, nothing was run.
//
//   policy-gate --stack <name> [--cwd <project dir>] [--policy-config <file>] [--summary-file <file>]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { collectEvents, resourceOf, Violation } from "./events";
import { PreviewRequest, PreviewRun, previewWithPolicies } from "./preview";
import { renderSummary } from "./summary";
import { verdict } from "./verdict";

class UsageError extends Error {}

/** What the gate takes from outside: the preview (the Pulumi CLI), the environment and the output streams.
 * Injected by policy/test/gateMain.test.ts, so the exit status is tested without a CLI. */
export interface GateIo {
    preview: (request: PreviewRequest) => Promise<PreviewRun>;
    env: NodeJS.ProcessEnv;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

const processIo: GateIo = {
    preview: previewWithPolicies,
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

/** The pack's own directory (holds PulumiPolicy.yaml), from wherever this file was compiled to. */
function packDirectory(): string {
    for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) {
            return dir;
        }
    }
    throw new Error(`policy-gate: no PulumiPolicy.yaml above ${__dirname}`);
}

interface GateOptions {
    stack: string;
    projectDir: string;
    packDir: string;
    configFile: string;
    summaryFile?: string;
}

function options(argv: string[]): GateOptions {
    const { values } = parseArgs({
        args: argv,
        options: {
            "stack": { type: "string" },
            "cwd": { type: "string" },
            "policy-config": { type: "string" },
            "summary-file": { type: "string" },
        },
    });
    const stack = values.stack;
    if (!stack) {
        throw new UsageError("--stack is required: the stack to preview, e.g. --stack apps");
    }
    const packDir = packDirectory();
    const projectDir = path.resolve(values.cwd ?? ".");
    if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
        throw new UsageError(`--cwd: ${projectDir} has no Pulumi.yaml; pass the Pulumi project's directory`);
    }
    const configFile = path.resolve(values["policy-config"] ?? path.join(packDir, "config", `${stack}.json`));
    if (!fs.existsSync(configFile)) {
        throw new UsageError(`--policy-config: ${configFile} does not exist; every gated stack needs its pack config `
            + `(policy/config/<stack>.json, "{}" when the stack has no exceptions)`);
    }
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(configFile, "utf8"));
    } catch (error) {
        throw new UsageError(`--policy-config: ${configFile} is not valid JSON (${(error as Error).message}); expected an object of policy name → settings`);
    }
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new UsageError(`--policy-config: ${configFile} holds ${JSON.stringify(config)}; expected an object of policy name → settings`);
    }
    return { stack, projectDir, packDir, configFile, summaryFile: values["summary-file"] };
}

/** A workflow command (`::error ...::`) so each violation is an annotation on the run. */
function annotation(violation: Violation): string {
    const escape = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
    const title = escape(violation.policy).replace(/:/g, "%3A").replace(/,/g, "%2C");
    const resource = violation.urn ? `${resourceOf(violation.urn).name}: ` : "";
    return `::${violation.blocking ? "error" : "warning"} title=${title}::${escape(resource + violation.message)}`;
}

async function main(argv: string[], io: GateIo): Promise<number> {
    const gate = options(argv);
    const run = await io.preview({
        stack: gate.stack, projectDir: gate.projectDir, packDir: gate.packDir, configFile: gate.configFile,
        onOutput: io.stderr,
    });
    const events = collectEvents(run.events);
    const result = verdict(events, run.failure !== undefined);
    const repoRoot = path.dirname(gate.packDir);
    const shownConfig = path.relative(repoRoot, gate.configFile).startsWith("..") ? gate.configFile : path.relative(repoRoot, gate.configFile);
    const summary = renderSummary({ stack: gate.stack, configFile: shownConfig, events, verdict: result, failure: run.failure });

    io.stdout(`\n${summary}`);
    if (gate.summaryFile) {
        fs.writeFileSync(gate.summaryFile, summary);
    }
    if (io.env.GITHUB_STEP_SUMMARY) {
        fs.appendFileSync(io.env.GITHUB_STEP_SUMMARY, summary);
    }
    if (io.env.GITHUB_ACTIONS === "true") {
        events.violations.forEach((violation) => io.stdout(`${annotation(violation)}\n`));
    }
    const advisory = events.violations.filter((violation) => !violation.blocking).length;
    const outcome = {
        passed: "passed",
        advisory: `passed with a warning: ${advisory} advisory violation(s)`,
        blocked: "blocked: mandatory policy violation(s)",
        failed: "blocked: the preview failed",
    }[result.outcome];
    io.stderr(`policy-gate: stack ${gate.stack}: ${outcome}\n`);
    return result.exitCode;
}

/** The gate's exit status for `argv`: 0 passed (advisory violations only warn), 1 blocked or failed, 2 bad arguments. */
export async function runGate(argv: string[], io: GateIo = processIo): Promise<number> {
    try {
        return await main(argv, io);
    } catch (error) {
        io.stderr(`policy-gate: ${error instanceof UsageError ? error.message : (error as Error).stack ?? error}\n`);
        return error instanceof UsageError ? 2 : 1;
    }
}

if (require.main === module) {
    void runGate(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
