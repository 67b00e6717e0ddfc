// The 1Password Connect stand-in answers as Connect does for the calls the onepassword provider makes, so
// that a provider bug is not hidden (or invented) by the double.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { connectHandler, ConnectStandIn } from "./sandbox/connectServer";

describe("1Password Connect stand-in", () => {
    const token = "test-token";
    let server: http.Server;
    let base: string;
    let dir: string;

    const call = async (method: string, url: string, body?: unknown, bearer = token) => {
        const response = await fetch(`${base}${url}`, {
            method,
            headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const byTitle = (title: string) => `filter=${encodeURIComponent(`title eq "${title}"`)}`;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "connect-test-"));
        server = http.createServer(connectHandler(new ConnectStandIn(path.join(dir, "items.json"), "vault-a"), token));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(async () => {
        await new Promise((resolve) => server.close(resolve));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("rejects a wrong bearer token with Connect's error body", async () => {
        assert.deepStrictEqual(await call("GET", "/v1/vaults", undefined, "wrong"), { status: 401, body: { status: 401, message: "Invalid token signature" } });
    });

    it("finds the vault by title filter, with a 26-character id", async () => {
        const { status, body } = await call("GET", `/v1/vaults?${byTitle("vault-a")}`);
        assert.strictEqual(status, 200);
        assert.strictEqual(body.length, 1);
        assert.match(body[0].id, /^[a-z0-9]{26}$/);
        assert.deepStrictEqual((await call("GET", `/v1/vaults?${byTitle("other")}`)).body, []);
    });

    it("creates (200, full item), finds by title, reads, updates and deletes (204) an item", async () => {
        const [vault] = (await call("GET", "/v1/vaults")).body;
        const created = await call("POST", `/v1/vaults/${vault.id}/items`, {
            title: "creds", category: "LOGIN", vault: { id: vault.id },
            sections: [{ id: "s1", label: "S3" }],
            fields: [
                { id: "password", purpose: "PASSWORD", type: "CONCEALED", generate: true, recipe: { length: 40, characterSets: ["DIGITS"] } },
                { label: "AWS_ACCESS_KEY_ID", type: "CONCEALED", value: "user", section: { id: "s1" } },
            ],
        });
        assert.strictEqual(created.status, 200);
        assert.match(created.body.id, /^[a-z0-9]{26}$/);
        assert.match(created.body.fields[0].value, /^\d{40}$/, "a generated field is filled per its recipe");
        assert.strictEqual(created.body.fields[0].generate, undefined);
        assert.match(created.body.fields[1].id, /^[a-z0-9]{26}$/);

        const found = await call("GET", `/v1/vaults/${vault.id}/items?${byTitle("creds")}`);
        assert.deepStrictEqual(found.body.map((item: any) => item.id), [created.body.id]);
        assert.strictEqual(found.body[0].fields, undefined, "a listing has no field values");

        const updated = await call("PUT", `/v1/vaults/${vault.id}/items/${created.body.id}`, { ...created.body, title: "creds-2" });
        assert.strictEqual(updated.body.version, 2);
        assert.strictEqual((await call("GET", `/v1/vaults/${vault.id}/items/${created.body.id}`)).body.title, "creds-2");

        assert.strictEqual((await call("DELETE", `/v1/vaults/${vault.id}/items/${created.body.id}`)).status, 204);
        assert.deepStrictEqual(await call("GET", `/v1/vaults/${vault.id}/items/${created.body.id}`),
            { status: 404, body: { status: 404, message: `Invalid Item UUID: ${created.body.id}` } });
    });

    it("answers ESO's Connect client (connect-sdk-go) as it asks: Go-escaped title filters, then each item by id", async () => {
        // Go's url.QueryEscape writes spaces as '+', where encodeURIComponent writes %20.
        const goFilter = (title: string) => `filter=title+eq+%22${encodeURIComponent(title)}%22`;
        const [vault] = (await call("GET", `/v1/vaults?${goFilter("vault-a")}`)).body;
        assert.strictEqual(vault.name, "vault-a");
        const fields = [{ label: "RESTIC_PASSWORD", type: "CONCEALED", value: "p", section: { id: "s1" } }];
        await call("POST", `/v1/vaults/${vault.id}/items`, { title: "volsync minio", category: "LOGIN", vault: { id: vault.id }, sections: [{ id: "s1" }], fields });
        const summaries = (await call("GET", `/v1/vaults/${vault.id}/items?${goFilter("volsync minio")}`)).body;
        assert.strictEqual(summaries.length, 1);
        // The SDK reads the vault of each summary to fetch the whole item.
        assert.strictEqual(summaries[0].vault.id, vault.id);
        const item = (await call("GET", `/v1/vaults/${summaries[0].vault.id}/items/${summaries[0].id}`)).body;
        assert.deepStrictEqual(item.fields.map(({ label, value }: any) => ({ label, value })), [{ label: "RESTIC_PASSWORD", value: "p" }]);
        assert.deepStrictEqual((await call("GET", `/v1/vaults/${vault.id}/items?${goFilter("volsync")}`)).body, [], "a title filter matches whole titles only");
    });

    it("answers 400 to an item without a title and 404 to an unknown vault", async () => {
        const [vault] = (await call("GET", "/v1/vaults")).body;
        assert.strictEqual((await call("POST", `/v1/vaults/${vault.id}/items`, { category: "LOGIN" })).status, 400);
        assert.strictEqual((await call("GET", "/v1/vaults/nosuchvault00000000000000000")).status, 404);
    });
});
