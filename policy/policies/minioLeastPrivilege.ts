import { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { describeResource, found } from "../lib/k8s";
import { at, show, UNKNOWN } from "../lib/props";

export interface MinioLeastPrivilegeConfig {
    maxBucketsPerPolicy: number;
    allowedCannedPolicies: string[];
    allowedActions: string[];
}

/**
 * What the backup tools call on their own bucket: restic and kopia (minio-go) and Velero's AWS plugin list,
 * get/head, put (multipart included) and delete objects, ask the bucket's region and abort a failed
 * multipart upload; Velero's documented policy adds listing an upload's parts. Nothing touches the bucket's
 * own settings.
 */
const BACKUP_ACTIONS = [
    "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
];

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
        allowedActions: {
            type: "array", items: { type: "string" }, default: BACKUP_ACTIONS,
            description: "Actions a user policy may allow (compared case-insensitively); any other action, and any wildcard, is a violation.",
        },
    },
};

const IAM_POLICY = "minio:index/iamPolicy:IamPolicy";
const USER_POLICY_ATTACHMENT = "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment";
/** MinIO's built-in policies: each spans every bucket (or the whole server). */
const CANNED_POLICIES = ["readwrite", "readonly", "writeonly", "diagnostics", "consoleAdmin"];
const S3_ARN_PREFIX = "arn:aws:s3:::";
/** Rights that destroy a bucket's backups or lift their protection; named when a wildcard grants them. */
const DESTRUCTIVE_ACTIONS = [
    "s3:DeleteBucket", "s3:ForceDeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning", "s3:DeleteObjectVersion", "s3:PutBucketObjectLockConfiguration", "s3:PutObjectRetention",
    "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutReplicationConfiguration", "s3:PutEncryptionConfiguration",
    "s3:PutBucketAcl", "s3:PutObjectAcl", "s3:PutBucketTagging", "s3:PutBucketNotification",
];

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM action globs: `*` is any run of characters, `?` one character, and names are case-insensitive. */
function globMatches(pattern: string, action: string): boolean {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${body}$`, "i").test(action);
}

function actionProblem(field: string, action: unknown, allowed: string[]): string | undefined {
    const name = String(action);
    if (allowed.some((a) => a.toLowerCase() === name.toLowerCase())) {
        return undefined;
    }
    const list = `policy config allowedActions (${allowed.join(", ")})`;
    if (/[*?]/.test(name)) {
        const grants = DESTRUCTIVE_ACTIONS.filter((a) => globMatches(name, a));
        return `${field} is ${show(action)}, a wildcard: it grants every action it matches, today's and later ones` +
            `${grants.length > 0 ? `, among them ${grants.slice(0, 5).join(", ")}` : ""}. List the actions the user needs by name, from ${list}.`;
    }
    return `${field} is ${show(action)}, which is not in ${list}: a backup user that can change or delete its bucket, ` +
        `its policy, lifecycle, versioning or object lock can destroy the backups it exists to protect. ` +
        `Remove it; add an action to allowedActions only for a stack that really needs it.`;
}

interface Finding {
    problems: string[];
    buckets: Set<string>;
}

function inspectStatements(doc: unknown, allowed: string[]): Finding {
    const finding: Finding = { problems: [], buckets: new Set() };
    const statements = at(doc, "Statement");
    asList(statements).forEach((statement, i) => {
        const where = Array.isArray(statements) ? `Statement[${i}]` : "Statement";
        if (statement === null || typeof statement !== "object") {
            finding.problems.push(`${where} is ${show(statement)}, not a statement. Write each statement as { Effect, Action, Resource }.`);
            return;
        }
        const s = statement as Record<string, unknown>;
        if (s.Effect === "Deny") {
            return; // Deny statements only take rights away; anything else is read as an Allow.
        }
        // A list gets an index per entry; a single string is the field itself.
        const listed = (key: string) => asList(s[key]).map((value, j) => ({
            field: Array.isArray(s[key]) ? `${where}.${key}[${j}]` : `${where}.${key}`, value,
        }));
        if (s.NotAction !== undefined) {
            finding.problems.push(`${where}.NotAction is ${show(s.NotAction)}: an Allow with NotAction grants every action it does not ` +
                `list, s3:DeleteBucket and s3:PutBucketPolicy included. Replace it with Action listing only actions from policy config allowedActions.`);
        }
        if (s.NotResource !== undefined) {
            finding.problems.push(`${where}.NotResource is ${show(s.NotResource)}: an Allow with NotResource grants every resource it ` +
                `does not list, every other bucket included. Replace it with Resource naming arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*.`);
        }
        for (const { field, value } of listed("Action")) {
            const problem = actionProblem(field, value, allowed);
            if (problem) {
                finding.problems.push(problem);
            }
        }
        for (const { field, value } of listed("Resource")) {
            const resource = String(value);
            const bucket = resource.startsWith(S3_ARN_PREFIX) ? resource.slice(S3_ARN_PREFIX.length).split("/")[0] : "";
            if (bucket === "" || /[*?]/.test(bucket)) {
                finding.problems.push(`${field} is ${show(value)}, which is not one named bucket. Name the bucket: ` +
                    `arn:aws:s3:::<bucket> for bucket actions and arn:aws:s3:::<bucket>/* for object actions.`);
            } else {
                finding.buckets.add(bucket);
            }
        }
    });
    return finding;
}

/** The policy text as found, cut short: a document can be long. */
const excerpt = (text: string) => show(text.length > 60 ? `${text.slice(0, 60)}…` : text);

function checkPolicyDocument(subject: string, args: ResourceValidationArgs, cfg: MinioLeastPrivilegeConfig, report: ReportViolation): void {
    const text = at(args.props, "policy");
    if (text === UNKNOWN) {
        report(`${subject}: policy is unknown at preview, so its scope can't be checked. ` +
            `Build the JSON from literal bucket names (config), not from another resource's output.`);
        return;
    }
    let doc: unknown;
    try {
        doc = JSON.parse(String(text));
    } catch {
        report(`${subject}: policy is not valid JSON, found ${excerpt(String(text))}. Generate it with JSON.stringify.`);
        return;
    }
    const { problems, buckets } = inspectStatements(doc, cfg.allowedActions);
    for (const problem of problems) {
        report(`${subject}: policy ${problem}`);
    }
    if (buckets.size > cfg.maxBucketsPerPolicy) {
        report(`${subject}: policy Statement[].Resource names ${buckets.size} buckets (${[...buckets].join(", ")}), more than the limit of ` +
            `${cfg.maxBucketsPerPolicy}. Give each user a policy for its own bucket (policy config maxBucketsPerPolicy).`);
    } else if (buckets.size === 0 && problems.length === 0) {
        report(`${subject}: policy Statement allows nothing on a named bucket (no Allow statement with an arn:aws:s3:::<bucket> resource), ` +
            `${found(at(doc, "Statement"))}. Name the one bucket the user needs.`);
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
    description: "Every MinIO policy for a user names exactly one bucket's resources and allows only the object actions a backup tool needs.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: validate,
};
