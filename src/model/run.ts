import type { Comparison } from './comparison.js';
import type { Trend } from './history.js';

/** The JSON report's format version (README "JSON report"): 2 added `packages` to each image. */
export const REPORT_VERSION = 2;

/** One measured image on one platform, compared with its base. */
export interface Entry {
  /** The image's name (from `images`, the comment key or the Dockerfile path). */
  name: string;
  platform: string;
  /** How the base is called (branch, short commit, image reference), and how it was obtained. */
  baseLabel: string;
  baseSource: 'built' | 'image' | 'none';
  comparison: Comparison;
  /** The base branch's size history for this image and platform, with this PR's point (README "History and trends"). */
  trend?: Trend;
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
}
