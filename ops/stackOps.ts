// The Pulumi side of day-2 operations: the stack's outputs (repository credentials) and declarative
// switches in its config, applied with a targeted `pulumi up`.
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ResticAccess } from "./restic";
import { configNamespace, projectDirectory } from "./stackFile";
import { StackSettings } from "../components/config/stackConfig";
import { caBundleFile } from "../components/s3Endpoint";
import { protectedAppType, restoreDestinationName, sideCopyResourceName, sideRestoreDestinationName } from "../components/protectedApp";

export class StackOps {
    private constructor(readonly stack: Stack) {}

    static async select(stackName: string, workDir = projectDirectory): Promise<StackOps> {
        return new StackOps(await LocalWorkspace.selectStack({ stackName, workDir }));
    }

    /** The app's repository and credentials, exactly as the program produced them. */
    async resticAccess(settings: StackSettings, app: string): Promise<ResticAccess> {
        const outputs = await this.stack.outputs();
        return resticAccessFromOutputs(settings, app, Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value])), this.stack.name);
    }

    /** Sets app settings in the stack config (by path) and applies only the app's restore destination. */
    async applyRestoreSettings(settings: StackSettings, app: string, values: Record<string, string | number | boolean>,
        onOutput: (line: string) => void): Promise<void> {
        await this.applyAppSettings(settings, app, prefixed("restore.", values), [[replicationDestinationType, restoreDestinationName(app)]], onOutput);
    }

    /** Sets `restore.sideBySide.*` and applies only the side copy's PVC and restore destination. */
    async applySideBySideSettings(settings: StackSettings, app: string, values: Record<string, string | number>,
        onOutput: (line: string) => void): Promise<void> {
        await this.applyAppSettings(settings, app, prefixed("restore.sideBySide.", values), [
            ["kubernetes:core/v1:PersistentVolumeClaim", sideCopyResourceName(app)],
            [replicationDestinationType, sideRestoreDestinationName(app)],
        ], onOutput);
    }

    /** Sets `apps[i].<key>` values in the stack config and runs `pulumi up` on the app's named children only. */
    private async applyAppSettings(settings: StackSettings, app: string, values: Record<string, string | number | boolean>,
        children: [type: string, name: string][], onOutput: (line: string) => void): Promise<void> {
        const index = settings.apps.findIndex((candidate) => candidate.name === app);
        for (const [key, value] of Object.entries(values)) {
            await this.stack.setConfig(`${configNamespace}:apps[${index}].${key}`, { value: String(value) }, true);
        }
        const target = children.map(([type, name]) => `urn:pulumi:${this.stack.name}::${configNamespace}::${protectedAppType}$${type}::${name}`);
        await this.stack.up({ target, onOutput });
    }
}

const replicationDestinationType = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";
const prefixed = <T>(prefix: string, values: Record<string, T>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}${key}`, value]));

/** restic's access to one app's repository, from the stack's outputs (plain values) and settings. */
export function resticAccessFromOutputs(settings: StackSettings, app: string, outputs: Record<string, any>, stackName: string): ResticAccess {
    const repository = outputs.apps?.[app]?.repository as string | undefined;
    const credentials = outputs.volsyncCredentials as { accessKeyId: string; secretAccessKey: string; resticPassword: string } | undefined;
    if (!repository || !credentials) {
        throw new Error(`stack ${stackName} has no outputs for app "${app}": run \`pulumi up\` first`);
    }
    return {
        repository,
        password: credentials.resticPassword,
        env: {
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            AWS_DEFAULT_REGION: settings.minio.region,
            // restic verifies MinIO against the stack's CA bundle, like every other client of the stack.
            ...(settings.minio.caBundle ? { RESTIC_CACERT: caBundleFile(settings.minio.caBundle) } : {}),
        },
    };
}
