"use strict";
// Plain JavaScript so the check does not also depend on TypeScript compilation.
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("toolchain-smoke-policy", {
    policies: [
        {
            name: "no-random-passwords",
            description: "Rejects every RandomPassword (exists only to prove mandatory policies block).",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => {
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    reportViolation("toolchain smoke: RandomPassword is forbidden by this test pack");
                }
            },
        },
    ],
});
