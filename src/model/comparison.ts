import type { Finding } from './finding.js';
import type { ImageReport } from './image-report.js';
import type { Ecosystem } from './packages.js';

export type Metric = 'compressed' | 'uncompressed';
export type Verdict = 'pass' | 'warn' | 'fail';

/** Thresholds; every one is optional (null = off). Sizes in bytes, percents as fractions (0.05 = 5 %). */
export type Judge = 'all' | 'own-layers';

export interface Rules {
  metric: Metric;
  /**
   * What the size rules judge: the whole image, or the Dockerfile's own layers (the base image's left out, where
   * every layer's Dockerfile line is known: `Comparison.split`).
   */
  judge: Judge;
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
  /** A change below either is "no significant change": no relative rule fails on it, `on-change` posts nothing. */
  minChange: number | null;
  minChangePercent: number | null;
}

export const NO_RULES: Rules = {
  metric: 'uncompressed',
  judge: 'all',
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
  minChange: null,
  minChangePercent: null,
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

/** One line of a "where the bytes went" list: a file, or a directory rolled up (docs/measuring.md "Where the change is"). */
export interface PathLine {
  path: string;
  dir: boolean;
  files: number;
  bytes: number;
  /** The layer holding most of these bytes (head for added, base for removed), and its instruction. */
  layer: number;
  instruction: string;
}

export interface PathLines {
  /** The largest lines, largest first. */
  lines: PathLine[];
  /** Every changed file counted, and their bytes (what the lines and `rest` add up to). */
  files: number;
  bytes: number;
  rest: { files: number; bytes: number };
}

export interface FilesChange {
  /** Files on head's final filesystem that are new or larger than in base, by the bytes they add. */
  added: PathLines;
  /** Files gone from or smaller on head's final filesystem, by the bytes they take away. */
  removed: PathLines;
  /** Each grown head layer (new, or changed against its match), with what it writes beyond the matched layer. */
  layers: (PathLines & { headIndex: number; status: LayerStatus; instruction: string })[];
}

export type PackageChangeKind = 'added' | 'removed' | 'upgraded' | 'downgraded' | 'changed' | 'grown' | 'shrunk';

/** One package whose version or bytes differ between base and head. */
export interface PackageChange {
  name: string;
  location?: string;
  /** `changed`: the versions differ and their order is not known. */
  kind: PackageChangeKind;
  baseVersion: string | null;
  headVersion: string | null;
  baseBytes: number;
  headBytes: number;
  /** headBytes − baseBytes. */
  delta: number;
  /** The layer that installed it (head's; base's for a removed package) and that layer's instruction. */
  layer: number | null;
  instruction: string | null;
  side: 'base' | 'head';
}

export interface EcosystemChange {
  ecosystem: Ecosystem;
  /** Every changed package, largest byte change first. */
  changes: PackageChange[];
  /** Bytes of files no package of this ecosystem owns, on each side: the line that makes the sum exact. */
  unowned: { base: number; head: number; delta: number };
  /** Final-filesystem bytes, head − base: the changes' deltas plus `unowned.delta`. */
  delta: number;
  counts: Record<PackageChangeKind, number>;
  /** Notes from reading either side. */
  notes: string[];
}

export interface PackagesChange {
  ecosystems: EcosystemChange[];
  /** Databases found on either side and not read, with why. */
  notRead: { ecosystem: string; reason: string; side: 'base' | 'head' }[];
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
  /** False when the judged change is below `min-change` / `min-change-percent` (docs/action.md "Monorepos and noise"). */
  significant: boolean;
  layers: { base: number | null; head: number };
  /** Compressed bytes a host that already has the base image downloads for the head image. */
  newToPull: number | null;
  /**
   * The judged metric split between the FROM image's layers and the Dockerfile's own (by each layer's Dockerfile
   * line, `found: from` or not); null unless every layer of each side has a line and a size in that metric.
   */
  split?: { baseImage: Totals; own: Totals } | null;
  layerRows: LayerRow[];
  /** Where the change is, down to the files; null when either side was measured without its files. */
  files: FilesChange | null;
  /** Packages added, removed and changed, per ecosystem; null when either side was measured without its files. */
  packages: PackagesChange | null;
  /** Head's findings that are new or grown against base's (all of head's without a base); null without files. */
  newFindings: Finding[] | null;
  violations: Violation[];
  verdict: Verdict;
  /** A failure turned into a pass by the approval label. */
  approved: boolean;
}
