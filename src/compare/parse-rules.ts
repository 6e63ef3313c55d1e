import bytes from 'bytes-iec';
import { UserError } from '../errors.js';
import { NO_RULES, type Judge, type Metric, type Rules } from '../model/comparison.js';

/** `150MB` (SI), `150MiB` (binary), `1.5GB`, or plain bytes. `describe` names the input in the error. */
export function parseSize(value: string, describe: string): number {
  const v = value.trim();
  const n = /^\d+$/.test(v) ? Number(v) : bytes.parse(v, { mode: 'metric' });
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0 || !/^[\d.]+\s*([kmgtp]i?b|b)?$/i.test(v)) {
    throw new UserError(`Invalid ${describe}: '${value}' is not a size (e.g. 150MB, 150MiB, 1.5GB or bytes)`);
  }
  return Math.round(n);
}

/** `5%` or a fraction such as `0.05`. */
export function parsePercent(value: string, describe: string): number {
  const v = value.trim();
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(v);
  const n = m ? Number(m[1]) / 100 : /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0)
    throw new UserError(`Invalid ${describe}: '${value}' is not a percentage (e.g. 5%)`);
  return n;
}

export function parseCount(value: string, describe: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UserError(`Invalid ${describe}: '${value}' is not a whole number`);
  return Number(value.trim());
}

export function parseJudge(value: string, describe: string): Judge {
  const v = value.trim();
  if (v === 'all' || v === 'own-layers') return v;
  throw new UserError(`Invalid ${describe}: '${value}' must be all or own-layers`);
}

export function parseMetric(value: string, describe: string): Metric {
  const v = value.trim();
  if (v === 'compressed' || v === 'uncompressed') return v;
  throw new UserError(`Invalid ${describe}: '${value}' must be compressed or uncompressed`);
}

/** Rule names as inputs and flags spell them, with their parsers. */
export const RULE_INPUTS = {
  'max-size': ['maxSize', parseSize],
  'max-increase': ['maxIncrease', parseSize],
  'max-increase-percent': ['maxIncreasePercent', parsePercent],
  'warn-increase': ['warnIncrease', parseSize],
  'warn-increase-percent': ['warnIncreasePercent', parsePercent],
  'max-layer-size': ['maxLayerSize', parseSize],
  'max-layers': ['maxLayers', parseCount],
  'min-efficiency': ['minEfficiency', parsePercent],
  'max-wasted-bytes': ['maxWastedBytes', parseSize],
  'max-wasted-percent': ['maxWastedPercent', parsePercent],
  'min-change': ['minChange', parseSize],
  'min-change-percent': ['minChangePercent', parsePercent],
} as const satisfies Record<string, [keyof Rules, (v: string, d: string) => number]>;

/** Every rule input: the two modes, then the limits. */
export const RULE_NAMES: readonly string[] = ['metric', 'judge', ...Object.keys(RULE_INPUTS)];

/** Builds Rules from raw strings (empty = off); `describe(name)` says how the input is called in errors. */
export function parseRules(raw: Record<string, string | undefined>, describe: (name: string) => string): Rules {
  const rules: Rules = { ...NO_RULES };
  if (raw.metric) rules.metric = parseMetric(raw.metric, describe('metric'));
  if (raw.judge) rules.judge = parseJudge(raw.judge, describe('judge'));
  for (const [name, [key, parse]] of Object.entries(RULE_INPUTS)) {
    const value = raw[name];
    if (value !== undefined && value.trim() !== '')
      (rules as unknown as Record<string, number>)[key] = parse(value, describe(name));
  }
  return rules;
}
