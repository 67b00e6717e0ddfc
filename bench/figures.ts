// What every bench script needs to read its options and print min / median / max.

export function option(name: string, fallback: string): string {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : fallback;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** `min / median / max` of the values. */
export const format = (values: number[], digits = 0) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [sorted[0], median(values), sorted[sorted.length - 1]].map((value) => value.toFixed(digits)).join(" / ");
};
