import { compare as comparePep440, valid as validPep440 } from '@renovatebot/pep440';
import semver from 'semver';
import type { Ecosystem } from '../model/packages.js';

/** dpkg's order of a character in the non-digit parts: `~` before everything, even the end; letters before the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp (deb-version(7)): alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const d = order(ac) - order(bc);
      if (d) return d;
      i += 1;
      j += 1;
    }
    while (a[i] === '0') i += 1;
    while (b[j] === '0') j += 1;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
      i += 1;
      j += 1;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (first) return first;
  }
  return 0;
}

function splitDeb(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** Debian version order, as `dpkg --compare-versions` has it (tested against it). */
export function compareDebian(a: string, b: string): number {
  const [ea, ua, ra] = splitDeb(a);
  const [eb, ub, rb] = splitDeb(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  return Math.sign(verrevcmp(ua, ub) || verrevcmp(ra, rb));
}

/**
 * The order of two versions of one package: −1, 0, 1, or null when the ecosystem's rules cannot order them
 * (a version that is not valid there). apk versions (`1.2.3-r4`) are ordered by dpkg's rules, which agree on them.
 */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): number | null {
  switch (ecosystem) {
    case 'deb':
    case 'apk':
      return compareDebian(a, b);
    case 'python':
      return validPep440(a) && validPep440(b) ? Math.sign(comparePep440(a, b)) : null;
    case 'node':
      return semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : null;
  }
}
