import { PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource, STORAGE_CLASS } from "../lib/k8s";
import { at, UNKNOWN } from "../lib/props";

export interface SingleDefaultStorageClassConfig {
    maxDefaultClasses: number;
}

const configSchema: PolicyConfigSchema = {
    properties: {
        maxDefaultClasses: {
            type: "integer", default: 1, minimum: 0,
            description: "How many StorageClasses in the stack may be marked as the cluster default (0 when the cluster already has one).",
        },
    },
};

const DEFAULT_ANNOTATIONS = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

function validate(args: StackValidationArgs, report: ReportViolation): void {
    const { maxDefaultClasses } = configWithDefaults<SingleDefaultStorageClassConfig>(configSchema, args.getConfig());
    const classes = args.resources.filter((r) => r.type === STORAGE_CLASS);
    if (classes.length === 0) {
        args.notApplicable("the stack creates no StorageClass");
    }
    const defaults = classes.filter((r) => DEFAULT_ANNOTATIONS.some((a) => {
        const v = at(r.props, "metadata", "annotations", a);
        return v === "true" || v === UNKNOWN;
    }));
    if (defaults.length > maxDefaultClasses) {
        const names = defaults.map((r) => describeResource(r)).join(", ");
        for (const r of defaults) {
            report(`${describeResource(r)} is one of ${defaults.length} default StorageClasses (${names}); at most ` +
                `${maxDefaultClasses} may carry storageclass.kubernetes.io/is-default-class: "true" (an unknown value counts as default). ` +
                `Remove the annotation from all but one (policy config maxDefaultClasses).`, r.urn);
        }
    }
}

export const singleDefaultStorageClass: StackValidationPolicy = {
    name: "single-default-storage-class",
    description: "At most one StorageClass in the stack is marked as the cluster default.",
    enforcementLevel: "mandatory",
    configSchema,
    validateStack: validate,
};
