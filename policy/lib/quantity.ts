/**
 * Kubernetes resource quantities, parsed exactly.
 *
 * Hand-written on purpose: comparing through floating point gets limits like 128974848e0 vs 123Mi
 * wrong at the boundary, and the quantity helpers of @kubernetes/client-node round through Number
 * (and would pull a large client into the pack). A quantity is kept as the exact rational num/den bytes.
 */
export interface Quantity {
    readonly num: bigint;
    readonly den: bigint;
}

const BINARY_SUFFIX: Record<string, bigint> = {
    Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n,
};
const DECIMAL_SUFFIX_EXPONENT: Record<string, number> = { m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// sign, mantissa, then at most one of: binary suffix, decimal suffix, exponent.
const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([mkMGTPE])|[eE]([+-]?\d+))?$/;

/** Parses a quantity string (or a plain number, as YAML may give); undefined when it isn't one. */
export function parseQuantity(input: string | number): Quantity | undefined {
    const text = typeof input === "number" ? (Number.isFinite(input) ? String(input) : "") : input.trim();
    const m = QUANTITY_RE.exec(text);
    if (!m) {
        return undefined;
    }
    const [, sign, mantissa, binary, decimal, exponent] = m;
    const [whole, fraction = ""] = mantissa.split(".");
    let num = BigInt((whole || "0") + fraction) * (sign === "-" ? -1n : 1n);
    let den = 10n ** BigInt(fraction.length);
    if (binary) {
        num *= BINARY_SUFFIX[binary];
    }
    const power = decimal ? DECIMAL_SUFFIX_EXPONENT[decimal] : exponent ? Number(exponent) : 0;
    if (power >= 0) {
        num *= 10n ** BigInt(power);
    } else {
        den *= 10n ** BigInt(-power);
    }
    return { num, den };
}

/** Negative, zero or positive as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
    const left = a.num * b.den;
    const right = b.num * a.den;
    return left < right ? -1 : left > right ? 1 : 0;
}
