// Validates custom resources against the real upstream CRDs in ../shared/crds (read in place, never
// copied). Unknown fields are errors, as with the API server's strict field validation.
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

export const crdDirectory = process.env.SHARED_CRDS_DIR ?? path.resolve(__dirname, "..", "..", "..", "shared", "crds");

type JsonSchema = Record<string, any>;

/** CRD patterns are Go (RE2) expressions; the one construct JavaScript lacks here is the `(?i)` flag group. */
const goRegExp = Object.assign((pattern: string, flags: string) => pattern.includes("(?i)")
    ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags), { code: "goRegExp" });

/** Structural CRD schema → JSON Schema: objects with declared properties reject undeclared ones. */
function strictSchema(schema: JsonSchema): JsonSchema {
    const result: JsonSchema = {};
    for (const [key, value] of Object.entries(schema)) {
        if (key.startsWith("x-kubernetes-")) {
            continue;
        }
        if (key === "properties") {
            result.properties = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, child]) => [name, strictSchema(child)]));
        } else if (key === "items" || (key === "additionalProperties" && typeof value === "object")) {
            result[key] = strictSchema(value);
        } else if (key === "allOf" || key === "anyOf" || key === "oneOf") {
            result[key] = (value as JsonSchema[]).map(strictSchema);
        } else {
            result[key] = value;
        }
    }
    if (schema.properties && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) {
        result.additionalProperties = false;
    }
    if (schema["x-kubernetes-int-or-string"]) {
        delete result.type;
        result.anyOf = [{ type: "integer" }, { type: "string" }];
    }
    return result;
}

export class CrdCatalog {
    private readonly validators = new Map<string, ValidateFunction>();

    constructor(directory = crdDirectory) {
        const ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp: goRegExp } });
        addFormats(ajv);
        for (const format of ["int32", "int64", "byte", "duration", "double", "float"]) {
            ajv.addFormat(format, true);
        }
        for (const group of fs.readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
            for (const file of fs.readdirSync(path.join(directory, group.name)).filter((name) => name.endsWith(".yaml"))) {
                for (const document of parseAllDocuments(fs.readFileSync(path.join(directory, group.name, file), "utf8"))) {
                    const crd = document.toJS();
                    if (crd?.kind !== "CustomResourceDefinition") {
                        continue;
                    }
                    for (const version of crd.spec.versions.filter((candidate: any) => candidate.served)) {
                        const schema = strictSchema(version.schema.openAPIV3Schema);
                        this.validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
                    }
                }
            }
        }
    }

    /** Whether a served CRD exists for this apiVersion and kind. */
    has(apiVersion: string, kind: string): boolean {
        return this.validators.has(`${apiVersion}/${kind}`);
    }

    /** Schema errors for one object, as readable lines; empty when valid. */
    errors(object: { apiVersion: string; kind: string }): string[] {
        const validate = this.validators.get(`${object.apiVersion}/${object.kind}`);
        if (!validate) {
            return [`no served CRD for ${object.apiVersion} ${object.kind} in ${crdDirectory}`];
        }
        return validate(object) ? [] : (validate.errors ?? []).map((error) =>
            `${error.instancePath || "/"} ${error.message}${error.params && "additionalProperty" in error.params ? `: ${error.params.additionalProperty}` : ""}`);
    }
}
