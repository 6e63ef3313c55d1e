import type { Rules } from '../model/comparison.js';
import { formatBytes, formatPercent } from '../util/format.js';

/** The active rules as inputs name them, with their limits: `max-increase 10 MB`. */
export function describeRules(r: Rules): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const add = (name: string, value: number | null, fmt: (n: number) => string) => {
    if (value !== null) out.push({ name, text: `${name} ${fmt(value)}` });
  };
  const pct = (n: number) => formatPercent(n, n * 100 === Math.round(n * 100) ? 0 : 1);
  add('max-size', r.maxSize, formatBytes);
  // An absolute and a relative limit set together are one rule (both must be crossed), named for the absolute one.
  const increase = (name: string, bytes: number | null, percent: number | null) => {
    if (bytes !== null && percent !== null)
      out.push({ name, text: `${name} ${formatBytes(bytes)} and ${pct(percent)}` });
    else {
      add(name, bytes, formatBytes);
      add(`${name}-percent`, percent, pct);
    }
  };
  increase('max-increase', r.maxIncrease, r.maxIncreasePercent);
  increase('warn-increase', r.warnIncrease, r.warnIncreasePercent);
  add('max-layer-size', r.maxLayerSize, formatBytes);
  add('max-layers', r.maxLayers, String);
  add('min-efficiency', r.minEfficiency, pct);
  add('max-wasted-bytes', r.maxWastedBytes, formatBytes);
  add('max-wasted-percent', r.maxWastedPercent, pct);
  add('min-change', r.minChange, formatBytes);
  add('min-change-percent', r.minChangePercent, pct);
  if (r.judge === 'own-layers') out.push({ name: 'judge', text: 'judge own-layers' });
  return out;
}
