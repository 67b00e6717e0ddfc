// One `pulumi preview` of a stack with the policy pack and the stack's pack config, through the Automation
// API: it runs the `pulumi` on PATH and streams the engine's events (policy violations included, which
// `pulumi preview --json` leaves out) to the gate.
import { CommandError, EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";

export interface PreviewRequest {
    stack: string;
    /** The Pulumi project's directory (holds Pulumi.yaml). */
    projectDir: string;
    packDir: string;
    configFile: string;
    /** The CLI's own output, as it prints it, for the job log. */
    onOutput: (text: string) => void;
}

export interface PreviewRun {
    events: EngineEvent[];
    /** Set when the CLI exited non-zero: the end of its error output. */
    failure?: string;
}

export async function previewWithPolicies(request: PreviewRequest): Promise<PreviewRun> {
    const events: EngineEvent[] = [];
    try {
        const stack = await LocalWorkspace.selectStack({ stackName: request.stack, workDir: request.projectDir });
        await stack.preview({
            policyPacks: [request.packDir],
            policyPackConfigs: [request.configFile],
            diff: true,
            onEvent: (event) => events.push(event),
            onOutput: request.onOutput,
            onError: request.onOutput,
        });
        return { events };
    } catch (error) {
        if (!(error instanceof CommandError)) {
            throw error;
        }
        return { events, failure: tail(error.message, 30) };
    }
}

const tail = (text: string, lines: number) => text.trimEnd().split("\n").slice(-lines).join("\n");
