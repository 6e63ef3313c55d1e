import type { FindingRule } from './finding.js';

/**
 * The mechanical fixes the action knows how to write into a Dockerfile (docs/suggestions.md). Each is a
 * transform of the lines of one instruction, keyed by name so that a report read back elsewhere names the fix and
 * the fix's text is written again there from the PR's own file, never taken from the report.
 */
export const FIX_KINDS = [
  'apt-cleanup',
  'apk-no-cache',
  'pip-no-cache',
  'npm-cache-clean',
  'yarn-cache-clean',
  'pnpm-store-remove',
  'npm-omit-dev',
  'slim-base',
  'dockerignore',
] as const;
export type FixKind = (typeof FIX_KINDS)[number];

/**
 * One fix as written: the lines it replaces (1-based, inclusive) and what replaces them. A Dockerfile fix keeps
 * the line count; a `.dockerignore` fix (`dockerignore`) adds lines after the file's last one (`endLine` is
 * `startLine - 1` when the file is new or empty: nothing is replaced).
 */
export interface FixEdit {
  /** The transforms applied to the instruction, in order (one instruction may answer several findings). */
  kinds: FixKind[];
  /** The findings it answers (`Finding.key`), and their rules. */
  findingKeys: string[];
  rules: FindingRule[];
  file: string;
  startLine: number;
  endLine: number;
  /** In a Dockerfile, as many lines as it replaces, so no other line of the file moves. */
  lines: string[];
  /** What the fix does, in a few words ("adds `--no-cache` to `apk add`"), one part per transform. */
  summary: string;
}

/** A fix that was built and measured: offered only when the build succeeded and the image shrank. */
export interface Suggestion extends FixEdit {
  /** Uncompressed bytes the fix's own layers lost in the rebuild (the base image's layers for `slim-base`). */
  savedBytes: number;
  /** The whole image before and after the rebuild that carried this fix (uncompressed). */
  imageBytes: { before: number; after: number };
  /** Wall seconds of the rebuild that proved it and of measuring it (shared by the fixes built together). */
  buildSeconds: number;
  /** The fix as a unified diff of the Dockerfile (3 lines of context). */
  diff: string;
  /** Its lines lie within one hunk of the pull request's diff, where a review comment can sit. */
  inDiff: boolean;
}

/**
 * What a report read back from another job may say of a suggestion: which fix on which lines, and its numbers.
 * Its text is written again here from the PR's own file, never taken from the report.
 */
export type SuggestionClaim = Pick<
  Suggestion,
  'kinds' | 'findingKeys' | 'file' | 'startLine' | 'endLine' | 'savedBytes' | 'imageBytes' | 'buildSeconds' | 'inDiff'
>;
