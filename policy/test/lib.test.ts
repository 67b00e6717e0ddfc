import * as assert from "assert";
import { parseGoDuration } from "../lib/duration";
import { compareQuantities, parseQuantity } from "../lib/quantity";

const bytes = (text: string | number) => {
    const q = parseQuantity(text);
    assert.ok(q, `${text} should parse`);
    return Number(q.num) / Number(q.den);
};

describe("parseQuantity", () => {
    const cases: [string | number, number][] = [
        ["128Mi", 128 * 2 ** 20], ["1Gi", 2 ** 30], ["1Ki", 1024], ["2Ti", 2 * 2 ** 40],
        ["1k", 1e3], ["129M", 129e6], ["1G", 1e9], ["1T", 1e12],
        ["1000m", 1], ["500m", 0.5], ["134217728", 134217728], [134217728, 134217728],
        ["1e3", 1000], ["128974848e0", 128974848], ["1E6", 1e6], ["12e-1", 1.2],
        ["1.5Gi", 1.5 * 2 ** 30], [".5Mi", 2 ** 19], ["0.25k", 250],
    ];
    for (const [text, expected] of cases) {
        it(`parses ${JSON.stringify(text)} as ${expected} bytes`, () => assert.strictEqual(bytes(text), expected));
    }
    for (const bad of ["", "Mi", "1.2.3Mi", "1mi", "1 Gi", "1Gib", "1e", "abc", "1Ki5"]) {
        it(`rejects ${JSON.stringify(bad)}`, () => assert.strictEqual(parseQuantity(bad), undefined));
    }
    it("compares exactly across notations", () => {
        const q = (t: string) => parseQuantity(t)!;
        assert.strictEqual(compareQuantities(q("1Gi"), q("1073741824")), 0);
        assert.strictEqual(compareQuantities(q("1Gi"), q("1073741825")), -1);
        assert.strictEqual(compareQuantities(q("1G"), q("1Gi")), -1);
        assert.strictEqual(compareQuantities(q("128974848e0"), q("123Mi")), 0);
        assert.strictEqual(compareQuantities(q("500Mi"), q("524288000000m")), 0);
        // Beyond 2^53 a float comparison would call these equal.
        assert.strictEqual(compareQuantities(q("9007199254740993"), q("9007199254740992")), 1);
    });
});

describe("parseGoDuration", () => {
    const cases: [string, number][] = [
        ["720h0m0s", 720 * 3600], ["720h", 720 * 3600], ["1h30m", 5400], ["1.5h", 5400], ["90m", 5400],
        ["300ms", 0.3], ["2h45m30.5s", 9930.5], ["0", 0], ["-1h", -3600], ["1us", 1e-6], ["1µs", 1e-6],
    ];
    for (const [text, seconds] of cases) {
        it(`parses ${text} as ${seconds}s`, () => assert.ok(Math.abs(parseGoDuration(text)! - seconds) < 1e-9));
    }
    for (const bad of ["", "7d", "1 h", "h", "1hour", "10", "1h 30m", "P30D"]) {
        it(`rejects ${JSON.stringify(bad)} as Go does`, () => assert.strictEqual(parseGoDuration(bad), undefined));
    }
});
