import { paths } from '../model/path-trie.js';

/**
 * A set of path-tree nodes with a size each, and per node the count and bytes of the members at or below it, so
 * that "is anything below this directory", "how much is below it" and "remove all of it" cost the members they
 * touch, never a scan of every path. Layers are stacked with it: a whiteout removes a subtree in one call.
 */
export class NodeSet {
  private readonly member: Uint8Array;
  private readonly countBelow: Int32Array;
  /** Sizes and the bytes below, kept only when asked for (16 of the set's 21 bytes a node). */
  private readonly sizes: Float64Array | null;
  private readonly bytesBelow: Float64Array | null;

  constructor(
    withBytes: boolean,
    readonly capacity = paths.size,
  ) {
    this.member = new Uint8Array(capacity);
    this.countBelow = new Int32Array(capacity);
    this.sizes = withBytes ? new Float64Array(capacity) : null;
    this.bytesBelow = withBytes ? new Float64Array(capacity) : null;
  }

  has(node: number): boolean {
    return node < this.capacity && this.member[node] === 1;
  }

  /** Adds a node, or changes its size. */
  set(node: number, size = 0): void {
    const added = this.member[node] === 1 ? 0 : 1;
    this.member[node] = 1;
    const { sizes, bytesBelow } = this;
    if (sizes && bytesBelow) {
      const grew = size - sizes[node]!;
      sizes[node] = size;
      for (let n = node; n !== -1; n = paths.parent(n)) {
        this.countBelow[n] += added;
        bytesBelow[n] += grew;
      }
    } else if (added) for (let n = node; n !== -1; n = paths.parent(n)) this.countBelow[n] += 1;
  }

  /** Whether a member lies strictly below the node. */
  hasBelow(node: number): boolean {
    return this.countBelow[node]! - this.member[node]! > 0;
  }

  /** The bytes of the node and every member below it. */
  bytesAtOrBelow(node: number): number {
    return this.bytesBelow?.[node] ?? 0;
  }

  /**
   * Removes every member below the node (and the node itself unless `keepSelf`), telling `onRemoved` of each
   * before it goes, parents before children.
   */
  removeSubtree(node: number, keepSelf: boolean, onRemoved?: (node: number) => void): void {
    const selfCount = keepSelf ? this.member[node]! : 0;
    const { sizes, bytesBelow } = this;
    const selfBytes = keepSelf && selfCount && sizes ? sizes[node]! : 0;
    const count = this.countBelow[node]! - selfCount;
    if (count === 0) return;
    const bytes = bytesBelow ? bytesBelow[node]! - selfBytes : 0;
    for (let n = paths.parent(node); n !== -1; n = paths.parent(n)) {
      this.countBelow[n] -= count;
      if (bytesBelow) bytesBelow[n] -= bytes;
    }
    const stack: number[] = [];
    if (keepSelf) {
      this.countBelow[node] = selfCount;
      if (bytesBelow) bytesBelow[node] = selfBytes;
      this.pushChildren(node, stack);
    } else stack.push(node);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.countBelow[n] === 0) continue;
      if (this.member[n] === 1) {
        onRemoved?.(n);
        this.member[n] = 0;
        if (sizes) sizes[n] = 0;
      }
      this.countBelow[n] = 0;
      if (bytesBelow) bytesBelow[n] = 0;
      this.pushChildren(n, stack);
    }
  }

  /** Every member, in node order (parents before children). */
  *members(): Generator<number> {
    for (let n = 0; n < this.capacity; n++) if (this.member[n] === 1) yield n;
  }

  get count(): number {
    return this.capacity > 0 ? this.countBelow[0]! : 0;
  }

  private pushChildren(node: number, stack: number[]): void {
    for (let c = paths.firstChild(node); c !== -1; c = paths.nextSibling(c)) if (c < this.capacity) stack.push(c);
  }
}
