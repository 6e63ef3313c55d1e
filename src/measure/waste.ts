import { WASTE_FILES_LIMIT, type WasteReport } from '../model/image-report.js';
import type { LayerEntry } from './layer.js';

interface PathStats {
  count: number;
  cumulative: number;
  min: number;
}

/** The leaves of one layer's tree, in dive's visiting order (depth first, children sorted by name). */
function leavesInVisitOrder(entries: LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  const parents = new Set<string>();
  for (const e of entries) {
    // dive drops opaque markers but still creates their parent directory as a node.
    const node: LayerEntry = e.kind === 'opaque' ? { path: e.path, kind: 'dir', size: 0 } : e;
    if (!byPath.has(node.path) || e.kind !== 'opaque') byPath.set(node.path, node);
    for (let i = node.path.lastIndexOf('/'); i > 0; i = node.path.lastIndexOf('/', i - 1)) {
      const parent = node.path.slice(0, i);
      if (parents.has(parent)) break;
      parents.add(parent);
    }
  }
  // Intermediate directories that have no entry of their own are never leaves (they have children).
  const leaves = [...byPath.values()].filter((e) => e.path !== '/' && !parents.has(e.path));
  const key = (p: string) => p.split('/');
  return leaves.sort((a, b) => {
    const x = key(a.path);
    const y = key(b.path);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    }
    return x.length - y.length;
  });
}

/** The union of layers 0..k-1 as dive stacks them: whiteouts remove a path and everything below it. */
class StackedTree {
  private readonly nodes = new Map<string, LayerEntry>();

  apply(entries: LayerEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'opaque') continue; // invisible to dive
      if (e.kind === 'whiteout') {
        this.remove(e.path);
        continue;
      }
      this.nodes.set(e.path, e);
    }
  }

  get(path: string): LayerEntry | undefined {
    return this.nodes.get(path);
  }

  hasDescendants(path: string): boolean {
    const prefix = path + '/';
    for (const p of this.nodes.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  subtreeSize(path: string): number {
    const prefix = path + '/';
    let total = this.nodes.get(path)?.size ?? 0;
    for (const [p, e] of this.nodes) if (p.startsWith(prefix)) total += e.size;
    return total;
  }

  private remove(path: string): void {
    const prefix = path + '/';
    this.nodes.delete(path);
    for (const p of [...this.nodes.keys()]) if (p.startsWith(prefix)) this.nodes.delete(p);
  }
}

/**
 * dive's CI numbers (efficiency, wasted bytes, user wasted percent), reproduced with its quirks so people coming
 * from dive see the same values: every copy of a repeated path counts as waste (the kept one too), a directory
 * deleted by one whiteout is not waste, opaque whiteouts are ignored, and only layer 0 is "the base".
 */
export function computeWaste(layers: LayerEntry[][], layerContentBytes: number[]): WasteReport {
  const paths = new Map<string, PathStats>();
  const inefficient: string[] = [];
  const stacked = new StackedTree();

  layers.forEach((entries, k) => {
    for (const leaf of leavesInVisitOrder(entries)) {
      let size = leaf.size;
      if (leaf.kind === 'whiteout') {
        const previous = stacked.get(leaf.path);
        const existsBelow = previous !== undefined || stacked.hasDescendants(leaf.path);
        if (!existsBelow) break; // dive: the lookup error aborts the rest of this layer's visit
        const isDir = previous ? previous.kind === 'dir' : false;
        size = isDir ? stacked.subtreeSize(leaf.path) : 0;
      }
      let s = paths.get(leaf.path);
      if (!s) {
        s = { count: 0, cumulative: 0, min: -1 };
        paths.set(leaf.path, s);
      }
      s.count += 1;
      s.cumulative += size;
      if (s.min < 0 || size < s.min) s.min = size;
      if (s.count === 2) inefficient.push(leaf.path);
    }
    if (k < layers.length) stacked.apply(entries);
  });

  let minSum = 0;
  let cumulativeSum = 0;
  for (const s of paths.values()) {
    minSum += s.min;
    cumulativeSum += s.cumulative;
  }
  const files = inefficient
    .map((path) => ({ path, count: paths.get(path)!.count, wastedBytes: paths.get(path)!.cumulative }))
    .sort((a, b) => b.wastedBytes - a.wastedBytes || a.path.localeCompare(b.path));
  const wastedBytes = files.reduce((sum, f) => sum + f.wastedBytes, 0);
  const userBytes = layerContentBytes.slice(1).reduce((a, b) => a + b, 0);
  return {
    efficiency: cumulativeSum === 0 ? 1 : minSum / cumulativeSum,
    wastedBytes,
    userWastedPercent: userBytes === 0 ? null : wastedBytes / userBytes,
    files: files.slice(0, WASTE_FILES_LIMIT),
    fileCount: files.length,
  };
}
