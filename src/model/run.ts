import type { Comparison } from './comparison.js';

/** One measured image on one platform, compared with its base. */
export interface Entry {
  /** The image's name (from `images`, the comment key or the Dockerfile path). */
  name: string;
  platform: string;
  /** How the base is called (branch, short commit, image reference), and how it was obtained. */
  baseLabel: string;
  baseSource: 'built' | 'image' | 'none';
  comparison: Comparison;
}

/**
 * What one run writes to its JSON report (the `report` output) and what `mode: report` / `mode: comment` read back:
 * enough to render the comment again, for the PR it was measured for.
 */
export interface RunReport {
  tool: 'docker-size-guard';
  version: 1;
  key: string;
  pr: number | null;
  headSha: string | null;
  entries: Entry[];
}
