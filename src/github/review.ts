import type { Suggestion } from '../model/suggestion.js';
import { provedLine } from '../report/suggestions-markdown.js';
import { codeBlock, prose } from '../report/escape.js';
import { byUs, viewerLogin, type Octokit } from './client.js';

/** Our reviews, one per comment key, told apart from everyone else's by a hidden marker. */
export function reviewMarker(key: string): string {
  return `<!-- docker-size-guard-review:${key} -->`;
}
const OUTDATED = '<!-- docker-size-guard-review-outdated -->';

export interface PullReview {
  id: number;
  body?: string | null;
  commit_id?: string | null;
  user?: { login?: string; type?: string } | null;
}

/** A review comment with a suggestion block on exactly the lines the fix replaces (RIGHT side: the PR's head). */
export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

/** The review's comments, one per fix, each with the measured saving and the fix's lines to apply. Pure. */
export function reviewComments(suggestions: readonly Suggestion[]): ReviewComment[] {
  return suggestions.map((s) => ({
    path: s.file,
    body: `${prose(s.summary)}. ${provedLine(s)}\n\n${codeBlock(s.lines.join('\n'), 'suggestion')}`,
    line: s.endLine,
    side: 'RIGHT',
    ...(s.startLine < s.endLine ? { start_line: s.startLine, start_side: 'RIGHT' as const } : {}),
  }));
}

/** Ours and not yet marked outdated: by the marker, and by this token's identity when known, else by a bot. Pure. */
export function ourLiveReviews(reviews: readonly PullReview[], key: string, viewer: string | null): PullReview[] {
  const marker = reviewMarker(key);
  return reviews.filter((r) => {
    return !!r.body?.includes(marker) && !r.body.includes(OUTDATED) && byUs(r.user, viewer);
  });
}

export type ReviewOutcome = 'created' | 'unchanged' | 'none';

/**
 * Posts the fixes as one review on the head commit (event COMMENT), idempotently: a live review of ours on this
 * commit means this run's fixes are already there (the same file and findings give the same fixes). Ours on
 * earlier commits are marked outdated and lose their comments, so suggestions never pile up across pushes.
 */
export async function postSuggestionsReview(
  octokit: Octokit,
  target: { owner: string; repo: string; pull_number: number },
  headSha: string,
  key: string,
  suggestions: readonly Suggestion[],
): Promise<{ outcome: ReviewOutcome; id: number | null; outdated: number }> {
  const viewer = await viewerLogin(octokit);
  const reviews = (await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...target,
    per_page: 100,
  })) as PullReview[];
  const ours = ourLiveReviews(reviews, key, viewer);
  const current = ours.find((r) => r.commit_id === headSha);
  let outcome: ReviewOutcome = 'none';
  let id: number | null = null;
  if (current) {
    outcome = 'unchanged';
    id = current.id;
  } else if (suggestions.length > 0) {
    const created = await octokit.rest.pulls.createReview({
      ...target,
      commit_id: headSha,
      event: 'COMMENT',
      body:
        `docker-size-guard: ${suggestions.length} fix${suggestions.length === 1 ? '' : 'es'} for this PR's Dockerfile, ` +
        `each rebuilt and measured on this runner before it was suggested.\n\n${reviewMarker(key)}`,
      comments: reviewComments(suggestions),
    });
    outcome = 'created';
    id = created.data.id;
  }
  let outdated = 0;
  for (const old of ours) {
    if (old.commit_id === headSha) continue;
    const comments = await octokit.paginate(octokit.rest.pulls.listCommentsForReview, {
      ...target,
      review_id: old.id,
      per_page: 100,
    });
    for (const c of comments)
      await octokit.rest.pulls.deleteReviewComment({ owner: target.owner, repo: target.repo, comment_id: c.id });
    await octokit.rest.pulls.updateReview({
      ...target,
      review_id: old.id,
      body: `_Outdated: these suggestions were for ${old.commit_id?.slice(0, 7) ?? 'an earlier commit'}; the fixes for ${headSha.slice(0, 7)} replace them._\n\n${reviewMarker(key)}\n${OUTDATED}`,
    });
    outdated++;
  }
  return { outcome, id, outdated };
}
