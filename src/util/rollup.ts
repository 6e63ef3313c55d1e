import type { ChangedFile } from '../model/contents.js';
import { paths } from '../model/path-trie.js';
import { withRoom } from '../model/typed-arrays.js';

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

/** A changed file as the roll-up reads it: by path, or by its node in the process's path tree. */
export type Changed = ChangedFile | { node: number; bytes: number; layer: number };

/**
 * The changed files summed into the path tree they name: per node its bytes and files, and the bytes and layer of
 * the change that named it last (typed arrays over the process's path tree, so a million changes add no object per
 * file); per directory its bytes by layer.
 */
class ChangeTree {
  readonly bytes: Float64Array;
  readonly files: Int32Array;
  readonly byLayer = new Map<number, Map<number, number>>();
  private readonly fileBytes: Float64Array;
  /** The layer + 1 of the change that named the node itself, 0 for none. */
  private readonly fileLayer: Int32Array;

  constructor(nodes: Int32Array, bytes: Float64Array, layers: Int32Array, count: number) {
    this.bytes = new Float64Array(paths.size);
    this.files = new Int32Array(paths.size);
    this.fileBytes = new Float64Array(paths.size);
    this.fileLayer = new Int32Array(paths.size);
    for (let i = 0; i < count; i++) {
      const leaf = nodes[i]!;
      const b = bytes[i]!;
      const layer = layers[i]!;
      for (let n = leaf; n !== -1; n = paths.parent(n)) {
        this.bytes[n] += b;
        this.files[n] += 1;
        if (n === leaf) continue;
        let m = this.byLayer.get(n);
        if (!m) this.byLayer.set(n, (m = new Map()));
        m.set(layer, (m.get(layer) ?? 0) + b);
      }
      this.fileBytes[leaf] = b;
      this.fileLayer[leaf] = layer + 1;
    }
  }

  /** The change that named the node itself, if one did. */
  file(node: number): { bytes: number; layer: number } | null {
    const layer = this.fileLayer[node]! - 1;
    return layer < 0 ? null : { bytes: this.fileBytes[node]!, layer };
  }

  children(node: number): number[] {
    const out: number[] = [];
    for (let c = paths.firstChild(node); c !== -1; c = paths.nextSibling(c)) if (this.files[c]! > 0) out.push(c);
    return out;
  }

  dominantLayer(node: number): number {
    const m = this.byLayer.get(node);
    if (!m) return this.file(node)?.layer ?? -1;
    let best = -1;
    let bestBytes = -1;
    for (const [layer, bytes] of m) {
      if (bytes > bestBytes || (bytes === bestBytes && layer < best)) [best, bestBytes] = [layer, bytes];
    }
    return best;
  }
}

/** Changes read into typed arrays, each path interned once: what a roll-up is made from. */
export interface CollectedChanges {
  nodes: Int32Array;
  bytes: Float64Array;
  layers: Int32Array;
  count: number;
  totalBytes: number;
}

/** The changes in typed arrays, each path interned once. */
export function collectChanges(changes: Iterable<Changed>): CollectedChanges {
  let nodes = new Int32Array(64);
  let bytes = new Float64Array(64);
  let layers = new Int32Array(64);
  let count = 0;
  let totalBytes = 0;
  for (const c of changes) {
    nodes = withRoom(nodes, count + 1);
    bytes = withRoom(bytes, count + 1);
    layers = withRoom(layers, count + 1);
    nodes[count] = 'node' in c ? c.node : paths.intern(c.path);
    bytes[count] = c.bytes;
    layers[count] = c.layer;
    totalBytes += c.bytes;
    count += 1;
  }
  return { nodes, bytes, layers, count, totalBytes };
}

/** Directories at this depth or above are always opened: "/" or "/usr" alone says nothing. */
const ALWAYS_OPEN_DEPTH = 1;
/** A directory is opened when one child holds at least this share of it; otherwise it reads as one line. */
const DOMINANT_SHARE = 0.5;

/** A line before it is named: paths are made only for the lines that can make the list. */
type Line = Omit<PathGroup, 'path'> & { node: number };

function select(t: ChangeTree, node: number, depth: number, out: Line[]): void {
  const children = t.children(node);
  const bytes = t.bytes[node]!;
  if (children.length === 0) {
    out.push({ node, dir: false, files: 1, bytes, layer: t.dominantLayer(node) });
    return;
  }
  let largest = 0;
  for (const c of children) largest = Math.max(largest, t.bytes[c]!);
  const open = depth <= ALWAYS_OPEN_DEPTH || children.length === 1 || (bytes > 0 && largest >= bytes * DOMINANT_SHARE);
  if (!open) {
    out.push({ node, dir: true, files: t.files[node]!, bytes, layer: t.dominantLayer(node) });
    return;
  }
  // A path that is both a file and a directory across layers: the file's own bytes stay on their own line.
  const file = t.file(node);
  if (file) out.push({ node, dir: false, files: 1, bytes: file.bytes, layer: file.layer });
  for (const c of children) select(t, c, depth + 1, out);
}

/**
 * Rolls changed files up into directories where no single part dominates, so that a toolchain under
 * /usr/lib/gcc reads as one line rather than 900, while one large file in a directory still shows by name.
 * Returns the `limit` largest lines and what the rest add up to. The changes are read once.
 */
export function rollUp(
  changes: Iterable<Changed> | CollectedChanges,
  limit: number,
): { groups: PathGroup[]; rest: { files: number; bytes: number } } {
  const c = 'totalBytes' in changes ? changes : collectChanges(changes);
  const tree = new ChangeTree(c.nodes, c.bytes, c.layers, c.count);
  if (tree.files[0] === undefined || tree.files[0] === 0) return { groups: [], rest: { files: 0, bytes: 0 } };
  const all: Line[] = [];
  select(tree, 0, 0, all);
  // Largest first, more files first, then by name: only the lines above the cut and those tied at it are named.
  const bySize = (a: Line, b: Line) => b.bytes - a.bytes || b.files - a.files;
  all.sort(bySize);
  let end = Math.min(limit, all.length);
  while (end > 0 && end < all.length && bySize(all[end - 1]!, all[end]!) === 0) end += 1;
  const groups = all
    .slice(0, end)
    .map(({ node, ...g }) => ({ path: paths.path(node), ...g }))
    .sort((a, b) => b.bytes - a.bytes || b.files - a.files || a.path.localeCompare(b.path))
    .slice(0, limit);
  const rest = { files: 0, bytes: 0 };
  for (const l of all) {
    rest.files += l.files;
    rest.bytes += l.bytes;
  }
  for (const g of groups) {
    rest.files -= g.files;
    rest.bytes -= g.bytes;
  }
  return { groups, rest };
}
