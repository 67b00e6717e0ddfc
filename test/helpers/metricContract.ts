// What alert expressions need from an exporter, checked against its real /metrics text: every metric a rule
// names must be exported, with a series carrying each label the rule matches on (`{label="value"}`, with that
// value) or groups by (`by (label)`). A rule on a renamed metric or label selects nothing and never fires;
// this is how that is caught.

export interface MetricRequirement {
    metric: string;
    /** Equality matchers of the selector: a series must carry these labels with these values. */
    matchers: Record<string, string>;
    /** Labels the expression groups by: a series must carry them. */
    labels: string[];
}

/** The metrics an expression selects (only names starting with `prefix`), with what each needs of a series. */
export function metricRequirements(expr: string, prefix: string): MetricRequirement[] {
    const grouped = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)]
        .flatMap((match) => match[1].split(",").map((label) => label.trim()).filter(Boolean));
    const selector = new RegExp(`\\b(${prefix}[a-zA-Z0-9_:]*)\\s*(?:\\{([^}]*)\\})?`, "g");
    return [...expr.matchAll(selector)].map((match) => ({
        metric: match[1],
        matchers: Object.fromEntries([...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)]
            .filter((matcher) => matcher[2] === "=").map((matcher) => [matcher[1], matcher[3]])),
        labels: grouped,
    }));
}

/** Series of the exposition text, as metric name and labels (comments and HELP/TYPE lines skipped). */
export function parseSeries(text: string): { metric: string; labels: Record<string, string> }[] {
    return text.split("\n").filter((line) => line && !line.startsWith("#")).map((line) => {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
        if (!match) {
            return undefined;
        }
        const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]));
        return { metric: match[1], labels };
    }).filter((series): series is { metric: string; labels: Record<string, string> } => series !== undefined);
}

/** Each requirement no exported series meets, described for a failure message. */
export function unmetRequirements(requirements: MetricRequirement[], metricsText: string): string[] {
    const series = parseSeries(metricsText);
    return requirements.filter((requirement) => !series.some((candidate) => candidate.metric === requirement.metric
        && Object.entries(requirement.matchers).every(([label, value]) => candidate.labels[label] === value)
        && requirement.labels.every((label) => label in candidate.labels)))
        .map((requirement) => {
            const exported = series.filter((candidate) => candidate.metric === requirement.metric);
            return `${requirement.metric} with ${JSON.stringify({ ...requirement.matchers, ...Object.fromEntries(requirement.labels.map((label) => [label, "*"])) })}: `
                + (exported.length === 0 ? "not exported" : `exported only as ${exported.map((candidate) => JSON.stringify(candidate.labels)).join(", ")}`);
        });
}
