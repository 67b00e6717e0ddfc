// Entry point: read and validate the stack config, check the cluster and MinIO, then compose the stack.
import * as pulumi from "@pulumi/pulumi";
import { existingBuckets } from "./components/bucketLookup";
import { apiServerLookup } from "./components/clusterLookup";
import { readStackConfig } from "./components/config/stackConfig";
import { externalDependencies, preflight, preflightWarnings } from "./components/preflight";
import { deployStorageBackupStack } from "./components/storageBackupStack";

export = async () => {
    const { settings, secrets, configNamespace } = readStackConfig();
    for (const warning of preflightWarnings(settings, configNamespace)) {
        pulumi.log.warn(warning);
    }
    await preflight(externalDependencies(settings, configNamespace), apiServerLookup(settings.kubernetes));
    const buckets = await existingBuckets(settings.minio, secrets, [settings.volsync.bucket, settings.velero.bucket], pulumi.runtime.isDryRun());
    return deployStorageBackupStack(settings, secrets, { buckets });
};
