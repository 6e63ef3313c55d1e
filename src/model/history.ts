/**
 * The size history kept in the repository (docs/action.md "History and trends"): one JSON object per line, one file per
 * image, on its own branch. The format is versioned (`v`) so that other tools can read it.
 */
export const HISTORY_FORMAT = 1;
export const DEFAULT_HISTORY_REF = 'docker-size-guard-history';

export interface HistoryRecord {
  v: typeof HISTORY_FORMAT;
  /** The image's name (the `images` item name, the comment key or the Dockerfile path). */
  image: string;
  platform: string;
  /** The measured commit (40 hex digits) and its committer date (ISO 8601). */
  commit: string;
  date: string;
  uncompressed: number;
  compressed: number | null;
  compressedIsEstimate: boolean;
  layers: number;
  /** dive's efficiency (0–1); null when the files were not read. */
  efficiency: number | null;
}

/** A PR's point beside the history: what this PR's image measures. */
export interface TrendPoint {
  label: string;
  uncompressed: number;
}

export interface Trend {
  image: string;
  platform: string;
  /** The last records of the base branch, oldest first (at most TREND_POINTS). */
  records: HistoryRecord[];
  /** This PR's image, when the trend is shown on a PR. */
  pr: TrendPoint | null;
}

export const TREND_POINTS = 30;
