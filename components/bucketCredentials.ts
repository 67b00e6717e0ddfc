// One purpose's object storage: a bucket, a user that may touch only that bucket, and the credentials
// (plus a restic password) stored in 1Password. VolSync and Velero each get their own.
import * as onepassword from "@1password/pulumi-onepassword";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ExistingItem } from "./itemLookup";

export interface BucketCredentialsArgs {
    /** Bucket name; it is retained when the stack is destroyed, backups outlive the cluster. */
    bucket: string;
    /** MinIO user (the S3 access key id). */
    user: string;
    /** Title of the 1Password item holding the credentials. */
    itemTitle: string;
    /** UUID of the 1Password vault the item lives in (as the program's vault lookup found it). */
    vaultUuid: pulumi.Input<string>;
    /** Shown in 1Password so people know what an item is for. */
    purpose: string;
    /** The bucket exists already (kept by an earlier destroy): adopt it and its backups. */
    adoptExistingBucket?: boolean;
    /** The vault holds the item already (kept by an earlier destroy, or made by hand): adopt it and keep its
     * restic password, so the repositories in the bucket stay readable. */
    existingItem?: ExistingItem;
    /** Changing this value issues the user a new secret key, written into the same item. */
    keyRotation?: string;
}

/** S3 actions a backup tool needs on its own bucket, and no others. */
export const bucketActions = [
    "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
    // Velero's AWS plugin uploads large objects in parts and cleans up after a failed upload.
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
] as const;

/** An IAM policy document allowing `bucketActions` on exactly one bucket. */
export function bucketPolicyDocument(bucket: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`] },
            {
                Effect: "Allow",
                Action: bucketActions.filter((action) => action !== "s3:ListBucket"),
                Resource: [`arn:aws:s3:::${bucket}/*`],
            },
        ],
    });
}

/** Field labels in the 1Password item; ExternalSecrets extract them by these names. */
export const credentialFields = {
    resticPassword: "RESTIC_PASSWORD",
    accessKeyId: "AWS_ACCESS_KEY_ID",
    secretAccessKey: "AWS_SECRET_ACCESS_KEY",
} as const;

export class BucketCredentials extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly accessKeyId: pulumi.Output<string>;
    /** Secret. */
    readonly secretAccessKey: pulumi.Output<string>;
    /** Secret. */
    readonly resticPassword: pulumi.Output<string>;
    readonly itemUuid: pulumi.Output<string>;
    readonly itemTitle: string;

    constructor(name: string, args: BucketCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("storage-backup:storage:BucketCredentials", name, {}, opts);
        const child = { parent: this };

        const bucket = new minio.S3Bucket(name, { bucket: args.bucket, forceDestroy: false },
            { ...child, retainOnDelete: true, import: args.adoptExistingBucket ? args.bucket : undefined });
        // Generated here rather than by MinIO so the value is ours to mark secret and stays stable. A new
        // rotation value replaces it: MinIO's user and the item get the new key, the old one stops working.
        const secretKey = new random.RandomPassword(`${name}-secret-key`, {
            length: 40, special: false, ...(args.keyRotation ? { keepers: { rotation: args.keyRotation } } : {}),
        }, child);
        // Only used when the vault has no restic password for these repositories yet: the vault's copy wins,
        // so a rebuilt stack reads the backups its predecessor wrote.
        const generatedResticPassword = new random.RandomPassword(`${name}-restic-password`, {
            length: 48, special: true, overrideSpecial: "-_.~+=", minUpper: 4, minLower: 4, minNumeric: 4,
        }, child);
        const resticPassword = args.existingItem?.resticPassword ?? generatedResticPassword.result;
        const user = new minio.IamUser(name, { name: args.user, secret: secretKey.result, forceDestroy: false },
            { ...child, additionalSecretOutputs: ["secret"] });
        const policy = new minio.IamPolicy(name, {
            name: `${args.user}-${args.bucket}`,
            policy: bucket.bucket.apply(bucketPolicyDocument),
        }, child);
        new minio.IamUserPolicyAttachment(name, { userName: user.name, policyName: policy.name }, child);

        const item = new onepassword.Item(name, {
            vault: args.vaultUuid,
            title: args.itemTitle,
            category: "login",
            username: user.name,
            password: pulumi.secret(secretKey.result),
            noteValue: `Managed by Pulumi (${pulumi.getProject()}/${pulumi.getStack()}): ${args.purpose}, bucket ${args.bucket}.`,
            sections: [{
                label: "S3 backup credentials",
                fields: [
                    { label: credentialFields.resticPassword, type: "CONCEALED", value: pulumi.secret(resticPassword) },
                    { label: credentialFields.accessKeyId, type: "CONCEALED", value: pulumi.secret(user.name) },
                    { label: credentialFields.secretAccessKey, type: "CONCEALED", value: pulumi.secret(secretKey.result) },
                ],
            }],
        }, {
            ...child,
            additionalSecretOutputs: ["sections", "password"],
            // The restic password is the only key to the repositories in the retained bucket.
            retainOnDelete: true,
            // Adopted, then updated in place to the fields above: one item per title, always.
            import: args.existingItem?.importId,
        });

        this.bucketName = bucket.bucket;
        this.accessKeyId = user.name;
        this.secretAccessKey = pulumi.secret(secretKey.result);
        this.resticPassword = pulumi.secret(resticPassword);
        this.itemUuid = item.uuid;
        this.itemTitle = args.itemTitle;
        this.registerOutputs({ bucketName: this.bucketName, accessKeyId: this.accessKeyId, itemUuid: this.itemUuid });
    }
}
