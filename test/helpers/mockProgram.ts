// Runs the program's composition under Pulumi mocks and records every resource it registers.
import * as pulumi from "@pulumi/pulumi";
import { StackSecrets, StackSettings } from "../../components/config/stackConfig";
import { deployStorageBackupStack, ExistingState, StorageBackupStackOutputs } from "../../components/storageBackupStack";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
    custom: boolean;
    /** The parent's type token, read from the URN the mock monitor assigned. */
    parentType?: string;
    urn: string;
    /** performance.now() when the mock monitor saw the registration. */
    registeredAt: number;
    /** The ID an `import` option asked for. */
    importId?: string;
}

export const testSecrets = {
    minioAdminUser: "test-admin-user-5e1f",
    minioAdminPassword: "test-admin-password-0b7c9d2e4f",
    onepasswordToken: "test-connect-token-a8d3e1",
};

/** Values the mocks give generated secrets, so leak checks know what to look for. */
export const generatedSecretValue = (name: string) => `generated-${name}-7f3a9c`;

function secrets(): StackSecrets {
    return {
        minioAdminUser: pulumi.secret(testSecrets.minioAdminUser),
        minioAdminPassword: pulumi.secret(testSecrets.minioAdminPassword),
        onepasswordToken: pulumi.secret(testSecrets.onepasswordToken),
    };
}

function parentTypeOf(urn: string): string | undefined {
    const qualified = urn.split("::")[2];
    const chain = qualified.split("$");
    return chain.length > 1 ? chain[chain.length - 2] : undefined;
}

/** Resolves once `count` has not changed for a while: registrations under mocks finish asynchronously. */
async function settled(count: () => number): Promise<void> {
    let last = -1;
    let stableTicks = 0;
    for (let tick = 0; tick < 400 && stableTicks < 5; tick++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        stableTicks = count() === last ? stableTicks + 1 : 0;
        last = count();
    }
}

/** The vault the program's lookup finds under mocks. */
export const mockVaultUuid = "vault-uuid-0001";

/**
 * `around` wraps the synchronous construction of the stack, so benchmarks can time it on its own.
 */
export async function runUnderMocks(settings: StackSettings, around: (deploy: () => void) => void = (deploy) => deploy(),
    existing: Partial<ExistingState> = {}):
    Promise<{ resources: RegisteredResource[]; outputs: StorageBackupStackOutputs }> {
    const recorded: Omit<RegisteredResource, "urn" | "parentType">[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            recorded.push({
                type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom ?? true,
                registeredAt: performance.now(), importId: args.id || undefined,
            });
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type === "random:index/randomPassword:RandomPassword") {
                state.result = generatedSecretValue(args.name);
            }
            if (args.type === "onepassword:index/item:Item") {
                state.uuid = `item-${args.name}`;
            }
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    }, "storage-backup", "test", false);

    let outputs: StorageBackupStackOutputs | undefined;
    const found: ExistingState = { buckets: new Set(), vault: { vaultUuid: mockVaultUuid, items: new Map() }, ...existing };
    around(() => { outputs = deployStorageBackupStack(settings, secrets(), found); });
    await settled(() => recorded.length);
    const monitor = (pulumi.runtime as any).getMonitor();
    const urns: string[] = [...monitor.resources.keys()];
    const resources = recorded.map((resource) => {
        const urn = urns.find((candidate) => candidate.endsWith(`::${resource.name}`)
            && candidate.split("::")[2].split("$").pop() === resource.type) ?? "";
        return { ...resource, urn, parentType: parentTypeOf(urn) };
    });
    return { resources, outputs: outputs! };
}

export function resourcesOfType(resources: RegisteredResource[], type: string): RegisteredResource[] {
    return resources.filter((resource) => resource.type === type);
}

/** Custom resources (apiextensions) of one kind. */
export function customResourcesOfKind(resources: RegisteredResource[], kind: string): RegisteredResource[] {
    return resources.filter((resource) => resource.type.endsWith(`:${kind}`) && resource.inputs.kind === kind);
}

export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

const secretSignature = "4dabf18193072939515e22adb298388d";

/** The plain value of an input the program marked secret; fails if it was not marked. */
export function secretInput(value: any): any {
    if (value === null || typeof value !== "object" || !(secretSignature in value)) {
        throw new Error(`expected a secret input, got ${JSON.stringify(value)}`);
    }
    return value.value;
}
