import type { ImageReport, LayerReport } from '../model/image-report.js';
import type { LayerRow, Metric } from '../model/comparison.js';

function sizes(l: LayerReport) {
  return { uncompressedBytes: l.uncompressedBytes, compressedBytes: l.compressedBytes };
}

type Sized = { uncompressedBytes: number | null; compressedBytes: number | null };

/** A layer's (or a layer row side's) bytes in the metric; null where the source did not say. */
export function bytesIn(l: Sized, metric: Metric): number | null {
  return metric === 'compressed' ? l.compressedBytes : l.uncompressedBytes;
}

export function metricOf(l: Sized, metric: Metric): number {
  return bytesIn(l, metric) ?? 0;
}

/**
 * Pairs head layers with base layers: first the shared stack (same diff_ids from the bottom up, i.e. the same
 * chain), then the same diff_id anywhere else (moved), then the same instruction (changed), else new / removed.
 */
export function matchLayers(base: ImageReport | null, head: ImageReport, metric: Metric): LayerRow[] {
  const rows: LayerRow[] = [];
  const baseLayers = base?.layers ?? [];
  const usedBase = new Set<number>();
  let prefix = 0;
  while (
    prefix < head.layers.length &&
    prefix < baseLayers.length &&
    head.layers[prefix]!.diffId === baseLayers[prefix]!.diffId
  ) {
    prefix++;
  }
  const byDiffId = new Map<string, number[]>();
  const byInstruction = new Map<string, number[]>();
  baseLayers.forEach((l, i) => {
    if (i < prefix) return;
    (byDiffId.get(l.diffId) ?? byDiffId.set(l.diffId, []).get(l.diffId)!).push(i);
    (byInstruction.get(l.instruction) ?? byInstruction.set(l.instruction, []).get(l.instruction)!).push(i);
  });
  const take = (map: Map<string, number[]>, key: string): number | undefined => {
    const list = map.get(key);
    while (list?.length) {
      const i = list.shift()!;
      if (!usedBase.has(i)) return i;
    }
    return undefined;
  };

  head.layers.forEach((h, i) => {
    if (i < prefix) {
      usedBase.add(i);
      rows.push({
        headIndex: i,
        baseIndex: i,
        instruction: h.instruction,
        status: 'shared',
        base: sizes(baseLayers[i]!),
        head: sizes(h),
        delta: 0,
      });
      return;
    }
    let b = take(byDiffId, h.diffId);
    let status: LayerRow['status'] = 'moved';
    if (b === undefined && h.instruction !== '<missing>') {
      b = take(byInstruction, h.instruction);
      status = 'changed';
    }
    if (b === undefined) {
      rows.push({
        headIndex: i,
        baseIndex: null,
        instruction: h.instruction,
        status: 'new',
        base: null,
        head: sizes(h),
        delta: metricOf(h, metric),
      });
      return;
    }
    usedBase.add(b);
    const bl = baseLayers[b]!;
    rows.push({
      headIndex: i,
      baseIndex: b,
      instruction: h.instruction,
      status,
      base: sizes(bl),
      head: sizes(h),
      delta: metricOf(h, metric) - metricOf(bl, metric),
    });
  });
  baseLayers.forEach((bl, b) => {
    if (usedBase.has(b)) return;
    rows.push({
      headIndex: null,
      baseIndex: b,
      instruction: bl.instruction,
      status: 'removed',
      base: sizes(bl),
      head: null,
      delta: -metricOf(bl, metric),
    });
  });
  return rows;
}
