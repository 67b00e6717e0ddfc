// Object metadata helpers shared by the components.

/** An empty label or annotation map is left out: the API server drops it, so the provider would see a
 * difference from the live object on every refresh and update. */
export function nonEmpty(map: Record<string, string>): Record<string, string> | undefined {
    return Object.keys(map).length > 0 ? map : undefined;
}
