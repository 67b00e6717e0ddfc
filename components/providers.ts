// Explicit providers for the three systems the stack talks to. Default providers are disabled in the
// stack config, so nothing can land in whatever cluster or server happens to be ambient.
import * as onepassword from "@1password/pulumi-onepassword";
import * as k8s from "@pulumi/kubernetes";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { StackSecrets, StackSettings } from "./config/stackConfig";
import { caBundleFile } from "./s3Endpoint";

export interface StackProviders {
    kubernetes: k8s.Provider;
    minio: minio.Provider;
    onepassword: onepassword.Provider;
}

export function createProviders(settings: StackSettings, secrets: StackSecrets): StackProviders {
    const kubernetes = new k8s.Provider("cluster", {
        kubeconfig: settings.kubernetes.kubeconfigPath,
        context: settings.kubernetes.context,
    });
    const minioProvider = new minio.Provider("minio", {
        minioServer: settings.minio.endpoint,
        minioUser: secrets.minioAdminUser,
        minioPassword: secrets.minioAdminPassword,
        minioSsl: settings.minio.useTls,
        minioInsecure: settings.minio.insecureSkipVerify,
        minioCacertFile: settings.minio.caBundle ? caBundleFile(settings.minio.caBundle) : undefined,
        minioRegion: settings.minio.region,
    });
    const onepasswordProvider = new onepassword.Provider("onepassword", settings.onepassword.connectUrl
        ? { url: settings.onepassword.connectUrl, token: secrets.onepasswordToken }
        : { serviceAccountToken: secrets.onepasswordToken });
    return { kubernetes, minio: minioProvider, onepassword: onepasswordProvider };
}

/** Resource options that pin every child of a component to the stack's explicit providers. */
export function providerOptions(providers: StackProviders): pulumi.ComponentResourceOptions {
    return { providers: [providers.kubernetes, providers.minio, providers.onepassword] };
}
