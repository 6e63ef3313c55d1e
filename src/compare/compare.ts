import type { ImageReport } from '../model/image-report.js';
import type { Comparison, Rules, Totals, Violation } from '../model/comparison.js';
import { formatBytes, formatPercent, formatSignedBytes, formatSignedPercent } from '../util/format.js';
import { newOrGrown } from './findings.js';
import { filesChange } from './files-change.js';
import { bytesIn, matchLayers, metricOf } from './match.js';
import { packagesChange } from './packages.js';

/**
 * Whether a change counts: below `min-change` bytes or `min-change-percent` of the base (either one set) it is
 * noise, a few kB of timestamps and caches, not a change to report or judge. A new image (no base) always counts.
 */
export function significant(t: Totals, r: Rules): boolean {
  if (t.delta === null) return true;
  if (r.minChange !== null && Math.abs(t.delta) < r.minChange) return false;
  if (r.minChangePercent !== null && t.percent !== null && Math.abs(t.percent) < r.minChangePercent) return false;
  return true;
}

/**
 * The totals the size rules judge: those of the rules' metric, of the Dockerfile's own layers with `judge:
 * own-layers` where the split is known (else of the whole image, which `ownLayersJudged` tells).
 */
export function judgedTotals(c: Pick<Comparison, 'rules' | 'compressed' | 'uncompressed' | 'split'>): Totals {
  if (c.rules.judge === 'own-layers' && c.split) return c.split.own;
  return c.rules.metric === 'compressed' ? c.compressed : c.uncompressed;
}

/** Whether the rules judged the Dockerfile's own layers (asked for, and every layer's line known). */
export function ownLayersJudged(c: Pick<Comparison, 'rules' | 'split'>): boolean {
  return c.rules.judge === 'own-layers' && !!c.split;
}

function totals(base: number | null, head: number): Totals {
  const delta = base === null ? null : head - base;
  return { base, head, delta, percent: delta === null || !base ? null : delta / base };
}

function blobKey(l: { digest: string | null; diffId: string }): string {
  return l.digest ?? l.diffId;
}

/** Compressed bytes of head blobs that the base image does not have (what a host with the base downloads). */
export function newToPull(base: ImageReport, head: ImageReport): number | null {
  const have = new Set(base.layers.map(blobKey));
  let total = 0;
  const seen = new Set<string>();
  for (const l of head.layers) {
    const key = blobKey(l);
    if (have.has(key) || seen.has(key)) continue;
    seen.add(key);
    if (l.compressedBytes === null) return null;
    total += l.compressedBytes;
  }
  return total;
}

/**
 * Evaluates the rules. With both an absolute and a relative increase limit set, an increase must cross both to
 * count: +100 % of a 2 MB image is not bloat, nor is +20 MB on a 5 GB one.
 */
