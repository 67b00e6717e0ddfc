// The leak scan of the end-to-end suite finds a secret in every form it claims to, so that its "no leak"
// results mean something.
import * as assert from "assert";
import { randomBytes } from "crypto";
import { findLeaks, secretForms } from "./helpers/secretLeaks";

describe("secret leak scan", () => {
    const secret = { name: "restic password", value: "s3cr3t/with+special chars&\"quotes\"=42??>" };
    const alphanumeric = { name: "secret key", value: "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" };
    const scan = (text: string) => findLeaks(text, [secret, alphanumeric]);

    it("finds a secret in plaintext and reports its name, never its value", () => {
        const [report, ...rest] = scan(`password: ${alphanumeric.value}\n`);
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(report, "secret key (plaintext)");
    });

    it("finds a secret base64-encoded inside a larger blob, at every byte offset", () => {
        for (const prefix of ["", "a", "ab", "abc", "[default]\naws_secret_access_key = "]) {
            for (const suffix of ["", "\n", "xy"]) {
                const blob = Buffer.from(`${prefix}${secret.value}${suffix}`).toString("base64");
                assert.deepStrictEqual(scan(`data: {"credentials": "${blob}"}`), ["restic password (base64)"], `prefix ${JSON.stringify(prefix)}, suffix ${JSON.stringify(suffix)}`);
            }
        }
    });

    it("finds base64url, URL-encoded, form-encoded, hex and JSON-escaped forms", () => {
        const bytes = Buffer.from(secret.value);
        const cases: [string, string][] = [
            [bytes.toString("base64url"), "base64url"],
            [`https://user:${encodeURIComponent(secret.value)}@minio`, "URL-encoded"],
            [`password=${new URLSearchParams({ p: secret.value }).toString().slice(2)}`, "form-encoded"],
            [`0x${bytes.toString("hex")}`, "hex"],
            [JSON.stringify({ password: secret.value }), "JSON-escaped"],
        ];
        for (const [text, form] of cases) {
            assert.deepStrictEqual(scan(text), [`restic password (${form})`], text);
        }
    });

    it("does not report text that holds no secret, nor a secret's neighbours", () => {
        const noise = randomBytes(64 * 1024);
        assert.deepStrictEqual(scan([noise.toString("base64"), noise.toString("hex"), secret.value.slice(0, -1), alphanumeric.value.slice(1)].join("\n")), []);
    });

    it("searches each distinct form once", () => {
        const forms = secretForms(alphanumeric.value).map((form) => form.text);
        assert.strictEqual(new Set(forms).size, forms.length);
        assert.ok(!forms.some((form) => form.length < 16), "a form too short to search for");
    });

    it("refuses a value too short to search for", () => {
        assert.throws(() => findLeaks("x", [{ name: "MinIO root user", value: "admin" }]), /MinIO root user: 5 characters is too short/);
    });
});
