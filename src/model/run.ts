import type { Comparison } from './comparison.js';
import type { Trend } from './history.js';
import type { Suggestion } from './suggestion.js';

/**
 * The JSON report's format version (docs/measuring.md): 2 added `packages` to each image; 3 added the base taken
 * from a stored measurement (`baseSource: stored`, `baseOrigin`).
 */
export const REPORT_VERSION = 3;

/** One measured image on one platform, compared with its base. */
export interface Entry {
  /** The image's name (from `images`, the comment key or the Dockerfile path). */
  name: string;
  platform: string;
  /** How the base is called (branch, short commit, image reference), and how it was obtained. */
  baseLabel: string;
  baseSource: 'built' | 'image' | 'stored' | 'none';
  /** Where a base commit's numbers came from: its stored measurement, or a build and why it was built. */
  baseOrigin?: BaseOrigin;
  comparison: Comparison;
  /** The base branch's size history for this image and platform, with this PR's point (docs/action.md "History and trends"). */
  trend?: Trend;
  /** Where the rules that judged it come from, and what the PR's own config would change (docs/security.md). */
  policy?: Policy;
  /** Fixes of its new findings that were rebuilt and measured here (docs/suggestions.md), largest saving first. */
  suggestions?: Suggestion[];
}

/**
 * The base side of a pull request, when it is a commit: measured when that commit was pushed to the default
 * branch (docs/action.md "One build per pull request"), or built here, with why no stored measurement served.
 */
export type BaseOrigin =
  | {
      from: 'stored';
      /** The measured commit, and the base commit when that is a later one with the same build inputs. */
      commit: string;
      date: string;
      unchangedTo?: string;
    }
  | { from: 'built'; commit: string; why: string };

/** A rule on which the PR's config differs from the rules that judged it: values as parsed (bytes, fractions). */
export interface RuleProposal {
  /** The input's name: `max-increase`, `metric`, `ignore-paths`. */
  rule: string;
  unit: 'bytes' | 'percent' | 'count' | 'text';
  judged: number | string | null;
  proposed: number | string | null;
}

/** A build input the PR's config changes for an image (build args by name: values are never kept). */
export interface BuildChange {
  field: string;
  base: string | null;
  head: string | null;
}

export interface Policy {
  /** The commit and file whose item set this image's rules; null when the workflow's inputs alone did. */
  rulesFrom: { commit: string; file: string } | null;
  /** The image is in the PR's config file but not in the base's: judged by the workflow's rules. */
  newInConfig: boolean;
  /** What the PR's config would change in the rules once merged (it takes effect then, not in this PR). */
  proposed: RuleProposal[];
  buildChanges: BuildChange[];
}

/**
 * What one run writes to its JSON report (the `report` output) and what `mode: report` / `mode: comment` read back:
 * enough to render the comment again, for the PR it was measured for.
 */
export interface RunReport {
  tool: 'docker-size-guard';
  version: typeof REPORT_VERSION;
  key: string;
  pr: number | null;
  headSha: string | null;
  entries: Entry[];
  /** Images not built because no file they are built from changed (`changed-only`). */
  unchanged?: Unchanged[];
}

/** An image `changed-only` did not build, with its last size on the base branch when the history has one. */
export interface Unchanged {
  name: string;
  last: { uncompressed: number; commit: string } | null;
  /** Why it was not built: which inputs were compared and found unchanged, or that the PR removed it. */
  reason?: string;
}
