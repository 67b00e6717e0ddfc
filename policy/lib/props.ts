/**
 * Reading resource properties through the runtime's unknown-checking proxy.
 *
 * At preview the runtime hands policies a proxy that throws `UnknownValueError` when a value is not
 * yet known; left uncaught, that turns even a mandatory policy into an advisory warning. These
 * helpers turn the throw into the `UNKNOWN` marker so that a policy can decide (usually: report it).
 */
import { UnknownValueError } from "@pulumi/policy";

export const UNKNOWN: unique symbol = Symbol("unknown at preview");

function step(value: unknown, key: string | number): unknown {
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    if (value === null || typeof value !== "object") {
        return undefined;
    }
    try {
        return (value as Record<string | number, unknown>)[key];
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return UNKNOWN;
        }
        throw e;
    }
}

/** `obj.a.b.c` for path ["a","b","c"]: undefined when a link is missing, UNKNOWN when one is unknown. */
export function at(obj: unknown, ...path: (string | number)[]): unknown {
    return path.reduce<unknown>(step, obj);
}

/** Key/value pairs of an object (values may be UNKNOWN); empty for anything that is not a plain object. */
export function entries(obj: unknown): [string, unknown][] {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        return [];
    }
    return Object.keys(obj).map((k) => [k, step(obj, k)]);
}

/** Elements of an array (which may be UNKNOWN); empty for anything that is not an array. */
export function items(arr: unknown): unknown[] {
    if (!Array.isArray(arr)) {
        return [];
    }
    return Array.from({ length: arr.length }, (_, i) => step(arr, i));
}

export type Path = (string | number)[];

/** Visits every leaf (scalar, empty container or UNKNOWN) below `value` with its path. */
export function walkLeaves(value: unknown, visit: (path: Path, leaf: unknown) => void, path: Path = []): void {
    const children: [string | number, unknown][] = Array.isArray(value)
        ? items(value).map((v, i) => [i, v])
        : entries(value);
    if (children.length === 0) {
        visit(path, value);
        return;
    }
    for (const [k, v] of children) {
        walkLeaves(v, visit, [...path, k]);
    }
}

/** Dotted path for messages: spec.template.spec.containers[0].resources. */
export function formatPath(path: Path): string {
    return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** A value rendered for a message (strings quoted, UNKNOWN spelled out). */
export function show(value: unknown): string {
    return value === UNKNOWN ? "<unknown at preview>" : JSON.stringify(value) ?? String(value);
}
