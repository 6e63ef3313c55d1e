import { lines, MAX_PACKAGES, plural, utf8, type FoundPackage, type ReaderInput, type ReadResult } from './reader.js';

const INSTALLED = '/lib/apk/db/installed';

/**
 * apk's database: one paragraph per package, one `X:value` line per field; `F:` opens a directory (relative to
 * `/`) and each `R:` after it names a file in it.
 */
export function readApk(input: ReaderInput): ReadResult | null {
  const db = input.captured.get(INSTALLED);
  if (!db) return null;
  if (!db.body)
    return { ecosystem: 'apk', notRead: `${INSTALLED} is ${db.size} bytes, over the limit for a package database` };
  const packages: FoundPackage[] = [];
  let malformed = 0;
  let cur: (FoundPackage & { files: string[] }) | null = null;
  let dir: string | null = null;
  const flush = () => {
    if (cur?.name) packages.push(cur);
    else if (cur) malformed += 1;
    cur = null;
    dir = null;
  };
  for (const line of lines(utf8(db.body))) {
    if (line === '') {
      flush();
      if (packages.length >= MAX_PACKAGES) break;
      continue;
    }
    if (line[1] !== ':') {
      malformed += 1;
      continue;
    }
    const value = line.slice(2);
    cur ??= { name: '', version: '', declaredBytes: null, layer: db.layer, files: [] };
    switch (line[0]) {
      case 'P':
        cur.name = value;
        break;
      case 'V':
        cur.version = value;
        break;
      case 'A':
        cur.arch = value;
        break;
      case 'o':
        if (value && value !== cur.name) cur.source = value;
        break;
      case 'I': {
        const n = Number(value);
        cur.declaredBytes = Number.isSafeInteger(n) && n >= 0 ? n : null;
        break;
      }
      case 'F':
        dir = input.paths.join('/', value);
        break;
      case 'R': {
        const p = input.paths.join(dir ?? '/', value);
        if (p) cur.files.push(p);
        break;
      }
    }
  }
  flush();
  const notes: string[] = [];
  if (packages.length >= MAX_PACKAGES) notes.push(`more than ${MAX_PACKAGES} packages: read the first ${MAX_PACKAGES}`);
  if (malformed > 0)
    notes.push(`${plural(malformed, 'malformed line or record', 'malformed lines or records')} skipped`);
  return { ecosystem: 'apk', packages, notes };
}
