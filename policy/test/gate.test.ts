// The gate's decision and summary from engine events (policy/gate). The same code against the real CLI:
// cli.e2e.test.ts (fixture project) and test/e2e/sandbox.e2e.ts (the sandbox stack).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { GitHubClient, upsertComment } from "../gate/comment";
import { collectEvents, resourceOf } from "../gate/events";
import { GateIo, runGate } from "../gate/main";
import { PreviewRequest, PreviewRun } from "../gate/preview";
import { MAX_ROWS, renderSummary } from "../gate/summary";
import { verdict } from "../gate/verdict";

const urn = (type: string, name: string) => `urn:pulumi:apps::storage-backup::storage-backup:index:Component$${type}::${name}`;
const step = (op: OpType, resource: string): EngineEvent =>
    ({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op, urn: resource, type: resourceOf(resource).type } } } as unknown as EngineEvent);
const violation = (policyName: string, level: string, resource: string | undefined, message: string, extra: object = {}): EngineEvent =>
    ({ sequence: 0, timestamp: 0, policyEvent: {
        policyName, enforcementLevel: level, resourceUrn: resource, message: `<{%fg 13%}>${message}<{%reset%}>\n`,
        color: "raw", policyPackName: "storage-backup-guardrails", policyPackVersion: "0.1.0", policyPackVersionTag: "0.1.0", ...extra,
    } } as unknown as EngineEvent);
const diagnostic = (severity: string, message: string): EngineEvent =>
    ({ sequence: 0, timestamp: 0, diagnosticEvent: { severity, message, color: "raw" } } as unknown as EngineEvent);

const schedule = urn("kubernetes:velero.io/v1:Schedule", "daily-backup");
const bucket = urn("minio:index/s3Bucket:S3Bucket", "volsync");

