import { MAX_PACKAGES, plural, utf8, type FoundPackage, type ReaderInput, type ReadResult } from './reader.js';

const MARK = '/node_modules/';

/**
 * The package directory a path is in: the segment (two for a scope) after its last `/node_modules/`, so a file
 * of a nested dependency belongs to that dependency, not to the package that holds it.
 */
export function packageDirOf(path: string): string | null {
  const at = path.lastIndexOf(MARK);
  if (at < 0) return null;
  const start = at + MARK.length;
  let end = path.indexOf('/', start);
  if (end < 0) return null;
  if (path[start] === '@') {
    end = path.indexOf('/', end + 1);
    if (end < 0) return null;
  }
  return path.slice(0, end);
}

function field(json: unknown, key: string): string | undefined {
  const v = json && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v.length <= 214 ? v : undefined;
}

function parseJson(body: Buffer | null): unknown {
  if (!body) return null;
  try {
    return JSON.parse(utf8(body)) as unknown;
  } catch {
    return null;
  }
}

/** npm packages: every `node_modules/<name>/package.json`, owning its directory minus nested node_modules. */
export function readNode(input: ReaderInput): ReadResult | null {
  const byDir = new Map<string, FoundPackage & { files: string[] }>();
  let unreadable = 0;
  for (const [path, c] of input.captured) {
    if (!path.endsWith('/package.json') || !path.includes(MARK)) continue;
    const dir = path.slice(0, -'/package.json'.length);
    if (packageDirOf(path) !== dir) continue;
    if (byDir.size >= MAX_PACKAGES) break;
    const json = parseJson(c.body);
    if (json === null) unreadable += 1;
    byDir.set(dir, {
      name: field(json, 'name') ?? dir.slice(dir.lastIndexOf(MARK) + MARK.length),
      version: field(json, 'version') ?? '',
      location: dir,
      declaredBytes: null,
      layer: c.layer,
      files: [],
    });
  }
  if (byDir.size === 0) return null;
  for (const path of input.paths.final.keys()) {
    const dir = packageDirOf(path);
    if (dir) byDir.get(dir)?.files.push(path);
  }
  const notes: string[] = [];
  if (byDir.size >= MAX_PACKAGES) notes.push(`more than ${MAX_PACKAGES} packages: read the first ${MAX_PACKAGES}`);
  if (unreadable > 0)
    notes.push(`${plural(unreadable, 'package.json')} unreadable or over the size limit (named by their directory)`);
  return { ecosystem: 'node', packages: [...byDir.values()], notes };
}
