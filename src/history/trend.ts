import type { ImageReport } from '../model/image-report.js';
import type { Entry } from '../model/run.js';
import { TREND_POINTS, type HistoryRecord, type Trend } from '../model/history.js';

/** The base branch's last records for one image and platform, and this PR's point beside them. */
export function trendFor(records: readonly HistoryRecord[], image: string, platform: string, pr: Trend['pr']): Trend {
  const mine = records.filter((r) => r.image === image && r.platform === platform);
  return { image, platform, records: mine.slice(-TREND_POINTS), pr };
}

/** One trend per entry, this PR's image as the last point. */
export function trendsFor(records: readonly HistoryRecord[], entries: readonly Entry[]): Trend[] {
  return entries.map((e) =>
    trendFor(records, e.name, e.comparison.head.platform, {
      label: 'this PR',
      uncompressed: e.comparison.uncompressed.head,
    }),
  );
}

/** The record of one measured image at a commit: what a push to the default branch or a backfill appends. */
export function recordOf(image: string, h: ImageReport, commit: string, date: string): HistoryRecord {
  return {
    v: 1,
    image,
    platform: h.platform,
    commit,
    date,
    uncompressed: h.uncompressedBytes ?? 0,
    compressed: h.compressedBytes,
    compressedIsEstimate: h.compressedIsEstimate,
    layers: h.layerCount,
    efficiency: h.waste?.efficiency ?? null,
  };
}
