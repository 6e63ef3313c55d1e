import type { ImageContents } from '../model/contents.js';
import { DIR, FILE, OPAQUE, WHITEOUT, type LayerEntries } from '../model/layer-entries.js';
import { paths } from '../model/path-trie.js';
import { withRoom } from '../model/typed-arrays.js';
import { NodeSet } from './node-set.js';

/** A path on an image's final filesystem: its size and the layer that last wrote it. */
export interface FinalFile {
  size: number;
  layer: number;
  /** Set for a symlink: where it points, as stored. */
  target?: string;
}

/**
 * An image's final filesystem, read as a map from path to file. It keeps 13 bytes per path node (the layer and
 * entry that last wrote it, the members below it); the `FinalFile` objects and path strings exist only
 * while a reader holds them.
 */
export class FinalFiles implements ReadonlyMap<string, FinalFile> {
  readonly nodes: NodeSet;
  private readonly layerOf: Int32Array;
  private readonly entryOf: Int32Array;

  constructor(private readonly layers: readonly LayerEntries[]) {
    this.nodes = new NodeSet(false);
    this.layerOf = new Int32Array(this.nodes.capacity);
    this.entryOf = new Int32Array(this.nodes.capacity);
  }

  /** Puts entry `index` of `layer` at its path. */
  put(node: number, layer: number, index: number): void {
    this.nodes.set(node);
    this.layerOf[node] = layer;
    this.entryOf[node] = index;
  }

  layerAt(node: number): number {
    return this.layerOf[node]!;
  }

  /** The bytes of the regular file at the node; 0 for anything else. */
  sizeAt(node: number): number {
    const entries = this.layers[this.layerOf[node]!]!;
    const i = this.entryOf[node]!;
    return entries.kindCode(i) === FILE ? entries.size(i) : 0;
  }

  fileAt(node: number): FinalFile {
    const layer = this.layerOf[node]!;
    const entries = this.layers[layer]!;
    const i = this.entryOf[node]!;
    const target = entries.target(i);
    return target !== undefined ? { size: 0, layer, target } : { size: this.sizeAt(node), layer };
  }

  get size(): number {
    return this.nodes.count;
  }

  has(path: string): boolean {
    const n = paths.find(path);
    return n >= 0 && this.nodes.has(n);
  }

  get(path: string): FinalFile | undefined {
    const n = paths.find(path);
    return n >= 0 && this.nodes.has(n) ? this.fileAt(n) : undefined;
  }

  /** Every member with its path, in node order; a directory's path is made once for all the files in it. */
  private *named(): Generator<[number, string]> {
    const dirs = new Map<number, string>();
    for (const n of this.nodes.members()) yield [n, pathIn(dirs, n)];
  }

  /**
   * Every regular file with bytes, in node order, with its path, size and layer: no object per file, and no path
   * for the rest (directories, links, empty files).
   */
  forEachWithBytes(fn: (path: string, node: number, size: number, layer: number) => void): void {
    const dirs = new Map<number, string>();
    for (const n of this.nodes.members()) {
      const size = this.sizeAt(n);
      if (size > 0) fn(pathIn(dirs, n), n, size, this.layerOf[n]!);
    }
  }

  *keys(): MapIterator<string> {
    for (const [, path] of this.named()) yield path;
  }

  *values(): MapIterator<FinalFile> {
    for (const n of this.nodes.members()) yield this.fileAt(n);
  }

  *entries(): MapIterator<[string, FinalFile]> {
    for (const [n, path] of this.named()) yield [path, this.fileAt(n)];
  }

  [Symbol.iterator](): MapIterator<[string, FinalFile]> {
    return this.entries();
  }

