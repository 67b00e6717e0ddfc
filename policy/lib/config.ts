import { PolicyConfigSchema } from "@pulumi/policy";

/**
 * The policy's config with its schema defaults filled in. The CLI applies schema defaults before
 * handing config to the pack, but a policy run without a config file (or under test) gets `{}`,
 * so every policy falls back to its own defaults through this one function.
 */
export function configWithDefaults<T>(schema: PolicyConfigSchema, given: object): T {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties)) {
        if (property.default !== undefined) {
            defaults[key] = property.default;
        }
    }
    return { ...defaults, ...given } as T;
}
