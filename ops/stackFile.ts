// Reads a stack's committed config file (Pulumi.<stack>.yaml) into the raw object the config parser takes.
// Secrets are not needed by the operations that read this, so their presence is assumed.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseStackConfig, secretKeys, StackSettings } from "../components/config/stackConfig";

export const projectDirectory = path.resolve(__dirname, "..");
export const configNamespace = "storage-backup";

export function stackFileConfig(stack: string, directory = projectDirectory): Record<string, unknown> {
    const file = path.join(directory, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`No stack file ${file}: is "${stack}" the right stack name?`);
    }
    const document = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config ?? {})
        .filter(([key]) => key.startsWith(`${configNamespace}:`) && !(key.slice(configNamespace.length + 1) in secretKeys))
        .map(([key, value]) => [key.slice(configNamespace.length + 1), value]));
}

export function stackSettings(stack: string, directory = projectDirectory): StackSettings {
    return parseStackConfig(configNamespace, stackFileConfig(stack, directory), new Set(Object.values(secretKeys)));
}
