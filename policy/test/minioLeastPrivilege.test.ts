import { minioLeastPrivilege } from "../policies/minioLeastPrivilege";
import { assertClean, assertNotApplicable, assertViolations, k8s } from "./fixtures";
import { ResourceRecord, runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const statement = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const iamPolicy = (...statements: object[]): ResourceRecord => ({
    type: "minio:index/iamPolicy:IamPolicy", name: "db-backup",
    props: { name: "db-backup", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
});
const bucketStatements = (bucket: string) => [
    statement(["s3:ListBucket", "s3:GetBucketLocation"], [`arn:aws:s3:::${bucket}`]),
    statement(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [`arn:aws:s3:::${bucket}/*`]),
];
const attachment = (policyName: unknown): ResourceRecord => ({
    type: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment", name: "db-backup", props: { userName: "db-backup", policyName },
});

describe("minio-least-privilege", () => {
    it("passes a policy scoped to one bucket, and attachments of such policies", async () => {
        assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("backups"), { Effect: "Deny", Action: "*", Resource: "*" })));
        assertClean(await runPolicy(minioLeastPrivilege, attachment("db-backup")));
        assertClean(await runPolicy(minioLeastPrivilege, attachment(UNKNOWN_AT_PREVIEW)));
    });

    it("flags a policy spanning two buckets", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("a"), ...bucketStatements("b"))),
            [/IamPolicy "db-backup": policy grants access to 2 buckets \(a, b\), more than the limit of 1/]);
    });

    it("flags wildcard resources and admin or all actions", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement("s3:*", "*"))), [/Statement\[0\] allows resource "\*", which is not one named bucket/]);
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement("s3:GetObject", "arn:aws:s3:::*"))), [/allows resource "arn:aws:s3:::\*"/]);
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement("admin:ServerInfo", "arn:aws:s3:::backups"))), [/allows action "admin:ServerInfo" \(admin or all actions\)/]);
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement("*", "arn:aws:s3:::backups"))), [/allows action "\*"/]);
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement(undefined, "arn:aws:s3:::backups", { NotAction: "s3:DeleteObject" }))), [/uses NotAction/]);
    });

    it("flags a policy that names no bucket and invalid JSON", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy()), [/allows nothing on a named bucket/]);
        assertViolations(await runPolicy(minioLeastPrivilege, { ...iamPolicy(), props: { policy: "{" } }), [/not valid JSON/]);
    });

    it("flags attaching a built-in policy", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, attachment("readwrite")), [/policyName is MinIO's built-in "readwrite", which spans every bucket/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(minioLeastPrivilege, k8s("v1", "ConfigMap", "c", {})), "minio-least-privilege");
    });

    it("lets config widen the bucket count and allow a canned policy", async () => {
        const config = { "minio-least-privilege": { maxBucketsPerPolicy: 2, allowedCannedPolicies: ["readonly"] } };
        assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("a"), ...bucketStatements("b")), config));
        assertClean(await runPolicy(minioLeastPrivilege, attachment("readonly"), config));
    });

    it("reports a policy document unknown at preview as a violation", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, { ...iamPolicy(), props: { policy: UNKNOWN_AT_PREVIEW } }), [/policy document is unknown at preview/]);
    });
});
