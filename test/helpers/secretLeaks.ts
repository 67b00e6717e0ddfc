// Finds secrets in text, also when they are encoded: a leaked secret is rarely verbatim. A credentials
// file in a ConfigMap or a Helm value ends up base64-encoded inside a larger blob, a connection string
// URL-encodes it, a JSON dump escapes it. Reports name the secret and the form, never its value.

export interface NamedSecret {
    /** What the secret is, for the report ("MinIO root password"). */
    name: string;
    value: string;
}

/** Shorter values would match by chance in large texts (and no generated secret here is that short). */
const minimumLength = 12;

/**
 * The characters of base64(prefix + secret) that depend on the secret alone, for each of the three byte
 * offsets a secret can have inside a larger encoded blob: the first characters mix in the bytes before
 * it, the last one the bytes after it.
 */
function base64Fragments(secret: Buffer): string[] {
    return [0, 1, 2].map((offset) => {
        const encoded = Buffer.concat([Buffer.alloc(offset), secret]).toString("base64").replace(/=+$/, "");
        const skip = [0, 2, 3][offset];
        const determined = Math.floor((8 * (offset + secret.length)) / 6);
        return encoded.slice(skip, determined);
    });
}

/** Every form in which `value` is searched for, by the form's name. */
export function secretForms(value: string): { form: string; text: string }[] {
    const bytes = Buffer.from(value, "utf8");
    const base64 = base64Fragments(bytes);
    const forms = [
        { form: "plaintext", text: value },
        { form: "JSON-escaped", text: JSON.stringify(value).slice(1, -1) },
        { form: "URL-encoded", text: encodeURIComponent(value) },
        { form: "form-encoded", text: new URLSearchParams({ v: value }).toString().slice(2) },
        ...base64.map((text) => ({ form: "base64", text })),
        ...base64.map((text) => ({ form: "base64url", text: text.replace(/\+/g, "-").replace(/\//g, "_") })),
        { form: "hex", text: bytes.toString("hex") },
        { form: "hex", text: bytes.toString("hex").toUpperCase() },
    ];
    // Identical texts (a secret with no special characters is its own URL encoding) are searched once.
    return forms.filter((candidate, index) => forms.findIndex((other) => other.text === candidate.text) === index);
}

/** One line per secret found in `text`: which secret, in which forms. */
export function findLeaks(text: string, secrets: NamedSecret[]): string[] {
    return secrets.flatMap(({ name, value }) => {
        if (value.length < minimumLength) {
            throw new Error(`cannot scan for ${name}: ${value.length} characters is too short to search for (at least ${minimumLength})`);
        }
        const forms = [...new Set(secretForms(value).filter((candidate) => text.includes(candidate.text)).map((candidate) => candidate.form))];
        return forms.length > 0 ? [`${name} (${forms.join(", ")})`] : [];
    });
}
