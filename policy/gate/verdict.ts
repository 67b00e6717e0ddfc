// The gate's decision: a mandatory violation or a failed preview blocks the merge; advisory violations
// only warn.
import { GateEvents } from "./events";

export type Outcome = "passed" | "advisory" | "blocked" | "failed";

export interface Verdict {
    outcome: Outcome;
    exitCode: 0 | 1;
}

export function verdict(events: GateEvents, previewFailed: boolean): Verdict {
    if (events.violations.some((violation) => violation.blocking)) {
        return { outcome: "blocked", exitCode: 1 };
    }
    if (previewFailed) {
        return { outcome: "failed", exitCode: 1 };
    }
    return { outcome: events.violations.length > 0 ? "advisory" : "passed", exitCode: 0 };
}
