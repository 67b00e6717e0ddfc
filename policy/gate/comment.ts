// Puts the gate's summary on the pull request as one comment per stack, edited on every later run, so a
// reviewer sees the current result without a trail of stale ones. The workflow calls it from
// actions/github-script with that action's authenticated client.
import * as fs from "fs";
import { commentMarker } from "./summary";

interface IssueComment {
    id: number;
    body?: string | null;
}

/** The part of github-script's Octokit client this uses. */
export interface GitHubClient {
    paginate<T>(method: unknown, params: object): Promise<T[]>;
    rest: {
        issues: {
            listComments: unknown;
            createComment(params: { owner: string; repo: string; issue_number: number; body: string }): Promise<unknown>;
            updateComment(params: { owner: string; repo: string; comment_id: number; body: string }): Promise<unknown>;
        };
    };
}

export interface PullRequest {
    owner: string;
    repo: string;
    number: number;
}

/** Creates the stack's comment, or edits the one an earlier run left. Returns what it did. */
export async function upsertComment(github: GitHubClient, pr: PullRequest, stack: string, summaryFile: string): Promise<"created" | "updated"> {
    const body = fs.readFileSync(summaryFile, "utf8");
    const marker = commentMarker(stack);
    const comments = await github.paginate<IssueComment>(github.rest.issues.listComments, { owner: pr.owner, repo: pr.repo, issue_number: pr.number, per_page: 100 });
    const previous = comments.find((comment) => comment.body?.startsWith(marker));
    if (previous) {
        await github.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: previous.id, body });
        return "updated";
    }
    await github.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body });
    return "created";
}
