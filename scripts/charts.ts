// `npm run charts [-- --into <folder>]`: fetches every pinned chart (through its repository's index,
// digest-checked; from the mirror folder or the pinned repositories, see test/helpers/chartFetch.ts) into
// the project's chart cache. With --into, the result is also copied to <folder>: a Helm repository folder
// to carry to a deployer that cannot reach the chart repositories, and to name in `charts.mirror`.
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { fetchPinnedCharts } from "../test/helpers/chartArchive";

async function main(): Promise<void> {
    const options = new Command("charts")
        .option("--into <folder>", "also copy the fetched charts (archives and index.yaml) to this folder")
        .parse().opts<{ into?: string }>();
    const repository = await fetchPinnedCharts((line) => console.log(line));
    console.log(`charts: every pinned chart is in ${repository}`);
    if (options.into) {
        const into = path.resolve(options.into);
        fs.mkdirSync(into, { recursive: true });
        for (const file of fs.readdirSync(repository).filter((name) => name === "index.yaml" || name.endsWith(".tgz"))) {
            fs.copyFileSync(path.join(repository, file), path.join(into, file));
        }
        console.log(`charts: copied to ${into}; set it with: pulumi config set --path charts.mirror ${into}`);
    }
}

main().catch((error: Error) => {
    console.error(`charts: ${error.message}`);
    process.exit(1);
});
