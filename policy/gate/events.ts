// What the gate decides on and reports, taken from the engine's events of one preview: the planned
// changes, every policy violation (with its enforcement level), and the preview's own errors.
import { EngineEvent, OpType, SummaryEvent } from "@pulumi/pulumi/automation";

export interface PlannedChange {
    op: OpType;
    urn: string;
}

export interface Violation {
    policy: string;
    pack: string;
    /** The level the engine applied: the pack's default or the stack's `enforcementLevel` override. */
    level: string;
    /** Mandatory and not covered by a policy exception: fails the preview. */
    blocking: boolean;
    /** Absent for a stack policy's violation that names no resource. */
    urn?: string;
    /** What the resource got wrong; the policy's description, which the SDK puts on the first line, goes. */
    message: string;
}

export interface GateEvents {
    changes: PlannedChange[];
    unchanged: number;
    violations: Violation[];
    /** Error diagnostics: why a preview failed other than (or besides) a policy. */
    errors: string[];
    /** Policy pack name → version, as the engine ran them. */
    packs: Record<string, string>;
}

/** The engine's colour directives (`<{%fg 1%}>`, `<{%reset%}>`): the summary is plain text. */
export const plain = (text: string) => text.replace(/<\{%[^%]*%\}>/g, "").trim();

export function collectEvents(events: EngineEvent[]): GateEvents {
    const steps = new Map<string, OpType>();
    const result: GateEvents = { changes: [], unchanged: 0, violations: [], errors: [], packs: {} };
    for (const event of events) {
        const step = event.resourcePreEvent?.metadata;
        if (step) {
            steps.set(step.urn, step.op);
        }
        const policy = event.policyEvent;
        if (policy) {
            // Exceptions are newer than the SDK's event type: read them defensively.
            const exceptions = (policy as { exceptions?: unknown[] }).exceptions ?? [];
            result.violations.push({
                policy: policy.policyName,
                pack: policy.policyPackName,
                level: policy.enforcementLevel,
                blocking: policy.enforcementLevel === "mandatory" && exceptions.length === 0,
                urn: policy.resourceUrn || undefined,
                message: withoutDescription(plain(policy.message)),
            });
        }
        const diagnostic = event.diagnosticEvent;
        // "preview failed" only repeats the exit status; the violations or other errors say why.
        if (diagnostic?.severity === "error" && plain(diagnostic.message) !== "preview failed") {
            result.errors.push(plain(diagnostic.message));
        }
        if (event.summaryEvent) {
            result.packs = packVersions(event.summaryEvent);
        }
    }
    for (const [urn, op] of steps) {
        if (op === "same") {
            result.unchanged++;
        } else {
            result.changes.push({ op, urn });
        }
    }
    return result;
}

/** `@pulumi/policy` reports a string violation as "<policy description>\n<message>". */
function withoutDescription(message: string): string {
    const newline = message.indexOf("\n");
    return newline < 0 ? message : message.slice(newline + 1).trim();
}

/**
 * The engine serialises this field as `PolicyPacks` (no JSON tag upstream, kept for compatibility), the
 * SDK's type says `policyPacks`; a local pack's key is `<name>|local|<path>`.
 */
function packVersions(summary: SummaryEvent): Record<string, string> {
    const packs = (summary as { PolicyPacks?: Record<string, string> }).PolicyPacks ?? summary.policyPacks ?? {};
    return Object.fromEntries(Object.entries(packs).map(([key, version]) => [key.split("|")[0], version]));
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` → its type and name. */
export function resourceOf(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 4) {
        return { type: "", name: urn };
    }
    const types = parts[2].split("$");
    return { type: types[types.length - 1], name: parts.slice(3).join("::") };
}
