// What every end-to-end suite with a sandbox of its own does around its tests: start the sandbox in `before`,
// stop it in `after` whether the tests passed or not, and also on SIGINT/SIGTERM (its servers run in process
// groups of their own, so an interrupted run must stop them itself). The folder is removed after a clean run
// and kept, with the servers' logs, after a failure.
import * as fs from "fs";
import * as path from "path";
import { Sandbox, startSandbox } from "../sandbox/sandbox";

export interface SuiteSandbox {
    /** Where the sandbox and the suite's own files live. */
    work: string;
    /** Starts the sandbox in `dir` (the default is startSandbox; a suite may time it). */
    start?: (dir: string) => Promise<Sandbox>;
    /** Receives the started sandbox. */
    started: (sandbox: Sandbox) => void;
    /** Printed at the end: a heading and its lines. */
    summary: () => { heading: string; lines: string[] };
}

/** Registers the hooks in the calling `describe`; returns the running sandbox's getter. */
export function sandboxForSuite(options: SuiteSandbox): () => Sandbox | undefined {
    let sandbox: Sandbox | undefined;
    let failed = false;
    const onSignal = (signal: NodeJS.Signals) => {
        void (sandbox?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };

    before(async function () {
        this.timeout(300_000);
        process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
        sandbox = await (options.start ?? startSandbox)(path.join(options.work, "sandbox"));
        options.started(sandbox);
    });

    afterEach(function () {
        failed ||= this.currentTest?.state === "failed";
    });

    after(async function () {
        this.timeout(120_000);
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
        await sandbox?.stop();
        const { heading, lines } = options.summary();
        console.log(`\n  ${heading}`);
        for (const line of lines) {
            console.log(`    ${line}`);
        }
        if (failed) {
            console.log(`  data and server logs kept in ${options.work}`);
        } else {
            fs.rmSync(options.work, { recursive: true, force: true });
        }
    });
    return () => sandbox;
}