describe("policy gate: events, verdict, summary", () => {
    it("takes each resource's planned change, counts unchanged ones, and keeps every violation with its level", () => {
        const events = collectEvents([
            step("same", bucket), step("create", schedule), step("update", urn("kubernetes:core/v1:Namespace", "velero")),
            violation("backup-ttls", "mandatory", schedule, "Velero Schedules keep backups long enough.\nSchedule \"velero/daily-backup\": spec.template.ttl is 8760h"),
            violation("https-only-s3", "advisory", bucket, "HTTPS only.\nthe provider uses http"),
            violation("single-default-storage-class", "mandatory", undefined, "One default.\ntwo default classes"),
            diagnostic("warning", "Could not reach MinIO"),
            diagnostic("error", "preview failed"),
            { sequence: 0, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: {}, PolicyPacks: { "storage-backup-guardrails|local|/repo/policy": "0.1.0" } } } as unknown as EngineEvent,
        ]);
        assert.deepStrictEqual(events.changes.map((change) => [change.op, resourceOf(change.urn).name]), [["create", "daily-backup"], ["update", "velero"]]);
        assert.strictEqual(events.unchanged, 1);
        assert.deepStrictEqual(events.violations.map((v) => [v.policy, v.level, v.blocking, v.urn && resourceOf(v.urn).name, v.message]), [
            ["backup-ttls", "mandatory", true, "daily-backup", "Schedule \"velero/daily-backup\": spec.template.ttl is 8760h"],
            ["https-only-s3", "advisory", false, "volsync", "the provider uses http"],
            ["single-default-storage-class", "mandatory", true, undefined, "two default classes"],
        ]);
        assert.deepStrictEqual(events.errors, [], "the engine's bare 'preview failed' is no error of its own");
        assert.deepStrictEqual(events.packs, { "storage-backup-guardrails": "0.1.0" });
    });

    it("a mandatory violation covered by a policy exception does not block", () => {
        const events = collectEvents([violation("backup-ttls", "mandatory", schedule, "d\nm", { exceptions: [{ id: "EXC-1", reason: "migration" }] })]);
        assert.strictEqual(events.violations[0].blocking, false);
        assert.deepStrictEqual(verdict(events, false), { outcome: "advisory", exitCode: 0 });
    });

    it("fails exactly on a mandatory violation or a failed preview; advisory-only passes", () => {
        const mandatory = collectEvents([violation("backup-ttls", "mandatory", schedule, "d\nm")]);
        const advisory = collectEvents([violation("https-only-s3", "advisory", bucket, "d\nm")]);
        const clean = collectEvents([step("same", bucket)]);
        assert.deepStrictEqual(verdict(mandatory, true), { outcome: "blocked", exitCode: 1 });
        assert.deepStrictEqual(verdict(mandatory, false), { outcome: "blocked", exitCode: 1 }, "a mandatory violation blocks even if the CLI exited 0");
        assert.deepStrictEqual(verdict(advisory, false), { outcome: "advisory", exitCode: 0 });
        assert.deepStrictEqual(verdict(advisory, true), { outcome: "failed", exitCode: 1 });
        assert.deepStrictEqual(verdict(clean, false), { outcome: "passed", exitCode: 0 });
        assert.deepStrictEqual(verdict(clean, true), { outcome: "failed", exitCode: 1 });
    });

    it("the summary lists changes and violations by level, each row intact whatever the message holds", () => {
        const events = collectEvents([
            step("create", schedule),
            violation("backup-ttls", "mandatory", schedule, "desc\nttl | 8760h\nis over `720h`"),
            violation("https-only-s3", "advisory", bucket, "desc\nuses http"),
        ]);
        const summary = renderSummary({ stack: "apps", configFile: "policy/config/apps.json", events, verdict: verdict(events, true) });
        assert.match(summary, /^<!-- policy-gate:apps -->\n## Policy gate for stack `apps`: ❌ blocked by 1 mandatory violation\n/);
        assert.match(summary, /1 to create; 0 unchanged\./);
        assert.match(summary, /\| create \| `daily-backup` \(`kubernetes:velero\.io\/v1:Schedule`\) \|/);
        assert.match(summary, /### Mandatory violations: these block the merge \(1\)\n\n\| Policy \| Resource \| Message \|\n\|---\|---\|---\|\n\| `backup-ttls` \| `daily-backup` \(`kubernetes:velero\.io\/v1:Schedule`\) \| ttl \\\| 8760h<br>is over `720h` \|\n/);
        assert.match(summary, /### Advisory violations: warnings only \(1\)[^]*\| `https-only-s3` \| `volsync` \(`minio:index\/s3Bucket:S3Bucket`\) \| uses http \|/);
        assert.doesNotMatch(summary, /### Preview errors/);
    });

    it("a stack policy's violation without a resource names the stack", () => {
        const events = collectEvents([violation("single-default-storage-class", "mandatory", undefined, "d\ntwo defaults")]);
        assert.match(renderSummary({ stack: "apps", configFile: "c.json", events, verdict: verdict(events, true) }), /\| `single-default-storage-class` \| \(the stack\) \| two defaults \|/);
    });

    it("a failed preview shows its errors, or the CLI's output when there is no error event", () => {
        const withError = collectEvents([diagnostic("error", "Invalid stack config: storage-backup:minio.endpoint is required")]);
        assert.match(renderSummary({ stack: "apps", configFile: "c.json", events: withError, verdict: verdict(withError, true) }),
            /the preview failed[^]*### Preview errors\n\n```\nInvalid stack config: storage-backup:minio\.endpoint is required\n```/);
        const silent = collectEvents([]);
        assert.match(renderSummary({ stack: "apps", configFile: "c.json", events: silent, verdict: verdict(silent, true), failure: "error: no stack named 'apps' found" }),
            /### Preview errors\n\n```\nerror: no stack named 'apps' found\n```/);
    });

    it(`lists at most ${MAX_ROWS} rows per table and says how many more there are`, () => {
        const many = Array.from({ length: MAX_ROWS + 7 }, (_, index) => step("create", urn("kubernetes:core/v1:ConfigMap", `cm-${index}`)));
        const events = collectEvents(many);
        const summary = renderSummary({ stack: "apps", configFile: "c.json", events, verdict: verdict(events, false) });
        assert.match(summary, new RegExp(`${MAX_ROWS + 7} to create`));
        assert.strictEqual(summary.match(/^\| create \|/gm)?.length, MAX_ROWS);
        assert.match(summary, /… and 7 more/);
    });

    describe("the pull request comment (one per stack, edited by later runs)", () => {
        const pr = { owner: "o", repo: "r", number: 7 };
        /** github-script's client as far as upsertComment uses it, over an in-memory comment list. */
        function fakeGitHub(comments: { id: number; body: string }[]) {
            const calls: string[] = [];
            const client: GitHubClient = {
                paginate: async <T>(method: unknown, params: object) => {
                    assert.strictEqual(method, client.rest.issues.listComments);
                    assert.deepStrictEqual(params, { owner: "o", repo: "r", issue_number: 7, per_page: 100 });
                    return comments as unknown as T[];
                },
                rest: { issues: {
                    listComments: () => undefined,
                    createComment: async ({ issue_number, body }) => {
                        calls.push(`create #${issue_number}`);
                        comments.push({ id: comments.length + 100, body });
                    },
                    updateComment: async ({ comment_id, body }) => {
                        calls.push(`update ${comment_id}`);
                        comments.find((comment) => comment.id === comment_id)!.body = body;
                    },
                } },
            };
            return { client, calls, comments };
        }
        const summaryOf = (stack: string, text: string) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-comment-")), "summary.md");
            const events = collectEvents([]);
            fs.writeFileSync(file, renderSummary({ stack, configFile: "c.json", events, verdict: verdict(events, false) }) + text);
            return file;
        };

        it("creates the stack's comment, then edits that one and leaves other stacks' and people's comments alone", async () => {
            const github = fakeGitHub([{ id: 1, body: "LGTM" }, { id: 2, body: "<!-- policy-gate:apps-2 -->\nother stack" }]);
            assert.strictEqual(await upsertComment(github.client, pr, "apps", summaryOf("apps", "first run")), "created");
            assert.strictEqual(await upsertComment(github.client, pr, "apps", summaryOf("apps", "second run")), "updated");
            assert.deepStrictEqual(github.calls, ["create #7", "update 102"]);
            assert.deepStrictEqual(github.comments.map((comment) => [comment.id, comment.body.split("\n").pop()]),
                [[1, "LGTM"], [2, "other stack"], [102, "second run"]]);
        });
    });
});

describe("policy gate: gate/main.ts's exit status, with the preview injected (no Pulumi CLI)", () => {
    const packDir = path.resolve(__dirname, "..");
    const projectDir = path.dirname(packDir);
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-main-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The gate over what one preview reported (or threw), with what it wrote and what it asked the preview. */
    async function gate(run: PreviewRun | Error, argv = ["--stack", "apps", "--cwd", projectDir], env: NodeJS.ProcessEnv = {}) {
        const requests: PreviewRequest[] = [];
        const out = { stdout: "", stderr: "" };
        const io: GateIo = {
            preview: async (request) => {
                requests.push(request);
                if (run instanceof Error) {
                    throw run;
                }
                return run;
            },
            env,
            stdout: (text) => { out.stdout += text; },
            stderr: (text) => { out.stderr += text; },
        };
        return { code: await runGate(argv, io), ...out, requests };
    }
    const mandatory = violation("backup-ttls", "mandatory", schedule, "d\nttl is 8760h");
    const advisory = violation("https-only-s3", "advisory", bucket, "d\nuses http");

    it("exits 1 on a mandatory violation, whether or not the CLI failed the preview", async () => {
        for (const failure of [undefined, "error: preview failed"]) {
            const result = await gate({ events: [step("create", schedule), mandatory, advisory], failure });
            assert.strictEqual(result.code, 1, failure ?? "the CLI exited 0");
            assert.match(result.stderr, /policy-gate: stack apps: blocked: mandatory policy violation\(s\)\n$/);
            assert.match(result.stdout, /❌ blocked by 1 mandatory violation/);
        }
    });

    it("exits 0 on advisory violations only (a mandatory one covered by an exception among them) and on a clean preview", async () => {
        const excepted = violation("backup-ttls", "mandatory", schedule, "d\nm", { exceptions: [{ id: "EXC-1", reason: "migration" }] });
        const warned = await gate({ events: [advisory, excepted] });
        assert.strictEqual(warned.code, 0);
        assert.match(warned.stderr, /policy-gate: stack apps: passed with a warning: 2 advisory violation\(s\)\n$/);
        const clean = await gate({ events: [step("same", bucket)] });
        assert.strictEqual(clean.code, 0);
        assert.match(clean.stderr, /policy-gate: stack apps: passed\n$/);
    });

    it("exits 1 when the preview failed without a violation, or could not be run at all", async () => {
        const failed = await gate({ events: [advisory, diagnostic("error", "Invalid stack config")], failure: "error: Invalid stack config" });
        assert.strictEqual(failed.code, 1);
        assert.match(failed.stderr, /policy-gate: stack apps: blocked: the preview failed\n$/);
        const thrown = await gate(new Error("no pulumi on PATH"));
        assert.strictEqual(thrown.code, 1);
        assert.match(thrown.stderr, /^policy-gate: Error: no pulumi on PATH/);
    });

    it("exits 2 on bad arguments without running a preview", async () => {
        const junk = path.join(dir, "junk.json");
        fs.writeFileSync(junk, "{not json");
        for (const [argv, message] of [
            [[], /--stack is required/],
            [["--stack", "apps", "--cwd", dir], /--cwd: .* has no Pulumi\.yaml/],
            [["--stack", "no-such-stack", "--cwd", projectDir], /--policy-config: .*no-such-stack\.json does not exist/],
            [["--stack", "apps", "--cwd", projectDir, "--policy-config", junk], /is not valid JSON/],
        ] as Array<[string[], RegExp]>) {
            const result = await gate({ events: [mandatory] }, argv);
            assert.deepStrictEqual([result.code, result.requests.length], [2, 0], argv.join(" "));
            assert.match(result.stderr, message);
        }
    });

    it("previews the stack with the pack and the stack's pack config, and writes the summary where asked", async () => {
        const summaryFile = path.join(dir, "summary.md");
        const stepSummary = path.join(dir, "step-summary.md");
        fs.writeFileSync(stepSummary, "earlier step\n");
        const result = await gate({ events: [mandatory, advisory] }, ["--stack", "apps", "--cwd", projectDir, "--summary-file", summaryFile],
            { GITHUB_STEP_SUMMARY: stepSummary, GITHUB_ACTIONS: "true" });
        assert.deepStrictEqual(result.requests.map(({ onOutput: _, ...request }) => request),
            [{ stack: "apps", projectDir, packDir, configFile: path.join(packDir, "config", "apps.json") }]);
        const summary = fs.readFileSync(summaryFile, "utf8");
        assert.match(summary, /^<!-- policy-gate:apps -->\n/);
        assert.match(summary, /policy\/config\/apps\.json/);
        assert.strictEqual(fs.readFileSync(stepSummary, "utf8"), `earlier step\n${summary}`);
        assert.ok(result.stdout.startsWith(`\n${summary}`));
        assert.match(result.stdout, /^::error title=backup-ttls::daily-backup: ttl is 8760h$/m);
        assert.match(result.stdout, /^::warning title=https-only-s3::volsync: uses http$/m);
    });
});
