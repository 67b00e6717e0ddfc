// `kubernetes.awaitTimeout`: one limit on how long `pulumi up` waits for any cluster object to become ready,
// chart children included (the provider registers those, so only a stack transform reaches them). Without
// it a workload that can never schedule holds the update for the provider's default of 10 minutes.
import * as pulumi from "@pulumi/pulumi";

/** Adds create/update timeouts to every kubernetes resource; others are left as they are. */
export function awaitTimeoutTransform(timeout: string): pulumi.ResourceTransform {
    return (args) => args.type.startsWith("kubernetes:") && args.custom
        ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { customTimeouts: { create: timeout, update: timeout } }) }
        : undefined;
}

/** Registers the transform for the whole stack when a timeout is configured. */
export function applyAwaitTimeout(timeout: string | undefined): void {
    if (timeout) {
        pulumi.runtime.registerResourceTransform(awaitTimeoutTransform(timeout));
    }
}
