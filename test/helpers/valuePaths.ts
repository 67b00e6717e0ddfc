// Checks that every key path we set in a chart's values is one the chart has: Helm ignores unknown keys,
// so a misspelt key would otherwise silently leave the chart's default in place.

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Paths in `values` that `defaults` (the chart's default values, subcharts under their names) lacks.
 * Below a default that is null, an empty map or a list, any key is allowed: that is where charts take
 * free-form Kubernetes fields (resources, affinity, nodeSelector, labels...) or whole lists.
 */
export function unknownValuePaths(values: unknown, defaults: unknown, at = ""): string[] {
    if (!isMap(values) || defaults === null || defaults === undefined || Array.isArray(defaults)) {
        return [];
    }
    if (isMap(defaults) && Object.keys(defaults).length === 0) {
        return [];
    }
    return Object.entries(values).flatMap(([key, value]) => {
        const path = at ? `${at}.${key}` : key;
        return isMap(defaults) && key in defaults ? unknownValuePaths(value, defaults[key], path) : [path];
    });
}
