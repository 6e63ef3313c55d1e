import { byUs, viewerLogin, type Octokit } from './client.js';

export interface IssueComment {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
}

/**
 * The comment to update: ours (by the hidden marker) and written by this token's identity when it is known, else
 * by a bot (the GITHUB_TOKEN's identity cannot be asked for). Pure.
 */
export function findMatchingComment(
  comments: IssueComment[],
  marker: string,
  viewer: string | null,
): IssueComment | undefined {
  return comments.find((c) => {
    if (!c.body?.includes(marker)) return false;
    return byUs(c.user, viewer);
  });
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged';

/** Creates or updates the sticky comment; never creates a second one for the same marker. */
export async function upsertComment(
  octokit: Octokit,
  target: { owner: string; repo: string; issue_number: number },
  body: string,
  marker: string,
): Promise<{ outcome: CommentOutcome; id: number }> {
  const viewer = await viewerLogin(octokit);
  const comments = (await octokit.paginate(octokit.rest.issues.listComments, {
    ...target,
    per_page: 100,
  })) as IssueComment[];
  const existing = findMatchingComment(comments, marker, viewer);
  if (existing) {
    if (existing.body === body) return { outcome: 'unchanged', id: existing.id };
    await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
    return { outcome: 'updated', id: existing.id };
  }
  const created = await octokit.rest.issues.createComment({ ...target, body });
  return { outcome: 'created', id: created.data.id };
}
