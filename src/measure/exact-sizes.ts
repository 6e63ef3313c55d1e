import type { ImageReport } from '../model/image-report.js';

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
  // Pull size: the config, and each distinct blob once.
  const seen = new Set<string>();
  let compressed: number | null = exported.configSize;
  for (const l of layers) {
    const key = l.digest ?? l.diffId;
    if (seen.has(key)) continue;
    seen.add(key);
    compressed = l.compressedBytes === null || compressed === null ? null : compressed + l.compressedBytes;
  }
  return {
    ...report,
    layers,
    compressedBytes: compressed,
    compressedIsEstimate: layers.some((l) => l.compressedIsEstimate),
  };
}
