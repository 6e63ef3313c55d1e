import { parse as parseCsv } from 'csv-parse/sync';
import { eachLine, lazily, lines, MAX_PACKAGES, plural, utf8 } from './reader.js';
import type { FoundPackage, ReaderInput, ReadResult } from './reader.js';

/** `Name:` and `Version:` from METADATA / PKG-INFO (RFC 822 headers, ended by the first blank line). */
export function metadataHeaders(text: string): { name?: string; version?: string } {
  const out: { name?: string; version?: string } = {};
  // indexOf and slices, no regex: a header line is the image's text, of any length and shape.
  for (const line of lines(text)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon !== 4 && colon !== 7) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (key === 'name' || key === 'version') out[key] ??= line.slice(colon + 1).trim();
  }
  return out;
}

/** PEP 503's normalized name: the identity of a distribution whatever its spelling. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/** `name-1.2.3.dist-info` → name, version (the fallback when METADATA is missing). */
function fromDirName(dir: string): { name: string; version: string } {
  const base = dir.slice(dir.lastIndexOf('/') + 1).replace(/\.(dist|egg)-info$/, '');
  const dash = base.indexOf('-');
  return dash > 0
    ? { name: base.slice(0, dash), version: base.slice(dash + 1).split('-')[0]! }
    : { name: base, version: '' };
}

/** RECORD is CSV: path, hash, size; paths relative to the site-packages directory (scripts reach out with `../`). */
export function recordPaths(body: Buffer): string[] | null {
  try {
    const rows = parseCsv(body, { relax_column_count: true, skip_empty_lines: true }) as string[][];
    return rows.map((r) => r[0] ?? '').filter((p) => p !== '');
  } catch {
    return null;
  }
}

/**
 * Python distributions in any `site-packages` / `dist-packages`: wheels' `*.dist-info` (files from RECORD) and
 * setuptools' `*.egg-info` (files from installed-files.txt, else the top-level modules it names).
 */
export function readPython(input: ReaderInput): ReadResult | null {
  const dists = new Set<string>();
  for (const path of input.captured.keys()) {
    const dir = dirname(path);
    if (/\/(site|dist)-packages\/[^/]+\.(dist|egg)-info$/.test(dir)) dists.add(dir);
    else if (/\/(site|dist)-packages\/[^/]+\.egg-info$/.test(path)) dists.add(path);
  }
  if (dists.size === 0) return null;
  const packages: FoundPackage[] = [];
  let unreadable = 0;
  for (const dist of [...dists].sort()) {
    if (packages.length >= MAX_PACKAGES) break;
    const site = dirname(dist);
    const single = input.captured.get(dist);
    const headerFile = single ?? input.captured.get(`${dist}/METADATA`) ?? input.captured.get(`${dist}/PKG-INFO`);
    const headers = headerFile?.body ? metadataHeaders(utf8(headerFile.body)) : {};
    const fallback = fromDirName(dist);
    const record = input.captured.get(`${dist}/RECORD`);
    const listed = input.captured.get(`${dist}/installed-files.txt`);
    const topLevel = input.captured.get(`${dist}/top_level.txt`);
    let files: Iterable<string> = [];
    let layer = headerFile?.layer ?? null;
    if (single) {
      files = [dist];
    } else if (record) {
      layer = record.layer;
      const rel = record.body ? recordPaths(record.body) : null;
      if (rel === null) unreadable += 1;
      else files = lazily(() => input.paths.joinAll(site, rel));
    } else if (listed?.body) {
      const body = listed.body;
      files = lazily(() => input.paths.joinAll(dist, eachLine(utf8(body))));
    } else {
      const found = [...input.paths.under(dist)];
      if (topLevel?.body) {
        for (const mod of lines(utf8(topLevel.body))) {
          if (!/^[A-Za-z0-9_.]+$/.test(mod)) continue;
          found.push(...input.paths.under(`${site}/${mod}`), `${site}/${mod}.py`);
        }
      }
      files = found;
    }
    packages.push({
      name: headers.name || fallback.name,
      version: headers.version || fallback.version,
      location: site,
      declaredBytes: null,
      layer,
      files,
    });
  }
  const notes: string[] = [];
  if (dists.size > MAX_PACKAGES) notes.push(`more than ${MAX_PACKAGES} distributions: read the first ${MAX_PACKAGES}`);
  if (unreadable > 0)
    notes.push(`${plural(unreadable, 'RECORD')} unreadable or over the size limit (bytes not counted)`);
  return { ecosystem: 'python', packages, notes };
}
