// The CRDs that `toolchain/build.sh crds` copies from pinned Go modules into toolchain/bin/crds, one folder
// per API group (its SOURCES file names the module version of each). The CRD schema tests read them and the
// sandbox applies them.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

export const moduleCrdDirectory = path.resolve(__dirname, "..", "..", "toolchain", "bin", "crds");

type Crd = Record<string, any>;

/** The CustomResourceDefinitions among the YAML documents of `text`. */
export const customResourceDefinitions = (text: string): Crd[] =>
    parseAllDocuments(text).map((document) => document.toJS()).filter((object) => object?.kind === "CustomResourceDefinition");

/** The API groups that have a folder. */
export function moduleCrdGroups(directory = moduleCrdDirectory): string[] {
    if (!fs.existsSync(directory)) {
        throw new Error(`no CRD folder ${directory}: run toolchain/build.sh crds`);
    }
    return fs.readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

/** The CRDs of one API group; fails naming the folder when it holds none. */
export function moduleCrds(group: string, directory = moduleCrdDirectory): Crd[] {
    const folder = path.join(directory, group);
    const files = fs.existsSync(folder) ? fs.readdirSync(folder).filter((file) => file.endsWith(".yaml")).sort() : [];
    const crds = files.flatMap((file) => customResourceDefinitions(fs.readFileSync(path.join(folder, file), "utf8")));
    if (crds.length === 0) {
        throw new Error(`no ${group} CRDs in ${folder}: run toolchain/build.sh crds`);
    }
    return crds;
}
