import { WASTE_FILES_LIMIT, type WasteReport } from '../model/image-report.js';
import { DIR, OPAQUE, WHITEOUT, type LayerEntries } from '../model/layer-entries.js';
import { paths } from '../model/path-trie.js';
import { withRoom } from '../model/typed-arrays.js';
import { NodeSet } from './node-set.js';

/** Per path node, the copies seen across layers (dive's `fileReference`s): 20 bytes a node, for one call. */
class PathCopies {
  readonly count: Int32Array;
  readonly cumulative: Float64Array;
  readonly min: Float64Array;
  /** Paths seen a second time, in the order they were: dive's inefficient files. */
  readonly repeated: number[] = [];

  constructor(n: number) {
    this.count = new Int32Array(n);
    this.cumulative = new Float64Array(n);
    this.min = new Float64Array(n);
  }

  add(node: number, size: number): void {
    const c = (this.count[node] += 1);
    this.cumulative[node] += size;
    if (c === 1 || size < this.min[node]!) this.min[node] = size;
    if (c === 2) this.repeated.push(node);
  }
}

/**
 * One layer's leaves as dive builds its tree: one node per path (the last entry for it wins; an opaque marker
 * makes its directory a node only if nothing else named it), a node with children below it in this layer is not a
 * leaf, and `/` never is. Stamps (layer + 1) let the per-node arrays be reused without clearing.
 */
class LayerLeaves {
  private readonly chosenStamp: Int32Array;
  private readonly chosen: Int32Array;
  private readonly parentStamp: Int32Array;
  private nodes = new Int32Array(0);

  constructor(n: number) {
    this.chosenStamp = new Int32Array(n);
    this.chosen = new Int32Array(n);
    this.parentStamp = new Int32Array(n);
  }

  /**
   * The leaves' nodes, and per node the entry it stands for (-1: an opaque marker's directory). The list is a view
   * of one buffer reused layer after layer: it holds until the next call.
   */
  of(entries: LayerEntries, stamp: number): Int32Array {
    const nodes = (this.nodes = withRoom(this.nodes, entries.length));
    let count = 0;
    for (let i = 0; i < entries.length; i++) {
      const node = entries.node(i);
      const opaque = entries.kindCode(i) === OPAQUE;
      if (this.chosenStamp[node] !== stamp) {
        this.chosenStamp[node] = stamp;
        this.chosen[node] = -1;
        nodes[count++] = node;
      }
      if (!opaque) this.chosen[node] = i;
      for (let p = paths.parent(node); p > 0 && this.parentStamp[p] !== stamp; p = paths.parent(p))
        this.parentStamp[p] = stamp;
    }
    let leaves = 0;
    for (let j = 0; j < count; j++) {
      const n = nodes[j]!;
      if (n !== 0 && this.parentStamp[n] !== stamp) nodes[leaves++] = n;
    }
    return nodes.subarray(0, leaves);
  }

  entry(node: number): number {
    return this.chosen[node]!;
  }
}

const byName = new Intl.Collator();

/** The repeated paths, most wasted bytes first and by name among equals: the first `limit` of them. */
function topRepeated(copies: PathCopies, limit: number): WasteReport['files'] {
  const { repeated, cumulative, count } = copies;
  const sorted = [...repeated].sort((a, b) => cumulative[b]! - cumulative[a]!);
  if (sorted.length === 0) return [];
  // Only the paths that can make the first `limit` need their names: those above the cut, and all tied at it.
  const cut = cumulative[sorted[Math.min(limit, sorted.length) - 1]!]!;
  let end = Math.min(limit, sorted.length);
  while (end < sorted.length && cumulative[sorted[end]!] === cut) end += 1;
  return sorted
    .slice(0, end)
    .map((node) => ({ path: paths.path(node), count: count[node]!, wastedBytes: cumulative[node]! }))
    .sort((a, b) => b.wastedBytes - a.wastedBytes || byName.compare(a.path, b.path))
    .slice(0, limit);
}

/**
 * dive's CI numbers (efficiency, wasted bytes, user wasted percent), reproduced with its quirks so people coming
 * from dive see the same values: every copy of a repeated path counts as waste (the kept one too), a directory
 * deleted by one whiteout is not waste, opaque whiteouts are ignored, and only layer 0 is "the base".
 */
export function computeWaste(layers: readonly LayerEntries[], layerContentBytes: number[]): WasteReport {
  const n = paths.size;
  const copies = new PathCopies(n);
  const leaves = new LayerLeaves(n);
  // The union of the layers below, as dive stacks them: whiteouts remove a path and everything below it.
  const stacked = new NodeSet(true, n);
  const stackedKind = new Uint8Array(n);

  layers.forEach((entries, k) => {
    const layerLeaves = leaves.of(entries, k + 1);
    // dive visits depth first, children by name, and a whiteout of nothing aborts the rest of the layer's visit;
    // only that makes the order matter, so the walk is cut at the first such whiteout in that order.
    let stop = -1;
    for (const node of layerLeaves) {
      const i = leaves.entry(node);
      if (i < 0 || entries.kindCode(i) !== WHITEOUT) continue;
      if (stacked.has(node) || stacked.hasBelow(node)) continue;
      if (stop < 0 || paths.compare(node, stop) < 0) stop = node;
    }
    for (const node of layerLeaves) {
      if (stop >= 0 && paths.compare(node, stop) >= 0) continue;
      const i = leaves.entry(node);
      let size = i < 0 ? 0 : entries.size(i);
      if (i >= 0 && entries.kindCode(i) === WHITEOUT) {
        const isDir = stacked.has(node) && stackedKind[node] === DIR;
        size = isDir ? stacked.bytesAtOrBelow(node) : 0;
      }
      copies.add(node, size);
    }
    for (let i = 0; i < entries.length; i++) {
      const kind = entries.kindCode(i);
      const node = entries.node(i);
      if (kind === OPAQUE) continue; // invisible to dive
      if (kind === WHITEOUT) stacked.removeSubtree(node, false);
      else {
        stacked.set(node, entries.size(i));
        stackedKind[node] = kind;
      }
    }
  });

  let minSum = 0;
  let cumulativeSum = 0;
  for (let node = 0; node < n; node++) {
    if (copies.count[node] === 0) continue;
    minSum += copies.min[node]!;
    cumulativeSum += copies.cumulative[node]!;
  }
  let wastedBytes = 0;
  for (const node of copies.repeated) wastedBytes += copies.cumulative[node]!;
  const userBytes = layerContentBytes.slice(1).reduce((a, b) => a + b, 0);
  return {
    efficiency: cumulativeSum === 0 ? 1 : minSum / cumulativeSum,
    wastedBytes,
    userWastedPercent: userBytes === 0 ? null : wastedBytes / userBytes,
    files: topRepeated(copies, WASTE_FILES_LIMIT),
    fileCount: copies.repeated.length,
  };
}