export function evaluate(
  c: Omit<Comparison, 'violations' | 'verdict' | 'approved' | 'files' | 'newFindings' | 'packages'>,
): Violation[] {
  const r = c.rules;
  const t = judgedTotals(c);
  const label = ownLayersJudged(c) ? `${r.metric} size of the Dockerfile's own layers` : `${r.metric} size`;
  const v: Violation[] = [];
  const increase = (level: 'fail' | 'warn', bytes: number | null, percent: number | null, name: string) => {
    if (bytes === null && percent === null) return;
    if (t.delta === null || !c.significant) return;
    const overBytes = bytes === null || t.delta > bytes;
    const overPercent = percent === null || (t.percent !== null && t.percent > percent);
    if (!overBytes || !overPercent) return;
    const limits = [bytes !== null ? formatBytes(bytes) : null, percent !== null ? formatPercent(percent) : null]
      .filter(Boolean)
      .join(' and ');
    v.push({
      rule: name,
      level,
      message: `${name} ${limits}: ${label} grew ${formatSignedBytes(t.delta)} (${formatSignedPercent(t.percent)}), ${formatBytes(t.base)} → ${formatBytes(t.head)}`,
    });
  };
  if (r.maxSize !== null && t.head > r.maxSize) {
    v.push({
      rule: 'max-size',
      level: 'fail',
      message: `max-size ${formatBytes(r.maxSize)}: ${label} is ${formatBytes(t.head)}`,
    });
  }
  increase(
    'fail',
    r.maxIncrease,
    r.maxIncreasePercent,
    r.maxIncrease !== null ? 'max-increase' : 'max-increase-percent',
  );
  if (!v.some((x) => x.rule.startsWith('max-increase'))) {
    increase(
      'warn',
      r.warnIncrease,
      r.warnIncreasePercent,
      r.warnIncrease !== null ? 'warn-increase' : 'warn-increase-percent',
    );
  }
  if (r.maxLayerSize !== null) {
    for (const l of c.head.layers) {
      const size = metricOf(l, r.metric);
      if (size > r.maxLayerSize) {
        v.push({
          rule: 'max-layer-size',
          level: 'fail',
          message: `max-layer-size ${formatBytes(r.maxLayerSize)}: layer ${l.index} is ${formatBytes(size)}`,
        });
      }
    }
  }
  if (r.maxLayers !== null && c.head.layerCount > r.maxLayers) {
    v.push({
      rule: 'max-layers',
      level: 'fail',
      message: `max-layers ${r.maxLayers}: the image has ${c.head.layerCount} layers`,
    });
  }
  const w = c.head.waste;
  if (w) {
    if (r.minEfficiency !== null && w.efficiency < r.minEfficiency) {
      v.push({
        rule: 'min-efficiency',
        level: 'fail',
        message: `min-efficiency ${formatPercent(r.minEfficiency)}: efficiency is ${formatPercent(w.efficiency, 2)}`,
      });
    }
    if (r.maxWastedBytes !== null && w.wastedBytes > r.maxWastedBytes) {
      v.push({
        rule: 'max-wasted-bytes',
        level: 'fail',
        message: `max-wasted-bytes ${formatBytes(r.maxWastedBytes)}: ${formatBytes(w.wastedBytes)} wasted`,
      });
    }
    if (r.maxWastedPercent !== null && w.userWastedPercent !== null && w.userWastedPercent > r.maxWastedPercent) {
      v.push({
        rule: 'max-wasted-percent',
        level: 'fail',
        message: `max-wasted-percent ${formatPercent(r.maxWastedPercent)}: ${formatPercent(w.userWastedPercent)} of the user layers is wasted`,
      });
    }
  }
  return v;
}

/** Base (or none) and head in, a Comparison with matched layers, totals, violations and a verdict out. */
/** A side's judged bytes in its base image's layers and in its own; null where any layer has no line or size. */
function sideSplit(r: ImageReport, metric: Rules['metric']): { from: number; own: number } | null {
  let from = 0;
  let own = 0;
  for (const l of r.layers) {
    const b = bytesIn(l, metric);
    if (!l.dockerfile || b === null) return null;
    if (l.dockerfile.found === 'from') from += b;
    else own += b;
  }
  return { from, own };
}

function splitOf(base: ImageReport | null, head: ImageReport, metric: Rules['metric']): Comparison['split'] {
  const h = sideSplit(head, metric);
  const b = base ? sideSplit(base, metric) : null;
  if (!h || (base && !b)) return null;
  return { baseImage: totals(b?.from ?? null, h.from), own: totals(b?.own ?? null, h.own) };
}

export function compare(
  base: ImageReport | null,
  head: ImageReport,
  rules: Rules,
  opts: { baseMissingReason?: string | null; approved?: boolean } = {},
): Comparison {
  const uncompressed = totals(base ? (base.uncompressedBytes ?? 0) : null, head.uncompressedBytes ?? 0);
  const compressed = totals(base ? (base.compressedBytes ?? 0) : null, head.compressedBytes ?? 0);
  const split = splitOf(base, head, rules.metric);
  const partial = {
    base,
    head,
    baseMissingReason: base ? null : (opts.baseMissingReason ?? 'no base image'),
    rules,
    uncompressed,
    compressed,
    compressedIsEstimate: head.compressedIsEstimate || !!base?.compressedIsEstimate,
    significant: significant(judgedTotals({ rules, compressed, uncompressed, split }), rules),
    layers: { base: base ? base.layerCount : null, head: head.layerCount },
    newToPull: base ? newToPull(base, head) : null,
    layerRows: matchLayers(base, head, rules.metric),
    split,
  };
  const files = filesChange(base, head, partial.layerRows);
  const packages = packagesChange(base, head);
  const newFindings = head.findings ? newOrGrown(base?.findings ?? null, head.findings) : null;
  const violations = evaluate(partial);
  const failed = violations.some((x) => x.level === 'fail');
  const approved = failed && !!opts.approved;
  // An approved failure is a pass (the comment still lists the rules it broke, marked approved).
  const verdict = approved ? 'pass' : failed ? 'fail' : violations.length > 0 ? 'warn' : 'pass';
  return { ...partial, files, packages, newFindings, violations, verdict, approved };
}
