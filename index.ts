// Entry point: read and validate the stack config, check the cluster, then compose the stack.
import { apiServerLookup } from "./components/clusterLookup";
import { readStackConfig } from "./components/config/stackConfig";
import { externalDependencies, preflight } from "./components/preflight";
import { deployStorageBackupStack } from "./components/storageBackupStack";

export = async () => {
    const { settings, secrets, configNamespace } = readStackConfig();
    await preflight(externalDependencies(settings, configNamespace), apiServerLookup(settings.kubernetes));
    return deployStorageBackupStack(settings, secrets);
};
