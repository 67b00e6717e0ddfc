// Builds validated settings for tests from the same parser the program uses.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig, secretKeys, StackSettings } from "../../components/config/stackConfig";

export const configNamespace = "storage-backup";
export const allSecretsPresent = new Set<string>(Object.values(secretKeys));

/** The smallest valid raw config: what a user must set. */
export function minimalRawConfig(): Record<string, any> {
    return {
        minio: { endpoint: "minio.example.lan:9000" },
        onepassword: { vault: "cluster", connectUrl: "https://connect.example.lan" },
    };
}

export function settingsFrom(raw: Record<string, unknown>, present = allSecretsPresent): StackSettings {
    return parseStackConfig(configNamespace, raw, present);
}

/** The committed stack file's config, with the project prefix removed from each key. */
export function stackFileConfig(stack: string): Record<string, unknown> {
    const file = path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
    const document = parseYaml(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config)
        .filter(([key]) => key.startsWith(`${configNamespace}:`))
        .map(([key, value]) => [key.slice(configNamespace.length + 1), value]));
}
