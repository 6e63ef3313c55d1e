import type { Suggestion } from '../model/suggestion.js';
import { codeBlock, lineLink, prose, text } from './escape.js';
import { formatBytes } from './format-md.js';

/** Where a fix sits: `Dockerfile` L3–4, linked to the PR's head commit when there is one. */
function where(s: Suggestion, blob: string | undefined): string {
  // A .dockerignore fix adds lines to a file the PR may not have (or not have changed): its name, no link.
  if (s.kinds.includes('dockerignore')) return text(s.file);
  const label = `${s.file} L${s.startLine}${s.endLine > s.startLine ? `–${s.endLine}` : ''}`;
  return blob ? lineLink(label, blob, s.file, s.startLine, s.endLine) : text(label);
}

/** What was proved, in the words every suggestion carries (the comment's and the review's). */
export function provedLine(s: Suggestion): string {
  return (
    `Applying this saves **${formatBytes(s.savedBytes)}**, measured: rebuilt and measured on this runner ` +
    `(${s.buildSeconds.toFixed(1)} s; the image ${formatBytes(s.imageBytes.before)} → ${formatBytes(s.imageBytes.after)}). ` +
    `Only the build was checked, not the program's behaviour.`
  );
}

/**
 * The collapsed section of fixes as unified diffs. `reviewed`: how many more were posted as a review's
 * suggestions, on the lines they change. Every text is the fix's own (our transform of the PR's file): the diff
 * goes into a fenced block, the summary through prose(). Pure.
 */
export function suggestionsMarkdown(
  suggestions: readonly Suggestion[],
  blob: string | undefined,
  reviewed = 0,
): string {
  const parts: string[] = [];
  if (reviewed > 0)
    parts.push(
      `_${reviewed} fix${reviewed === 1 ? ' is' : 'es are'} suggested in a review, on the lines ${reviewed === 1 ? 'it changes' : 'they change'}._`,
    );
  for (const s of suggestions) {
    parts.push(`**${where(s, blob)}**: ${prose(s.summary)}. ${provedLine(s)}\n\n${codeBlock(s.diff, 'diff')}`);
  }
  return parts.join('\n\n');
}
