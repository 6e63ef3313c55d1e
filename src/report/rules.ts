import type { Rules } from '../model/comparison.js';
import { formatBytes, formatPercent } from './format.js';

/** The active rules as inputs name them, with their limits: `max-increase 10 MB`. */
export function describeRules(r: Rules): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const add = (name: string, value: number | null, fmt: (n: number) => string) => {
    if (value !== null) out.push({ name, text: `${name} ${fmt(value)}` });
  };
  const pct = (n: number) => formatPercent(n, n * 100 === Math.round(n * 100) ? 0 : 1);
  add('max-size', r.maxSize, formatBytes);
  if (r.maxIncrease !== null && r.maxIncreasePercent !== null) {
    out.push({
      name: 'max-increase',
      text: `max-increase ${formatBytes(r.maxIncrease)} and ${pct(r.maxIncreasePercent)}`,
    });
  } else {
    add('max-increase', r.maxIncrease, formatBytes);
    add('max-increase-percent', r.maxIncreasePercent, pct);
  }
  if (r.warnIncrease !== null && r.warnIncreasePercent !== null) {
    out.push({
      name: 'warn-increase',
      text: `warn-increase ${formatBytes(r.warnIncrease)} and ${pct(r.warnIncreasePercent)}`,
    });
  } else {
    add('warn-increase', r.warnIncrease, formatBytes);
    add('warn-increase-percent', r.warnIncreasePercent, pct);
  }
  add('max-layer-size', r.maxLayerSize, formatBytes);
  add('max-layers', r.maxLayers, String);
  add('min-efficiency', r.minEfficiency, pct);
  add('max-wasted-bytes', r.maxWastedBytes, formatBytes);
  add('max-wasted-percent', r.maxWastedPercent, pct);
  return out;
}
