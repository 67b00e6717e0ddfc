import { localStorageBindingMode } from "../policies/localStorageBindingMode";
import { singleDefaultStorageClass } from "../policies/singleDefaultStorageClass";
import { assertClean, assertNotApplicable, assertViolations, k8s } from "./fixtures";
import { ResourceRecord, runPolicy, UNKNOWN_AT_PREVIEW } from "./harness";

const storageClass = (name: string, provisioner: unknown, volumeBindingMode?: unknown, isDefault?: unknown): ResourceRecord => ({
    type: "kubernetes:storage.k8s.io/v1:StorageClass", name,
    props: {
        apiVersion: "storage.k8s.io/v1", kind: "StorageClass", provisioner,
        metadata: { name, annotations: isDefault === undefined ? {} : { "storageclass.kubernetes.io/is-default-class": isDefault } },
        ...(volumeBindingMode === undefined ? {} : { volumeBindingMode }),
    },
});

describe("local-storage-binding-mode", () => {
    it("passes LocalPV classes with WaitForFirstConsumer and non-local classes with anything", async () => {
        assertClean(await runPolicy(localStorageBindingMode, storageClass("openebs-hostpath", "openebs.io/local", "WaitForFirstConsumer")));
        assertClean(await runPolicy(localStorageBindingMode, storageClass("ceph", "rbd.csi.ceph.com", "Immediate")));
    });
    it("flags Immediate and unset binding modes on local classes", async () => {
        assertViolations(await runPolicy(localStorageBindingMode, storageClass("openebs-hostpath", "openebs.io/local", "Immediate")),
            [/StorageClass "openebs-hostpath": local provisioner "openebs\.io\/local" needs volumeBindingMode "WaitForFirstConsumer", found "Immediate"/]);
        assertViolations(await runPolicy(localStorageBindingMode, storageClass("lvm", "local.csi.openebs.io")), [/found|it is not set/]);
    });
    it("does not apply to other types", async () => {
        assertNotApplicable(await runPolicy(localStorageBindingMode, k8s("v1", "ConfigMap", "c", {})), "local-storage-binding-mode");
    });
    it("lets config name the local provisioners", async () => {
        const sc = storageClass("ceph", "rbd.csi.ceph.com", "Immediate");
        assertViolations(await runPolicy(localStorageBindingMode, sc, { "local-storage-binding-mode": { localProvisioners: ["rbd.csi.ceph.com"] } }), [/needs volumeBindingMode/]);
    });
    it("reports unknown provisioner or mode as violations", async () => {
        assertViolations(await runPolicy(localStorageBindingMode, storageClass("x", UNKNOWN_AT_PREVIEW, "Immediate")), [/provisioner must be known at preview/]);
        assertViolations(await runPolicy(localStorageBindingMode, storageClass("x", "openebs.io/local", UNKNOWN_AT_PREVIEW)), [/but it is unknown at preview/]);
    });
});

describe("single-default-storage-class", () => {
    it("passes one default class", async () => {
        assertClean(await runPolicy(singleDefaultStorageClass, [
            storageClass("openebs-hostpath", "openebs.io/local", "WaitForFirstConsumer", "true"),
            storageClass("other", "openebs.io/local", "WaitForFirstConsumer", "false"),
        ]));
    });
    it("flags two default classes, each named", async () => {
        const r = await runPolicy(singleDefaultStorageClass, [storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true"), storageClass("b", "x", "Immediate", "true")]);
        assertViolations(r, [/StorageClass "a" is one of 2 default StorageClasses \(StorageClass "a", StorageClass "b"\); at most 1/, /StorageClass "b" is one of 2/]);
    });
    it("does not apply to a stack without StorageClasses", async () => {
        assertNotApplicable(await runPolicy(singleDefaultStorageClass, [k8s("v1", "ConfigMap", "c", {})]), "single-default-storage-class");
    });
    it("lets config forbid any default class (the cluster already has one)", async () => {
        assertViolations(await runPolicy(singleDefaultStorageClass, [storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true")],
            { "single-default-storage-class": { maxDefaultClasses: 0 } }), [/at most 0/]);
    });
    it("counts a default annotation unknown at preview as default", async () => {
        assertViolations(await runPolicy(singleDefaultStorageClass, [
            storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true"), storageClass("b", "x", "Immediate", UNKNOWN_AT_PREVIEW),
        ]), [/"a" is one of 2/, /"b" is one of 2/]);
    });
});
