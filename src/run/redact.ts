import { REDACTED } from '../measure/history.js';

/** Shorter values would blank out ordinary words and numbers; the history rule still hides them in RUN lines. */
export const MIN_SECRET_LENGTH = 3;

/** The values of `KEY=value` lines (build args, secrets) worth replacing, longest first. */
export function secretValues(lines: readonly string[]): string[] {
  const values = lines.map((a) => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : '')).filter(Boolean);
  return [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** One text with every known secret value replaced (log lines and error messages of the CLI). */
export function redactText(s: string, values: readonly string[]): string {
  let out = s;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/**
 * Every string in a result, with each known secret value replaced: a build arg can surface anywhere an image's
 * text does (`WORKDIR /opt/$TOKEN`, `ENV`, a path), in any form the history rule cannot see. Applied to the data
 * before any sink (comment, summary, outputs, JSON) sees it. Plain objects and arrays are copied; class instances
 * (the in-memory layer contents, which never leave the process) are kept as they are.
 */
export function redactValues<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
