// A folder of chart archives with their index.yaml served as a Helm repository on loopback. The sandbox
// serves the pinned charts it fetched, so the stack installs them the way a user's stack does (repository
// URL, chart name, version); the stand-alone check serves a copy of a mirror as a stand-in "upstream".
// Run as its own process (the sandbox's servers outlive the command that started them):
//   CHART_REPO_DIR=<dir> CHART_REPO_PORT=<port> node chartRepository.ts
import * as fs from "fs";
import * as http from "http";
import * as path from "path";

/** Only the repository's own files: its index and the chart archives, nothing below or above the folder. */
const servable = /^\/(index\.yaml|[\w.-]+\.tgz)$/;

export function chartRepositoryServer(directory: string, log: (line: string) => void = () => undefined): http.Server {
    return http.createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        const file = servable.test(url.pathname) ? path.join(directory, url.pathname.slice(1)) : undefined;
        const status = request.method !== "GET" ? 405 : file && fs.existsSync(file) ? 200 : 404;
        log(`${request.method} ${url.pathname} ${status}`);
        if (status !== 200) {
            response.writeHead(status).end();
            return;
        }
        response.writeHead(200, { "content-type": file!.endsWith(".yaml") ? "application/x-yaml" : "application/gzip" });
        fs.createReadStream(file!).pipe(response);
    });
}

if (require.main === module) {
    const directory = process.env.CHART_REPO_DIR ?? "";
    const port = Number(process.env.CHART_REPO_PORT);
    // A folder without an index is no repository: say so in the log instead of answering 404 to every probe.
    if (!fs.existsSync(path.join(directory, "index.yaml"))) {
        console.error(`chart-repository: no index.yaml in CHART_REPO_DIR "${directory}"`);
        process.exit(2);
    }
    const server = chartRepositoryServer(directory, (line) => console.log(`chart-repository: ${line}`));
    server.on("error", (error) => {
        console.error(`chart-repository: cannot listen on 127.0.0.1:${port}: ${error.message}`);
        process.exit(1);
    });
    server.listen(port, "127.0.0.1", () => console.log(`chart-repository: serving ${directory} on http://127.0.0.1:${port}`));
}
