import * as core from '@actions/core';
import * as github from '@actions/github';
import { errorMessage } from '../errors.js';
import { describeApiError, octokit } from '../github/client.js';
import { fileAtCommit, MISSING } from '../github/contents.js';
import { postSuggestionsReview } from '../github/review.js';
import type { LayerCache } from '../measure/layer-cache.js';
import type { Entry, RunReport } from '../model/run.js';
import type { Suggestion } from '../model/suggestion.js';
import type { ImageTarget } from '../run/images.js';
import { rederiveSuggestions } from '../run/rederive-suggestions.js';
import { proveSuggestions } from '../run/suggestions.js';
import type { ActionInputs } from './inputs.js';

/**
 * Each entry with the fixes of its new findings that were rebuilt and measured (docs/suggestions.md). A rebuild
 * that goes wrong costs the suggestions, never the run.
 */
export async function withSuggestions(
  entries: Entry[],
  target: ImageTarget,
  ctx: { root: string; baseSha: string | null; tmp: string; id: string; cache: LayerCache },
  log: { info(m: string): void; warning(m: string): void; progress(line: string): void },
): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const e of entries) {
    const suggestions = await core
      .group(`Suggested fixes for ${target.name}: rebuild and measure`, () =>
        proveSuggestions(e, target, { ...ctx, log }),
      )
      .catch((err: unknown) => {
        core.warning(`Suggested fixes: not made (${errorMessage(err)}).`);
        return [];
      });
    if (suggestions.length > 0)
      log.info(`Suggested fixes: ${suggestions.length} built and measured smaller than the PR image.`);
    out.push(suggestions.length > 0 ? { ...e, suggestions } : e);
  }
  return out;
}

/**
 * `suggest: review`: the fixes whose lines are inside the PR's diff go into one review on the head commit; the set
 * returned is those the review carries, which the comment then only counts. Without a token, or when GitHub
 * refuses (no `pull-requests: write`, a line GitHub does not take), every fix stays in the comment.
 */
export async function postReview(
  inputs: ActionInputs,
  pr: number | null,
  headSha: string | null,
  entries: Entry[],
): Promise<Set<Suggestion> | undefined> {
  if (pr === null || !headSha || !/^[0-9a-f]{40}$/.test(headSha)) return undefined;
  // One fix per line across images: two images from one Dockerfile have the same fix for it.
  const at = (s: Suggestion) => `${s.file}:${s.startLine}`;
  const all = entries.flatMap((e) => e.suggestions ?? []);
  const lines = new Map<string, Suggestion>();
  for (const s of all) if (s.inDiff && !lines.has(at(s))) lines.set(at(s), s);
  if (!inputs.githubToken) {
    if (lines.size > 0) core.warning('No github-token: the suggested fixes are in the comment, not in a review.');
    return undefined;
  }
  try {
    const { owner, repo } = github.context.repo;
    const posted = [...lines.values()];
    const r = await postSuggestionsReview(
      octokit(inputs.githubToken, core.info),
      { owner, repo, pull_number: pr },
      headSha,
      inputs.commentKey,
      posted,
    );
    if (r.outcome !== 'none') core.info(`Review with suggested fixes ${r.outcome} (id ${r.id}).`);
    if (r.outdated > 0) core.info(`${r.outdated} earlier review(s) with suggested fixes marked outdated.`);
    return new Set(all.filter((s) => lines.has(at(s))));
  } catch (err) {
    const why = describeApiError(err, 'the token cannot review this pull request (missing pull-requests: write)');
    core.warning(`The review with suggested fixes was not posted: ${why}. The fixes are in the comment instead.`);
    return undefined;
  }
}

/**
 * The fixes the reports claim, written again from the PR's Dockerfile at the head commit, read through the API
 * (rederive-suggestions.ts): the reports give only which fix on which lines and the measured numbers.
 */
export async function withRederivedSuggestions(
  inputs: ActionInputs,
  entries: Entry[],
  reports: RunReport[],
  pr: number | null,
  headSha: string | null,
): Promise<Entry[]> {
  const claims = reports.flatMap((r) => r.entries.map((e) => e.suggestions ?? []));
  if (inputs.suggest === 'off' || pr === null || !headSha || !inputs.githubToken || !claims.some((c) => c.length))
    return entries;
  const client = octokit(inputs.githubToken, core.info);
  // Several images built from one Dockerfile: it is read once.
  const texts = new Map<string, Promise<string | typeof MISSING | null>>();
  const read = (file: string) => {
    if (!texts.has(file)) texts.set(file, fileAtCommit(client, github.context.repo, file, headSha));
    return texts.get(file)!;
  };
  const out: Entry[] = [];
  for (const [i, e] of entries.entries()) {
    const { suggestions, dropped } = await rederiveSuggestions(claims[i] ?? [], read);
    for (const d of dropped) core.warning(`Suggested fix from the report dropped: ${d}.`);
    out.push(suggestions.length > 0 ? { ...e, suggestions } : e);
  }
  return out;
}
