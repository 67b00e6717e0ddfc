import * as assert from "assert";
import { minioLeastPrivilege } from "../policies/minioLeastPrivilege";
import { assertClean, assertNames, assertNotApplicable, assertViolations, describeMessages, k8s } from "./fixtures";
import { ResourceRecord, runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const statement = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const policyOf = (document: object): ResourceRecord => ({
    type: "minio:index/iamPolicy:IamPolicy", name: "db-backup", props: { name: "db-backup", policy: JSON.stringify(document) },
});
const iamPolicy = (...statements: unknown[]) => policyOf({ Version: "2012-10-17", Statement: statements });
const bucketStatements = (bucket: string) => [
    statement(["s3:ListBucket", "s3:GetBucketLocation"], [`arn:aws:s3:::${bucket}`]),
    statement(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [`arn:aws:s3:::${bucket}/*`]),
];
const attachment = (policyName: unknown): ResourceRecord => ({
    type: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment", name: "db-backup", props: { userName: "db-backup", policyName },
});

const BUCKET = "arn:aws:s3:::backups";
const OBJECTS = "arn:aws:s3:::backups/*";
const RESOURCE = 'IamPolicy "db-backup"';
/** The default allowedActions, written out here so that widening the default fails a test. */
const BACKUP_ACTIONS = [
    "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
];

/** A policy that is fine but for `action`, granted on the bucket's own resources between two allowed ones. */
const withAction = (action: unknown, resource = BUCKET) => iamPolicy(
    statement(["s3:ListBucket"], [BUCKET]),
    statement(["s3:GetObject", action, "s3:PutObject"], [resource, OBJECTS]),
);

describe("minio-least-privilege", () => {
    it("passes a policy scoped to one bucket, and attachments of such policies", async () => {
        assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("backups"), { Effect: "Deny", Action: "*", Resource: "*" })));
        assertClean(await runPolicy(minioLeastPrivilege, attachment("db-backup")));
        assertClean(await runPolicy(minioLeastPrivilege, attachment(UNKNOWN_AT_PREVIEW)));
    });

    describe("allows exactly the actions a backup tool uses", () => {
        it("defaults allowedActions to restic's, kopia's and Velero's object actions and nothing else", () => {
            assert.deepStrictEqual(minioLeastPrivilege.configSchema?.properties.allowedActions.default, BACKUP_ACTIONS);
        });
        it("passes the whole allowed set on the bucket and its objects", async () => {
            assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(statement(BACKUP_ACTIONS, [BUCKET, OBJECTS]))));
        });
        for (const action of [...BACKUP_ACTIONS, "S3:GETOBJECT", "s3:putobject", "s3:listBUCKET"]) {
            it(`passes ${action} (action names are case-insensitive)`, async () => {
                assertClean(await runPolicy(minioLeastPrivilege, withAction(action)));
                assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(statement(action, BUCKET))));
            });
        }
    });

    describe("flags every other action, even on the stack's own bucket", () => {
        const families: Record<string, string[]> = {
            "bucket deletion and creation": ["s3:DeleteBucket", "s3:ForceDeleteBucket", "s3:CreateBucket"],
            "bucket policy": ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:GetBucketPolicy"],
            lifecycle: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
            versioning: ["s3:PutBucketVersioning", "s3:DeleteObjectVersion", "s3:GetObjectVersion", "s3:ListBucketVersions"],
            "object lock, retention and legal hold": [
                "s3:PutBucketObjectLockConfiguration", "s3:PutObjectRetention", "s3:BypassGovernanceRetention", "s3:PutObjectLegalHold",
            ],
            replication: ["s3:PutReplicationConfiguration", "s3:ReplicateObject", "s3:ReplicateDelete"],
            encryption: ["s3:PutEncryptionConfiguration"],
            ACLs: ["s3:PutBucketAcl", "s3:PutObjectAcl"],
            tagging: ["s3:PutBucketTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging"],
            notifications: ["s3:PutBucketNotification", "s3:ListenBucketNotification"],
            "listing beyond the bucket's objects": ["s3:ListAllMyBuckets", "s3:ListBucketMultipartUploads"],
            "other services": ["admin:ServerInfo", "kms:CreateKey", "sts:AssumeRole"],
            "case variations": ["S3:DELETEBUCKET", "s3:deletebucket", "s3:putBucketPolicy", "S3:PutLifecycleConfiguration"],
        };
        for (const [family, actions] of Object.entries(families)) {
            for (const action of actions) {
                it(`${family}: ${action}`, async () => {
                    assertNames(await runPolicy(minioLeastPrivilege, withAction(action)),
                        [{ resource: RESOURCE, field: "Statement[1].Action[1]", value: JSON.stringify(action), fix: "Remove it" }]);
                });
            }
        }
        it("names a single-string Action and a single statement by their own field", async () => {
            assertNames(await runPolicy(minioLeastPrivilege, iamPolicy(statement("s3:DeleteBucket", BUCKET))),
                [{ resource: RESOURCE, field: "Statement[0].Action is", value: '"s3:DeleteBucket"', fix: "Remove it" }]);
            assertNames(await runPolicy(minioLeastPrivilege, policyOf({ Statement: statement("s3:PutBucketPolicy", BUCKET) })),
                [{ resource: RESOURCE, field: "Statement.Action is", value: '"s3:PutBucketPolicy"', fix: "Remove it" }]);
        });
        it("reads a statement whose Effect is not Deny as an Allow", async () => {
            assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement("s3:DeleteBucket", BUCKET, { Effect: "allow" }))),
                [/Statement\[0\]\.Action is "s3:DeleteBucket"/]);
        });
        it("reports each disallowed action of a statement", async () => {
            assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(statement(["s3:DeleteBucket", "s3:GetObject", "s3:PutBucketPolicy"], BUCKET))),
                [/Statement\[0\]\.Action\[0\] is "s3:DeleteBucket"/, /Statement\[0\]\.Action\[2\] is "s3:PutBucketPolicy"/]);
        });
    });

    describe("flags wildcard actions, whatever they expand to", () => {
        const cases: [string, string | undefined][] = [
            ["*", "s3:DeleteBucket"], ["s3:*", "s3:PutBucketPolicy"], ["S3:*", "s3:DeleteBucket"],
            ["s3:Delete*", "s3:DeleteBucket"], ["s3:Put*", "s3:PutBucketPolicy"], ["s3:*Bucket*", "s3:DeleteBucket"],
            ["s3:*Policy", "s3:PutBucketPolicy"], ["s3:PutObject*", "s3:PutObjectRetention"], ["s3:DeleteObject*", "s3:DeleteObjectVersion"],
            ["s3:*Lifecycle*", "s3:PutLifecycleConfiguration"], ["s3:put*versioning", "s3:PutBucketVersioning"],
            ["s3:Get*", undefined], ["s3:List*", undefined], ["s3:?etObject", undefined], ["admin:*", undefined],
        ];
        for (const [action, destructive] of cases) {
            it(`${action}${destructive ? `, which grants ${destructive}` : ""}`, async () => {
                const result = await runPolicy(minioLeastPrivilege, withAction(action));
                assertNames(result, [{ resource: RESOURCE, field: "Statement[1].Action[1]", value: `${JSON.stringify(action)}, a wildcard`, fix: "by name" }]);
                if (destructive) {
                    assert.match(result.violations[0].message, new RegExp(`among them [^.]*${destructive}\\b`));
                } else {
                    assert.doesNotMatch(result.violations[0].message, /among them/);
                }
            });
        }
    });

    describe("flags NotAction and NotResource in any shape", () => {
        const cases: [string, object, string, string][] = [
            ["NotAction list", { NotAction: ["s3:DeleteBucket"], Resource: BUCKET }, "Statement[0].NotAction", '["s3:DeleteBucket"]'],
            ["NotAction string", { NotAction: "s3:GetObject", Resource: OBJECTS }, "Statement[0].NotAction", '"s3:GetObject"'],
            ["NotResource", { Action: "s3:GetObject", NotResource: OBJECTS }, "Statement[0].NotResource", '"arn:aws:s3:::backups/*"'],
        ];
        for (const [name, body, field, value] of cases) {
            it(name, async () => {
                assertNames(await runPolicy(minioLeastPrivilege, iamPolicy({ Effect: "Allow", ...body })),
                    [{ resource: RESOURCE, field, value, fix: "Replace it with" }]);
            });
        }
        it("ignores NotAction in a Deny statement, which only takes rights away", async () => {
            assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("backups"), { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" })));
        });
    });

    it("flags a policy spanning two buckets", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("a"), ...bucketStatements("b"))),
            [/IamPolicy "db-backup": policy Statement\[\]\.Resource names 2 buckets \(a, b\), more than the limit of 1/]);
    });

    it("flags wildcard and foreign resources", async () => {
        for (const resource of ["*", "arn:aws:s3:::*", "arn:aws:s3:::back*/*", "arn:aws:iam::1:user/x"]) {
            assertNames(await runPolicy(minioLeastPrivilege, iamPolicy(statement("s3:GetObject", [OBJECTS, resource]))),
                [{ resource: RESOURCE, field: "Statement[0].Resource[1]", value: JSON.stringify(resource), fix: "Name the bucket" }]);
        }
    });

    const named = (field: string, value: string, fix: string, resource = RESOURCE) => ({ resource, field, value, fix });
    describeMessages(minioLeastPrivilege, {
        "an action outside the list": [withAction("s3:DeleteBucket"), named("Statement[1].Action[1]", '"s3:DeleteBucket"', "Remove it")],
        "a wildcard action": [withAction("s3:*"), named("Statement[1].Action[1]", '"s3:*"', "by name")],
        "NotAction": [iamPolicy({ Effect: "Allow", NotAction: "s3:DeleteObject", Resource: BUCKET }), named("Statement[0].NotAction", '"s3:DeleteObject"', "Replace it with Action")],
        "a resource that is no bucket": [iamPolicy(statement("s3:GetObject", "*")), named("Statement[0].Resource", '"*"', "Name the bucket")],
        "too many buckets": [iamPolicy(...bucketStatements("a"), ...bucketStatements("b")), named("Statement[].Resource", "2 buckets (a, b)", "Give each user a policy for its own bucket")],
        "no statement": [iamPolicy(), named("policy Statement", "found []", "Name the one bucket")],
        "no Statement field": [policyOf({ Version: "2012-10-17" }), named("policy Statement", "it is not set", "Name the one bucket")],
        "a statement that is no object": [iamPolicy("s3:GetObject"), named("Statement[0]", '"s3:GetObject", not a statement', "Write each statement as")],
        "invalid JSON": [{ ...iamPolicy(), props: { policy: "{" } }, named("policy", 'found "{"', "Generate it with JSON.stringify")],
        "a document unknown at preview": [{ ...iamPolicy(), props: { policy: UNKNOWN_AT_PREVIEW } }, named("policy", "unknown at preview", "Build the JSON from literal bucket names")],
        "a built-in policy attached": [attachment("readwrite"),
            named("policyName", '"readwrite"', "Attach a minio.IamPolicy scoped to the user's bucket", 'IamUserPolicyAttachment "db-backup"')],
    });

    it("cuts a long invalid document short in its message", async () => {
        const result = await runPolicy(minioLeastPrivilege, { ...iamPolicy(), props: { policy: `{"Statement": [${"x".repeat(500)}` } });
        assertViolations(result, [/policy is not valid JSON, found "\{\\"Statement\\": \[x+…"/]);
        assert.ok(result.violations[0].message.length < 200, result.violations[0].message);
    });

    it("flags attaching a built-in policy", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, attachment("readwrite")), [/policyName is MinIO's built-in "readwrite", which spans every bucket/]);
    });

    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(minioLeastPrivilege, k8s("v1", "ConfigMap", "c", {})), "minio-least-privilege");
    });

    it("lets config widen the bucket count, the actions and the canned policies", async () => {
        const config = {
            "minio-least-privilege": { maxBucketsPerPolicy: 2, allowedCannedPolicies: ["readonly"], allowedActions: [...BACKUP_ACTIONS, "s3:PutObjectTagging"] },
        };
        assertClean(await runPolicy(minioLeastPrivilege, iamPolicy(...bucketStatements("a"), ...bucketStatements("b")), config));
        assertClean(await runPolicy(minioLeastPrivilege, attachment("readonly"), config));
        assertClean(await runPolicy(minioLeastPrivilege, withAction("s3:PutObjectTagging"), config));
        assertViolations(await runPolicy(minioLeastPrivilege, withAction("s3:PutBucketTagging"), config), [/"s3:PutBucketTagging", which is not in policy config allowedActions/]);
    });

    it("lets config narrow the actions, and falls back to the default list without config", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, withAction("s3:DeleteObject"), { "minio-least-privilege": { allowedActions: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"] } }),
            [/Statement\[1\]\.Action\[1\] is "s3:DeleteObject"/]);
        assertClean(await runPolicy(minioLeastPrivilege, withAction("s3:AbortMultipartUpload"), {}, { applySchemaDefaults: false }));
        assertViolations(await runPolicy(minioLeastPrivilege, withAction("s3:DeleteBucket"), {}, { applySchemaDefaults: false }), [/"s3:DeleteBucket"/]);
    });

    it("reports a policy document unknown at preview as a violation", async () => {
        assertViolations(await runPolicy(minioLeastPrivilege, { ...iamPolicy(), props: { policy: UNKNOWN_AT_PREVIEW } }), [/policy is unknown at preview/]);
    });
});
