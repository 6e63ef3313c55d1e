import type { ChangedFile } from '../model/contents.js';

/** A line of a "where the bytes went" list: one file, or a directory standing for the files under it. */
export interface PathGroup {
  path: string;
  /** A directory rolled up into one line (path ends without a slash; `files` counts what is under it). */
  dir: boolean;
  files: number;
  bytes: number;
  /** The layer that holds most of these bytes. */
  layer: number;
}

/** Leaves far outnumber directories: their maps are made only when a child or a second layer appears. */
interface Node {
  path: string;
  bytes: number;
  files: number;
  byLayer: Map<number, number> | null;
  children: Map<string, Node> | null;
  file: ChangedFile | null;
}

function node(path: string): Node {
  return { path, bytes: 0, files: 0, byLayer: null, children: null, file: null };
}

function tree(changes: readonly ChangedFile[]): Node {
  const root = node('/');
  for (const c of changes) {
    let n = root;
    const parts = c.path.split('/').filter(Boolean);
    const account = (m: Node, leaf: boolean) => {
      m.bytes += c.bytes;
      m.files += 1;
      if (!leaf) (m.byLayer ??= new Map()).set(c.layer, (m.byLayer.get(c.layer) ?? 0) + c.bytes);
    };
    account(n, false);
    parts.forEach((part, i) => {
      n.children ??= new Map();
      let child = n.children.get(part);
      if (!child) {
        child = node(n.path === '/' ? `/${part}` : `${n.path}/${part}`);
        n.children.set(part, child);
      }
      n = child;
      account(n, i === parts.length - 1);
    });
    n.file = c;
  }
  return root;
}

function dominantLayer(n: Node): number {
  if (!n.byLayer) return n.file?.layer ?? -1;
  let best = -1;
  let bestBytes = -1;
  for (const [layer, bytes] of n.byLayer) {
    if (bytes > bestBytes || (bytes === bestBytes && layer < best)) [best, bestBytes] = [layer, bytes];
  }
  return best;
}

/** Directories at this depth or above are always opened: "/" or "/usr" alone says nothing. */
const ALWAYS_OPEN_DEPTH = 1;
/** A directory is opened when one child holds at least this share of it; otherwise it reads as one line. */
const DOMINANT_SHARE = 0.5;

function select(n: Node, depth: number, out: PathGroup[]): void {
  const children = n.children ? [...n.children.values()] : [];
  if (children.length === 0) {
    out.push({ path: n.path, dir: false, files: 1, bytes: n.bytes, layer: dominantLayer(n) });
    return;
  }
  const largest = Math.max(...children.map((c) => c.bytes));
  const open =
    depth <= ALWAYS_OPEN_DEPTH || children.length === 1 || (n.bytes > 0 && largest >= n.bytes * DOMINANT_SHARE);
  if (!open) {
    out.push({ path: n.path, dir: true, files: n.files, bytes: n.bytes, layer: dominantLayer(n) });
    return;
  }
  // A path that is both a file and a directory across layers: the file's own bytes stay on their own line.
  if (n.file) out.push({ path: n.path, dir: false, files: 1, bytes: n.file.bytes, layer: n.file.layer });
  for (const c of children) select(c, depth + 1, out);
}

/**
 * Rolls changed files up into directories where no single part dominates, so that a toolchain under
 * /usr/lib/gcc reads as one line rather than 900, while one large file in a directory still shows by name.
 * Returns the `limit` largest lines and what the rest add up to.
 */
export function rollUp(
  changes: readonly ChangedFile[],
  limit: number,
): { groups: PathGroup[]; rest: { files: number; bytes: number } } {
  if (changes.length === 0) return { groups: [], rest: { files: 0, bytes: 0 } };
  const all: PathGroup[] = [];
  select(tree(changes), 0, all);
  all.sort((a, b) => b.bytes - a.bytes || b.files - a.files || a.path.localeCompare(b.path));
  const groups = all.slice(0, limit);
  const rest = all.slice(limit).reduce((r, g) => ({ files: r.files + g.files, bytes: r.bytes + g.bytes }), {
    files: 0,
    bytes: 0,
  });
  return { groups, rest };
}
