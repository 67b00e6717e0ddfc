// Mocha root hook: every pinned chart is fetched (digest-checked) before the first test, so that tests can
// read archives synchronously. A chart no place can supply fails the run here, naming every place looked in.
import { fetchPinnedCharts } from "./chartArchive";

export const mochaHooks = {
    async beforeAll(this: Mocha.Context) {
        // A first fetch downloads when no mirror folder is present.
        this.timeout(300_000);
        await fetchPinnedCharts((line) => console.log(`  ${line}`));
    },
};
