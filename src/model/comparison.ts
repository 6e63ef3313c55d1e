import type { ImageReport } from './image-report.js';

export type Metric = 'compressed' | 'uncompressed';
export type Verdict = 'pass' | 'warn' | 'fail';

/** Thresholds; every one is optional (null = off). Sizes in bytes, percents as fractions (0.05 = 5 %). */
export interface Rules {
  metric: Metric;
  maxSize: number | null;
  maxIncrease: number | null;
  maxIncreasePercent: number | null;
  warnIncrease: number | null;
  warnIncreasePercent: number | null;
  maxLayerSize: number | null;
  maxLayers: number | null;
  minEfficiency: number | null;
  maxWastedBytes: number | null;
  maxWastedPercent: number | null;
}

export const NO_RULES: Rules = {
  metric: 'uncompressed',
  maxSize: null,
  maxIncrease: null,
  maxIncreasePercent: null,
  warnIncrease: null,
  warnIncreasePercent: null,
  maxLayerSize: null,
  maxLayers: null,
  minEfficiency: null,
  maxWastedBytes: null,
  maxWastedPercent: null,
};

export type LayerStatus = 'shared' | 'moved' | 'changed' | 'new' | 'removed';

export interface LayerRow {
  /** Index in the head image; null for a removed base layer. */
  headIndex: number | null;
  baseIndex: number | null;
  instruction: string;
  status: LayerStatus;
  base: { uncompressedBytes: number | null; compressedBytes: number | null } | null;
  head: { uncompressedBytes: number | null; compressedBytes: number | null } | null;
  /** head − base in the judged metric (new: +head, removed: −base). */
  delta: number;
}

export interface Totals {
  base: number | null;
  head: number;
  delta: number | null;
  /** delta / base; null without a base or with a zero base. */
  percent: number | null;
}

export interface Violation {
  rule: string;
  level: 'fail' | 'warn';
  /** One line with the rule, the limit and the measured value. */
  message: string;
}

export interface Comparison {
  base: ImageReport | null;
  head: ImageReport;
  /** Why there is no base, when there is none (new Dockerfile, failed base build). */
  baseMissingReason: string | null;
  rules: Rules;
  uncompressed: Totals;
  compressed: Totals;
  compressedIsEstimate: boolean;
  layers: { base: number | null; head: number };
  /** Compressed bytes a host that already has the base image downloads for the head image. */
  newToPull: number | null;
  layerRows: LayerRow[];
  violations: Violation[];
  verdict: Verdict;
  /** A failure turned into a pass by the approval label. */
  approved: boolean;
}
