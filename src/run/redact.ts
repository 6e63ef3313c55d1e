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
 * Fields whose values are the program's own enums (verdicts, levels, rule names, statuses): code branches on them,
 * so they are never rewritten. A build-arg value that happens to read `fail` or `pass` changes no decision; it is
 * also no secret the comment could leak, since the field only ever holds one of the enum's words.
 */
const ENUM_FIELDS = new Set([
  'verdict',
  'level',
  'rule',
  'metric',
  'judge',
  'found',
  'status',
  'kind',
  'ecosystem',
  'side',
  'baseSource',
  'from',
  'store',
  'transport',
  'driver',
  'tool',
  'unit',
]);

/**
 * Every free-text string in a result, with each known secret value replaced: a build arg can surface anywhere an
 * image's text does (`WORKDIR /opt/$TOKEN`, `ENV`, a path), in any form the history rule cannot see. Only for
 * data on its way to a sink (comment, summary, JSON): verdicts, levels, exit codes and numbers are decided from
 * the data before this runs (docs/security.md). Numbers and enum fields are kept; plain objects and arrays are
 * copied; class instances (the in-memory layer contents, which never leave the process) are kept as they are.
 */
export function redactValues<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ENUM_FIELDS.has(k) ? x : walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
