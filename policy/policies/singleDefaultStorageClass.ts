import { PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource, STORAGE_CLASS } from "../lib/k8s";
import { at, show, UNKNOWN } from "../lib/props";

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
    // An unknown value counts as default: it may well be "true" once known.
    const defaults = classes.flatMap((r) => {
        const marks = DEFAULT_ANNOTATIONS.map((annotation) => ({ annotation, value: at(r.props, "metadata", "annotations", annotation) }))
            .filter(({ value }) => value === "true" || value === UNKNOWN);
        return marks.length > 0 ? [{ r, ...marks[0] }] : [];
    });
    if (defaults.length > maxDefaultClasses) {
        const names = defaults.map(({ r }) => describeResource(r)).join(", ");
        for (const { r, annotation, value } of defaults) {
            report(`${describeResource(r)}: metadata.annotations["${annotation}"] is ${show(value)}, making it one of ` +
                `${defaults.length} default StorageClasses (${names}); at most ${maxDefaultClasses} may be default ` +
                `(an unknown value counts as default). Remove the annotation from all but one (policy config maxDefaultClasses).`, r.urn);
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
