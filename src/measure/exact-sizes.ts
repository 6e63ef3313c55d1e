import type { ImageReport } from '../model/image-report.js';
import { pullSize } from './image.js';

/** What a builder's OCI export says of one image: its config blob and each layer's compressed blob. */
export interface ExportedImage {
  configSize: number;
  layers: { diffId: string; digest: string; size: number }[];
}

/**
 * A report measured from the daemon (uncompressed layers), with the compressed sizes taken from the same build's
 * export: the blobs a push from that builder stores, so the numbers are exact, not estimated. Layers are matched
 * by diff_id (the same tar in both); a layer the export does not have keeps what it had. Pure.
 */
export function withExactSizes(report: ImageReport, exported: ExportedImage): ImageReport {
  const byDiffId = new Map(exported.layers.map((l) => [l.diffId, l]));
  const layers = report.layers.map((l) => {
    const e = byDiffId.get(l.diffId);
    return e ? { ...l, digest: e.digest, compressedBytes: e.size, compressedIsEstimate: false } : l;
  });
  return {
    ...report,
    layers,
    compressedBytes: pullSize(exported.configSize, layers),
    compressedIsEstimate: layers.some((l) => l.compressedIsEstimate),
  };
}
