// The real upstream charts (../shared/helm-repo, read in place) served as a Helm repository on loopback, so
// the sandbox stack installs them the way a user's stack does: by repository URL, chart name and version.
// Run as its own process (the sandbox's servers outlive the command that started them):
//   CHART_REPO_DIR=<dir> CHART_REPO_PORT=<port> node chartRepository.ts
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { sharedHelmRepo } from "../helpers/chartArchive";

/** Only the repository's own files: its index and the chart archives, nothing below or above the folder. */
const servable = /^\/(index\.yaml|[\w.-]+\.tgz)$/;

export function chartRepositoryServer(directory: string): http.Server {
    return http.createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        const file = servable.test(url.pathname) ? path.join(directory, url.pathname.slice(1)) : undefined;
        if (request.method !== "GET" || !file || !fs.existsSync(file)) {
            response.writeHead(request.method === "GET" ? 404 : 405).end();
            return;
        }
        response.writeHead(200, { "content-type": file.endsWith(".yaml") ? "application/x-yaml" : "application/gzip" });
        fs.createReadStream(file).pipe(response);
    });
}

if (require.main === module) {
    const port = Number(process.env.CHART_REPO_PORT);
    chartRepositoryServer(process.env.CHART_REPO_DIR ?? sharedHelmRepo).listen(port, "127.0.0.1");
}
