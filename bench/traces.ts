// The Pulumi CLI's OpenTelemetry file export (`--otel-traces file://…`), read back for the bench scripts.
import * as fs from "fs";

export interface Span {
    name: string;
    /** Seconds since the epoch. */
    start: number;
    end: number;
    attributes: Record<string, string>;
}

/** Every span of the export (one JSON document per line). */
export function readSpans(file: string): Span[] {
    return fs.readFileSync(file, "utf8").split("\n").filter((line) => line.trim()).flatMap((line) =>
        (JSON.parse(line).resourceSpans as any[]).flatMap((resourceSpans) => (resourceSpans.scopeSpans as any[]).flatMap((scope) =>
            (scope.spans as any[]).map((span) => ({
                name: span.name, start: Number(span.startTimeUnixNano) / 1e9, end: Number(span.endTimeUnixNano) / 1e9,
                attributes: Object.fromEntries(((span.attributes ?? []) as any[]).map((attribute) => [attribute.key, String(attribute.value?.stringValue ?? "")])),
            })))));
}
