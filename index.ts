// Entry point: read and validate the stack config, check the cluster, MinIO and the vault, then compose the stack.
import * as pulumi from "@pulumi/pulumi";
import { existingBuckets } from "./components/bucketLookup";
import { apiServerLookup } from "./components/clusterLookup";
import { readStackConfig } from "./components/config/stackConfig";
import { existingItems } from "./components/itemLookup";
import { externalDependencies, preflight, preflightWarnings, scheduleNamespaceWarnings } from "./components/preflight";
import { createProviders } from "./components/providers";
import { deployStorageBackupStack } from "./components/storageBackupStack";

export = async () => {
    const { settings, secrets, configNamespace } = readStackConfig();
    for (const warning of preflightWarnings(settings, configNamespace)) {
        pulumi.log.warn(warning);
    }
    const cluster = apiServerLookup(settings.kubernetes);
    await preflight(externalDependencies(settings, configNamespace), cluster);
    for (const warning of await scheduleNamespaceWarnings(settings, configNamespace, cluster)) {
        pulumi.log.warn(warning);
    }
    const preview = pulumi.runtime.isDryRun();
    const buckets = await existingBuckets(settings.minio, secrets, [settings.volsync.bucket, settings.velero.bucket], preview);
    const providers = createProviders(settings, secrets);
    const vault = await existingItems(providers.onepassword, settings.onepassword, secrets.onepasswordToken, [settings.volsync.item, settings.velero.item]);
    return deployStorageBackupStack(settings, secrets, { buckets, vault }, providers);
};
