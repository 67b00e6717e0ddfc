// No preview a user runs type-checks the program: Pulumi's Node.js host transpiles only when the tsconfig it
// loads says `noCheck` (unless PULUMI_NODEJS_TRANSPILE_ONLY says otherwise). Type-checking is npm test's job,
// which must then turn it back on explicitly.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..");

describe("previews transpile, the tests type-check", function () {
    it("the tsconfig Pulumi loads for the program turns type-checking off", function () {
        // The very loader `pulumi preview` uses (cmd/run), so a key it does not read would fail here.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { loadTypeScriptCompilerOptions } = require("@pulumi/pulumi/tsutils") as { loadTypeScriptCompilerOptions(file: string): Record<string, unknown> };
        assert.strictEqual(loadTypeScriptCompilerOptions(path.join(repoRoot, "tsconfig.json")).noCheck, true);
    });

    it("the test suite's and npm's typecheck turn it back on", function () {
        const scripts = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).scripts as Record<string, string>;
        assert.match(scripts.typecheck, /tsc --noEmit -p tsconfig\.json --noCheck false/);
        assert.match(fs.readFileSync(path.join(repoRoot, "scripts", "test.sh"), "utf8"), /tsc --noEmit -p tsconfig\.json --noCheck false/);
    });
});
