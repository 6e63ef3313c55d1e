import { paths } from './path-trie.js';
import { trimmed, withRoom } from './typed-arrays.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other' | 'whiteout' | 'opaque';

/** One tar entry of a layer. Paths are absolute, without a trailing slash; size is a regular file's length. */
export interface LayerEntry {
  path: string;
  kind: EntryKind;
  size: number;
  /** A symlink's target, as stored: package file lists name paths through directory links (`/bin` → `usr/bin`). */
  target?: string;
}

export const KINDS: readonly EntryKind[] = ['file', 'dir', 'symlink', 'hardlink', 'other', 'whiteout', 'opaque'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
export const FILE = KIND_CODE.get('file')!;
export const DIR = KIND_CODE.get('dir')!;
export const WHITEOUT = KIND_CODE.get('whiteout')!;
export const OPAQUE = KIND_CODE.get('opaque')!;

/**
 * One layer's tar entries in tar order, 13 bytes each (the path's node in the process's path tree, the kind, the
 * size) plus a symlink's target. An image of a million files keeps its entries in typed arrays the GC never walks;
 * reading one back as a `LayerEntry` makes the object only for as long as the reader holds it.
 */
export class LayerEntries implements Iterable<LayerEntry> {
  private nodes: Int32Array;
  private kinds: Uint8Array;
  private sizes: Float64Array;
  private readonly targets = new Map<number, string>();
  private count = 0;

  constructor(capacity = 256) {
    this.nodes = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  static from(entries: Iterable<LayerEntry>): LayerEntries {
    const out = new LayerEntries();
    for (const e of entries) out.push(e);
    return out.trim();
  }

  get length(): number {
    return this.count;
  }

  get retainedBytes(): number {
    return this.nodes.byteLength + this.kinds.byteLength + this.sizes.byteLength;
  }

  push(e: LayerEntry): void {
    this.add(paths.intern(e.path), KIND_CODE.get(e.kind)!, e.size, e.target);
  }

  add(node: number, kind: number, size: number, target?: string): void {
    if (this.count === this.nodes.length) {
      this.nodes = withRoom(this.nodes, this.count + 1);
      this.kinds = withRoom(this.kinds, this.count + 1);
      this.sizes = withRoom(this.sizes, this.count + 1);
    }
    this.nodes[this.count] = node;
    this.kinds[this.count] = kind;
    this.sizes[this.count] = size;
    if (target !== undefined) this.targets.set(this.count, target);
    this.count += 1;
  }

  /** Gives back the spare capacity, once the layer has been read. */
  trim(): this {
    this.nodes = trimmed(this.nodes, this.count);
    this.kinds = trimmed(this.kinds, this.count);
    this.sizes = trimmed(this.sizes, this.count);
    return this;
  }

  node(i: number): number {
    return this.nodes[i]!;
  }

  kindCode(i: number): number {
    return this.kinds[i]!;
  }

  kind(i: number): EntryKind {
    return KINDS[this.kinds[i]!]!;
  }

  size(i: number): number {
    return this.sizes[i]!;
  }

  target(i: number): string | undefined {
    return this.targets.get(i);
  }

  path(i: number): string {
    return paths.path(this.nodes[i]!);
  }

  at(i: number): LayerEntry {
    const target = this.targets.get(i);
    const e: LayerEntry = { path: this.path(i), kind: this.kind(i), size: this.sizes[i]! };
    if (target !== undefined) e.target = target;
    return e;
  }

  /** The entries `keep` accepts, as a new list. */
  filter(keep: (e: LayerEntry) => boolean): LayerEntries {
    const out = new LayerEntries();
    for (let i = 0; i < this.count; i++) {
      if (keep(this.at(i))) out.add(this.nodes[i]!, this.kinds[i]!, this.sizes[i]!, this.targets.get(i));
    }
    return out.trim();
  }

  /** The bytes of its regular files. */
  contentBytes(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) if (this.kinds[i] === FILE) total += this.sizes[i]!;
    return total;
  }

  *[Symbol.iterator](): Iterator<LayerEntry> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}
