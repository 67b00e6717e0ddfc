import { Policies } from "@pulumi/policy";
import { backupCoverage } from "./policies/backupCoverage";
import { backupTtls } from "./policies/backupTtls";
import { httpsOnlyS3 } from "./policies/httpsOnlyS3";
import { localStorageBindingMode } from "./policies/localStorageBindingMode";
import { memoryLimits } from "./policies/memoryLimits";
import { minioLeastPrivilege } from "./policies/minioLeastPrivilege";
import { noPlaintextCredentials } from "./policies/noPlaintextCredentials";
import { singleDefaultStorageClass } from "./policies/singleDefaultStorageClass";

/** Every policy of the pack; index.ts serves exactly this list, tests and tools import it from here. */
export const allPolicies: Policies = [
    memoryLimits,
    backupTtls,
    httpsOnlyS3,
    noPlaintextCredentials,
    minioLeastPrivilege,
    localStorageBindingMode,
    singleDefaultStorageClass,
    backupCoverage,
];
