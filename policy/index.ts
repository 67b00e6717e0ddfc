// Only constructs the pack: `new PolicyPack` starts the analyzer's gRPC server, so nothing else may import this file.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("storage-backup-guardrails", {
    enforcementLevel: "mandatory",
    policies: allPolicies,
});
