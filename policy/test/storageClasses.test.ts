import { localStorageBindingMode } from "../policies/localStorageBindingMode";
import { singleDefaultStorageClass } from "../policies/singleDefaultStorageClass";
import { assertClean, assertNotApplicable, assertViolations, describeMessages, k8s } from "./fixtures";
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
    const binding = "volumeBindingMode";
    describeMessages(localStorageBindingMode, {
        "Immediate binding": [storageClass("lvm", "local.csi.openebs.io", "Immediate"),
            { resource: 'StorageClass "lvm"', field: binding, value: 'found "Immediate"', fix: 'Set volumeBindingMode: "WaitForFirstConsumer"' }],
        "no binding mode": [storageClass("lvm", "local.csi.openebs.io"),
            { resource: 'StorageClass "lvm"', field: binding, value: "it is not set", fix: 'Set volumeBindingMode: "WaitForFirstConsumer"' }],
        "a binding mode unknown at preview": [storageClass("lvm", "local.csi.openebs.io", UNKNOWN_AT_PREVIEW),
            { resource: 'StorageClass "lvm"', field: binding, value: "unknown at preview", fix: 'Set volumeBindingMode: "WaitForFirstConsumer"' }],
        "a provisioner unknown at preview": [storageClass("lvm", UNKNOWN_AT_PREVIEW, "Immediate"),
            { resource: 'StorageClass "lvm"', field: "provisioner", value: "unknown at preview", fix: "Set it to a literal" }],
    });

    it("reports unknown provisioner or mode as violations", async () => {
        assertViolations(await runPolicy(localStorageBindingMode, storageClass("x", UNKNOWN_AT_PREVIEW, "Immediate")), [/provisioner is unknown at preview/]);
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
        assertViolations(r, [/StorageClass "a": .* is "true", making it one of 2 default StorageClasses \(StorageClass "a", StorageClass "b"\); at most 1/, /StorageClass "b": .*one of 2/]);
    });
    it("does not apply to a stack without StorageClasses", async () => {
        assertNotApplicable(await runPolicy(singleDefaultStorageClass, [k8s("v1", "ConfigMap", "c", {})]), "single-default-storage-class");
    });
    it("lets config forbid any default class (the cluster already has one)", async () => {
        assertViolations(await runPolicy(singleDefaultStorageClass, [storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true")],
            { "single-default-storage-class": { maxDefaultClasses: 0 } }), [/at most 0/]);
    });
    const beta = (name: string): ResourceRecord => {
        const sc = storageClass(name, "openebs.io/local", "WaitForFirstConsumer");
        (sc.props.metadata as Record<string, unknown>).annotations = { "storageclass.beta.kubernetes.io/is-default-class": "true" };
        return sc;
    };
    // With the cluster's default elsewhere (maxDefaultClasses 0), one default class is one violation.
    const noDefault = { "single-default-storage-class": { maxDefaultClasses: 0 } };
    describeMessages(singleDefaultStorageClass, {
        "a default class": [[storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true"), storageClass("b", "x", "Immediate", "false")],
            { resource: 'StorageClass "a"', field: 'metadata.annotations["storageclass.kubernetes.io/is-default-class"]', value: 'is "true"',
                fix: "Remove the annotation from all but one (policy config maxDefaultClasses)" }, noDefault],
        "a default class by the beta annotation": [[beta("old")],
            { resource: 'StorageClass "old"', field: 'metadata.annotations["storageclass.beta.kubernetes.io/is-default-class"]', value: 'is "true"',
                fix: "Remove the annotation from all but one" }, noDefault],
    });

    it("counts a default annotation unknown at preview as default", async () => {
        assertViolations(await runPolicy(singleDefaultStorageClass, [
            storageClass("a", "openebs.io/local", "WaitForFirstConsumer", "true"), storageClass("b", "x", "Immediate", UNKNOWN_AT_PREVIEW),
        ]), [/"a": .* is "true", making it one of 2/, /"b": .* is <unknown at preview>, making it one of 2/]);
    });
});
