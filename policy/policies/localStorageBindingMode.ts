import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource, found, STORAGE_CLASS } from "../lib/k8s";
import { at, show, UNKNOWN } from "../lib/props";

export interface LocalStorageBindingModeConfig {
    localProvisioners: string[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        localProvisioners: {
            type: "array", items: { type: "string" },
            default: ["openebs.io/local", "kubernetes.io/no-provisioner", "local.csi.openebs.io", "zfs.csi.openebs.io", "rawfile.csi.openebs.io"],
            description: "Provisioners whose volumes live on one node and so must bind where the pod is scheduled.",
        },
    },
};

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    if (args.type !== STORAGE_CLASS) {
        args.notApplicable(`local-storage-binding-mode only checks StorageClasses, not ${args.type}`);
    }
    const { localProvisioners } = configWithDefaults<LocalStorageBindingModeConfig>(configSchema, args.getConfig());
    const subject = describeResource(args);
    const provisioner = at(args.props, "provisioner");
    const mode = at(args.props, "volumeBindingMode");
    if (provisioner === UNKNOWN) {
        report(`${subject}: provisioner is unknown at preview, so whether the class is node-local can't be decided. Set it to a literal.`);
        return;
    }
    if (typeof provisioner !== "string" || !localProvisioners.includes(provisioner)) {
        return;
    }
    if (mode !== "WaitForFirstConsumer") {
        report(`${subject}: local provisioner ${show(provisioner)} needs volumeBindingMode "WaitForFirstConsumer", ` +
            `${mode === UNKNOWN ? "but it is unknown at preview" : found(mode)}; with Immediate binding the volume lands on a node ` +
            `the pod may not be able to run on. Set volumeBindingMode: "WaitForFirstConsumer".`);
    }
}

export const localStorageBindingMode: ResourceValidationPolicy = {
    name: "local-storage-binding-mode",
    description: "StorageClasses of node-local provisioners (OpenEBS LocalPV) bind volumes with WaitForFirstConsumer.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
