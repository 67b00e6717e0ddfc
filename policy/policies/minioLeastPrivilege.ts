import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource } from "../lib/k8s";
import { at, UNKNOWN } from "../lib/props";

export interface MinioLeastPrivilegeConfig {
    maxBucketsPerPolicy: number;
    allowedCannedPolicies: string[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        maxBucketsPerPolicy: {
            type: "integer", default: 1, minimum: 1,
            description: "How many buckets one user policy may grant access to.",
        },
        allowedCannedPolicies: {
            type: "array", items: { type: "string" }, default: [],
            description: "MinIO built-in policies (readwrite, consoleAdmin...) that may be attached to a user directly.",
        },
    },
};

const IAM_POLICY = "minio:index/iamPolicy:IamPolicy";
const USER_POLICY_ATTACHMENT = "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment";
/** MinIO's built-in policies: each spans every bucket (or the whole server). */
const CANNED_POLICIES = ["readwrite", "readonly", "writeonly", "diagnostics", "consoleAdmin"];
const S3_ARN_PREFIX = "arn:aws:s3:::";

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Finding {
    problems: string[];
    buckets: Set<string>;
}

function inspectStatements(doc: unknown): Finding {
    const finding: Finding = { problems: [], buckets: new Set() };
    asList(at(doc, "Statement")).forEach((statement, i) => {
        const s = statement as Record<string, unknown>;
        if (s.Effect !== "Allow") {
            return; // Deny statements only take rights away.
        }
        const where = `Statement[${i}]`;
        for (const key of ["NotAction", "NotResource"]) {
            if (s[key] !== undefined) {
                finding.problems.push(`${where} uses ${key}, which allows everything not listed`);
            }
        }
        const actions = asList(s.Action).map(String);
        const resources = asList(s.Resource).map(String);
        for (const action of actions.filter((a) => a === "*" || a.toLowerCase().startsWith("admin:"))) {
            finding.problems.push(`${where} allows action "${action}" (admin or all actions)`);
        }
        for (const resource of resources) {
            const bucket = resource.startsWith(S3_ARN_PREFIX) ? resource.slice(S3_ARN_PREFIX.length).split("/")[0] : "";
            if (bucket === "" || /[*?]/.test(bucket)) {
                finding.problems.push(`${where} allows resource "${resource}", which is not one named bucket`);
            } else {
                finding.buckets.add(bucket);
            }
        }
    });
    return finding;
}

function checkPolicyDocument(subject: string, args: ResourceValidationArgs, cfg: MinioLeastPrivilegeConfig, report: ReportViolation): void {
    const text = at(args.props, "policy");
    if (text === UNKNOWN) {
        report(`${subject}: the policy document is unknown at preview, so its scope can't be checked. ` +
            `Build the JSON from literal bucket names (config), not from another resource's output.`);
        return;
    }
    let doc: unknown;
    try {
        doc = JSON.parse(String(text));
    } catch {
        report(`${subject}: the policy document is not valid JSON. Generate it with JSON.stringify.`);
        return;
    }
    const { problems, buckets } = inspectStatements(doc);
    for (const problem of problems) {
        report(`${subject}: policy ${problem}. Grant only s3:* object and bucket actions on arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*.`);
    }
    if (buckets.size > cfg.maxBucketsPerPolicy) {
        report(`${subject}: policy grants access to ${buckets.size} buckets (${[...buckets].join(", ")}), more than the limit of ` +
            `${cfg.maxBucketsPerPolicy}. Give each user a policy for its own bucket (policy config maxBucketsPerPolicy).`);
    } else if (buckets.size === 0 && problems.length === 0) {
        report(`${subject}: policy allows nothing on a named bucket (no Allow statement with an arn:aws:s3:::<bucket> resource). ` +
            `Name the one bucket the user needs.`);
    }
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
    const cfg = configWithDefaults<MinioLeastPrivilegeConfig>(configSchema, args.getConfig());
    const subject = describeResource(args);
    if (args.type === IAM_POLICY) {
        return checkPolicyDocument(subject, args, cfg, report);
    }
    if (args.type !== USER_POLICY_ATTACHMENT) {
        args.notApplicable(`minio-least-privilege does not check ${args.type}`);
    }
    // An unknown policyName is another resource's output, i.e. a policy this stack creates and checks.
    const name = at(args.props, "policyName");
    if (typeof name === "string" && CANNED_POLICIES.includes(name) && !cfg.allowedCannedPolicies.includes(name)) {
        report(`${subject}: policyName is MinIO's built-in "${name}", which spans every bucket. ` +
            `Attach a minio.IamPolicy scoped to the user's bucket instead (or list it in policy config allowedCannedPolicies).`);
    }
}

export const minioLeastPrivilege: ResourceValidationPolicy = {
    name: "minio-least-privilege",
    description: "Every MinIO policy for a user names exactly one bucket's resources and grants no admin or wildcard actions.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
