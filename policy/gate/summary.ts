// The gate's result as Markdown, for the job summary and the pull request comment: a reviewer reads the
// planned changes and every violation (policy, resource, message) here, never in the logs.
import { GateEvents, resourceOf, Violation } from "./events";
import { Verdict } from "./verdict";

export interface SummaryInput {
    stack: string;
    /** The pack config file, as the reader should see its path (relative to the repository). */
    configFile: string;
    events: GateEvents;
    verdict: Verdict;
    /** The end of the CLI's error output when the preview failed with no error diagnostic to show. */
    failure?: string;
}

/** Rows past this go unlisted (a PR comment holds 65536 characters); the counts stay complete. */
export const MAX_ROWS = 200;

/** Marks the comment of one stack, so that a later run edits it instead of adding another. */
export const commentMarker = (stack: string) => `<!-- policy-gate:${stack} -->`;

const headline: Record<Verdict["outcome"], (events: GateEvents) => string> = {
    passed: () => "✅ passed",
    advisory: (events) => `⚠️ passed with ${count(events.violations.length, "advisory violation")}`,
    blocked: (events) => `❌ blocked by ${count(events.violations.filter((violation) => violation.blocking).length, "mandatory violation")}`,
    failed: () => "❌ the preview failed",
};

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** A table cell: no pipe or newline may break the row. */
const cell = (text: string) => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function resourceCell(urn: string | undefined): string {
    if (!urn) {
        return "(the stack)";
    }
    const { type, name } = resourceOf(urn);
    return `${code(name)} (${code(type)})`;
}

function limited<T>(rows: T[], render: (row: T) => string): string[] {
    const lines = rows.slice(0, MAX_ROWS).map(render);
    if (rows.length > MAX_ROWS) {
        lines.push(`\n… and ${rows.length - MAX_ROWS} more (see the job log).`);
    }
    return lines;
}

function violationTable(violations: Violation[]): string[] {
    return [
        "| Policy | Resource | Message |",
        "|---|---|---|",
        ...limited(violations, (violation) => `| ${code(violation.policy)} | ${resourceCell(violation.urn)} | ${cell(violation.message)} |`),
    ];
}

function changesSection(events: GateEvents): string[] {
    const byOp = new Map<string, number>();
    events.changes.forEach((change) => byOp.set(change.op, (byOp.get(change.op) ?? 0) + 1));
    const totals = [...byOp].map(([op, n]) => `${n} to ${op}`);
    const lines = ["### Planned changes", "", totals.length > 0
        ? `${totals.join(", ")}; ${events.unchanged} unchanged.`
        : `No changes; ${events.unchanged} unchanged.`];
    if (events.changes.length > 0) {
        lines.push("", `<details><summary>${count(events.changes.length, "resource")} to change</summary>`, "",
            "| Change | Resource |", "|---|---|",
            ...limited(events.changes, (change) => `| ${change.op} | ${resourceCell(change.urn)} |`),
            "", "</details>");
    }
    return lines;
}

export function renderSummary(input: SummaryInput): string {
    const { events, verdict } = input;
    const packs = Object.entries(events.packs).map(([name, version]) => `${code(name)} ${version}`).join(", ") || "the policy pack";
    const lines = [
        commentMarker(input.stack),
        `## Policy gate for stack ${code(input.stack)}: ${headline[verdict.outcome](events)}`,
        "",
        `\`pulumi preview\` with ${packs} and ${code(input.configFile)}.`,
        "",
        ...changesSection(events),
    ];
    const mandatory = events.violations.filter((violation) => violation.blocking);
    const advisory = events.violations.filter((violation) => !violation.blocking);
    if (mandatory.length > 0) {
        lines.push("", `### Mandatory violations: these block the merge (${mandatory.length})`, "", ...violationTable(mandatory));
    }
    if (advisory.length > 0) {
        lines.push("", `### Advisory violations: warnings only (${advisory.length})`, "", ...violationTable(advisory));
    }
    if (mandatory.length === 0 && advisory.length === 0) {
        lines.push("", "No policy violations.");
    }
    if (verdict.outcome === "failed" || events.errors.length > 0) {
        lines.push("", "### Preview errors", "");
        const errors = events.errors.length > 0 ? events.errors : [input.failure ?? "the preview exited non-zero without an error message"];
        lines.push(...errors.map((error) => "```\n" + error.replace(/```/g, "'''") + "\n```"));
    }
    return lines.join("\n") + "\n";
}