  forEach(fn: (value: FinalFile, key: string, map: ReadonlyMap<string, FinalFile>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/** A node's path, its directory's made once and kept in `dirs` for the next file in it. */
function pathIn(dirs: Map<number, string>, node: number): string {
  const parent = paths.parent(node);
  let dir = parent <= 0 ? '' : dirs.get(parent);
  if (dir === undefined) {
    dir = paths.path(parent);
    dirs.set(parent, dir);
  }
  return `${dir}/${paths.name(node)}`;
}

export type Replaced = (node: number, file: FinalFile, by: number, how: 'deletes' | 'overwrites') => void;

/**
 * The filesystem a container sees: layers stacked in order, a whiteout removing a path and everything below it,
 * an opaque directory hiding what lower layers put in it. Directories are left out (they weigh nothing); every
 * other entry is kept with its size (0 for links).
 */
export function finalFilesystem(layers: readonly LayerEntries[], onReplaced?: Replaced): FinalFiles {
  const files = new FinalFiles(layers);
  const set = files.nodes;
  layers.forEach((entries, layer) => {
    // Deletions in a layer apply to the layers below it, whatever their order in the tar.
    for (let i = 0; i < entries.length; i++) {
      const kind = entries.kindCode(i);
      if (kind !== WHITEOUT && kind !== OPAQUE) continue;
      const node = entries.node(i);
      set.removeSubtree(node, kind === OPAQUE, onReplaced && ((n) => onReplaced(n, files.fileAt(n), layer, 'deletes')));
    }
    for (let i = 0; i < entries.length; i++) {
      const kind = entries.kindCode(i);
      if (kind === DIR || kind === WHITEOUT || kind === OPAQUE) continue;
      const node = entries.node(i);
      if (onReplaced && set.has(node) && files.layerAt(node) !== layer)
        onReplaced(node, files.fileAt(node), layer, 'overwrites');
      files.put(node, layer, i);
    }
  });
  return files;
}

/**
 * Files a later layer deleted or wrote again (the first copy still ships in the image), those with bytes, in
 * stacking order: 29 bytes each, read by index.
 */
export class ReplacedFiles {
  private nodes = new Int32Array(64);
  private layers = new Int32Array(64);
  private bys = new Int32Array(64);
  private deletes = new Uint8Array(64);
  private sizes = new Float64Array(64);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(node: number, file: FinalFile, by: number, how: 'deletes' | 'overwrites'): void {
    if (this.count === this.nodes.length) this.grow();
    this.nodes[this.count] = node;
    this.layers[this.count] = file.layer;
    this.bys[this.count] = by;
    this.deletes[this.count] = how === 'deletes' ? 1 : 0;
    this.sizes[this.count] = file.size;
    this.count += 1;
  }

  node(i: number): number {
    return this.nodes[i]!;
  }

  /** The layer that wrote the copy still shipped. */
  layer(i: number): number {
    return this.layers[i]!;
  }

  by(i: number): number {
    return this.bys[i]!;
  }

  how(i: number): 'deletes' | 'overwrites' {
    return this.deletes[i] ? 'deletes' : 'overwrites';
  }

  size(i: number): number {
    return this.sizes[i]!;
  }

  private grow(): void {
    const need = this.count + 1;
    this.nodes = withRoom(this.nodes, need);
    this.layers = withRoom(this.layers, need);
    this.bys = withRoom(this.bys, need);
    this.deletes = withRoom(this.deletes, need);
    this.sizes = withRoom(this.sizes, need);
  }
}

export interface Stacked {
  final: FinalFiles;
  /** Replaced files with bytes, in stacking order. */
  replaced: ReplacedFiles;
}

const stackedByContents = new WeakMap<ImageContents, Stacked>();

/**
 * An image's layers stacked once, whoever asks first (the advice or the file-level diff): the pass walks every entry
 * of every layer, so it is kept beside the contents it was computed from.
 */
export function stackContents(contents: ImageContents): Stacked {
  let s = stackedByContents.get(contents);
  if (!s) {
    const replaced = new ReplacedFiles();
    const final = finalFilesystem(contents.layers, (node, file, by, how) => {
      if (file.size > 0) replaced.push(node, file, by, how);
    });
    s = { final, replaced };
    stackedByContents.set(contents, s);
  }
  return s;
}
