/** One piece of "how to shrink" advice (docs/measuring.md "How to shrink"). */
export type FindingRule =
  'package-cache' | 'deleted-later' | 'toolchain' | 'dev-files' | 'single-stage' | 'full-base' | 'root-user';

export interface Finding {
  rule: FindingRule;
  /** Identifies the same finding in base and head (rule plus what it is about), to report only new or grown ones. */
  key: string;
  /** The head layer it is in (the one holding most of the bytes), and that layer's instruction. */
  layer: number | null;
  instruction: string | null;
  /** Uncompressed bytes the fix saves, computed from the layer contents; 0 where the fix saves no space. */
  bytes: number;
  /** The saving rests on a published size rather than on a measurement (full-base without the slim image here). */
  estimate: boolean;
  /** What is wrong, in one line. */
  message: string;
  /** What to do. */
  fix: string;
  /** The largest paths involved, for the reader to check. */
  paths: string[];
}
