// Builds validated settings for tests from the same parser the program uses.
import { parseStackConfig, secretKeys, StackSettings } from "../../components/config/stackConfig";
import { configNamespace } from "../../ops/stackFile";

export { configNamespace, stackFileConfig } from "../../ops/stackFile";
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
