// The frame every sandbox bench runs in: a fresh sandbox in a temp folder, the machine printed with the
// figures, and the servers stopped afterwards, also on failure or Ctrl-C (a failed run keeps its folder for
// the logs).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Sandbox, startSandbox } from "../test/sandbox/sandbox";

export const load = () => os.loadavg().map((value) => value.toFixed(1)).join(" / ");

export function benchOnSandbox(title: string, body: (sandbox: Sandbox, work: string) => Promise<void>): void {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "storage-backup-bench-"));
    let sandbox: Sandbox | undefined;
    // The servers run in process groups of their own: an interrupted run must stop them itself.
    const onSignal = (signal: NodeJS.Signals) => {
        void (sandbox?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
    const cpus = os.cpus();
    console.log(`## ${title}\n\n${cpus.length} × ${cpus[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load at start ${load()}; work folder ${work}`);
    const run = async () => {
        let failed = true;
        try {
            sandbox = await startSandbox(path.join(work, "sandbox"));
            await body(sandbox, work);
            failed = false;
        } finally {
            process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
            await sandbox?.stop();
            if (failed) {
                console.error(`bench: failed; data and server logs kept in ${work}`);
            } else {
                fs.rmSync(work, { recursive: true, force: true });
            }
        }
    };
    run().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
