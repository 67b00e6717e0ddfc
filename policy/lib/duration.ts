/**
 * Go `time.ParseDuration` syntax ("720h0m0s", "1.5h", "90m"), the format Velero reads TTLs in.
 *
 * Hand-written because the npm duration parsers are deliberately lenient ("7d", "1 hour") and would
 * accept TTLs that Velero rejects; a policy must agree with the consumer of the value.
 */
const UNIT_SECONDS: Record<string, number> = {
    ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600,
};
const WHOLE_RE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const TERM_RE = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Seconds in a Go duration string, or undefined when Go would reject it. */
export function parseGoDuration(text: string): number | undefined {
    if (/^[+-]?0$/.test(text)) {
        return 0;
    }
    if (!WHOLE_RE.test(text)) {
        return undefined;
    }
    let seconds = 0;
    for (const [, value, unit] of text.matchAll(TERM_RE)) {
        seconds += Number(value) * UNIT_SECONDS[unit];
    }
    return text.startsWith("-") ? -seconds : seconds;
}
