// Validates custom resources against the real upstream CRDs of what the project pins: those that
// `toolchain/build.sh crds` copies from pinned Go modules (VolumeSnapshot*, ServiceMonitor, PrometheusRule,
// External Secrets) and those inside the pinned Velero and VolSync chart archives. Unknown fields are
// errors, as with the API server's strict field validation.
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as path from "path";
import { ChartName, pinnedCharts } from "../../components/config/chartSources";
import { archiveFiles, chartArchive } from "./chartArchive";
import { customResourceDefinitions, moduleCrdDirectory, moduleCrdGroups, moduleCrds } from "./moduleCrds";

type JsonSchema = Record<string, any>;

/** CRDs from one place. */
export interface CrdSource {
    /** What they come from, e.g. `toolchain/bin/crds/monitoring.coreos.com` or `velero chart 12.1.0`. */
    name: string;
    /** Where they were read, for messages. */
    location: string;
    crds: JsonSchema[];
}

/** The module CRDs, one source per API group folder. */
export function moduleCrdSources(directory = moduleCrdDirectory): CrdSource[] {
    return moduleCrdGroups(directory).map((group) => ({
        name: `toolchain/bin/crds/${group}`, location: path.join(directory, group), crds: moduleCrds(group, directory),
    }));
}

/** Lines that are nothing but a template action, like VolSync's `{{- if .Values.manageCRDs }}` … `{{- end }}`. */
const templateDirective = /^\s*\{\{-?[^{}]*-?\}\}\s*$/;

/** CRDs inside a pinned chart archive: the files under `folder` whose names match `files`. Template
 * directive lines are dropped; any other template expression is refused rather than parsed as YAML. */
export function chartCrdSource(chartName: ChartName, folder: string, files: RegExp): CrdSource {
    const { chart, version } = pinnedCharts[chartName];
    const archive = chartArchive(chart, version!);
    const location = `${archive} (${chart}/${folder}/)`;
    const crds = [...archiveFiles(archive)].filter(([file]) => path.posix.dirname(file) === `${chart}/${folder}` && files.test(path.posix.basename(file)))
        .flatMap(([file, text]) => {
            const yaml = text.split("\n").filter((line) => !templateDirective.test(line)).join("\n");
            if (yaml.includes("{{")) {
                throw new Error(`${archive}: ${file} holds template expressions besides directive lines; cannot read its CRDs`);
            }
            return customResourceDefinitions(yaml);
        });
    if (crds.length === 0) {
        throw new Error(`no CRDs in ${location}`);
    }
    return { name: `${chart} chart ${version}`, location, crds };
}

/** Every CRD source the tests use: the module copies and the CRDs of the pinned Velero and VolSync charts. */
export function pinnedCrdSources(): CrdSource[] {
    return [
        ...moduleCrdSources(),
        chartCrdSource("velero", "crds", /\.yaml$/),
        chartCrdSource("volsync", "templates", /^volsync\.backube_.*\.yaml$/),
    ];
}

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
    private readonly ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp: goRegExp } });
    /** Schemas by `apiVersion/kind`, compiled on first use (External Secrets alone has 20 CRDs, most unused). */
    private readonly schemas = new Map<string, { schema: JsonSchema; validate?: ValidateFunction }>();
    /** Served `apiVersion/kind`s by source name. */
    readonly kindsBySource = new Map<string, string[]>();
    private readonly locations: string[];

    constructor(sources: CrdSource[] = pinnedCrdSources()) {
        addFormats(this.ajv);
        for (const format of ["int32", "int64", "byte", "duration", "double", "float"]) {
            this.ajv.addFormat(format, true);
        }
        this.locations = sources.map((source) => source.location);
        for (const source of sources) {
            const kinds = source.crds.flatMap((crd) => crd.spec.versions.filter((candidate: any) => candidate.served).map((version: any) => {
                const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
                this.schemas.set(key, { schema: version.schema.openAPIV3Schema });
                return key;
            }));
            this.kindsBySource.set(source.name, kinds);
        }
    }

    /** Whether a served CRD exists for this apiVersion and kind. */
    has(apiVersion: string, kind: string): boolean {
        return this.schemas.has(`${apiVersion}/${kind}`);
    }

    /** Schema errors for one object, as readable lines; empty when valid. */
    errors(object: { apiVersion: string; kind: string }): string[] {
        const entry = this.schemas.get(`${object.apiVersion}/${object.kind}`);
        if (!entry) {
            return [`no served CRD for ${object.apiVersion} ${object.kind}; looked in ${this.locations.join(", ")}`];
        }
        entry.validate ??= this.ajv.compile(strictSchema(entry.schema));
        const validate = entry.validate;
        return validate(object) ? [] : (validate.errors ?? []).map((error) =>
            `${error.instancePath || "/"} ${error.message}${error.params && "additionalProperty" in error.params ? `: ${error.params.additionalProperty}` : ""}`);
    }
}
