import * as plain from '../util/format.js';

/**
 * The numbers as markdown cells show them: a no-break space between a number and its unit, so a narrow table
 * column never wraps "−820.3 MB" into "−820.3" over "MB".
 */
const keep = (s: string) => s.replace(/(\d) (?=[kMGTPE]?B\b|%)/g, '$1\u00a0');

export const formatBytes = (n: number | null | undefined) => keep(plain.formatBytes(n));
export const formatSignedBytes = (n: number | null | undefined) => keep(plain.formatSignedBytes(n));
export const formatPercent = (f: number | null | undefined, digits?: number) => keep(plain.formatPercent(f, digits));
/** A layer as every table of the comment names it: "PR 4" or "base 2". */
export function layerName(side: 'base' | 'head', layer: number | null): string {
  return layer === null ? '' : `${side === 'head' ? 'PR' : 'base'}\u00a0${layer}`;
}

export const formatSignedPercent = (f: number | null | undefined, digits?: number) =>
  keep(plain.formatSignedPercent(f, digits));
