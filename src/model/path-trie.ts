/**
 * Every path this process has measured, stored once as a tree of names: a node per path, its name in one shared
 * byte array (a byte per character when every character is below U+0100, else two), and a hash table of
 * (parent, name) in typed arrays. A path costs about 30 bytes plus its last name's characters, however many layers
 * and images name it, and nothing the GC has to walk.
 * Node 0 is `/`; a parent is always interned before its children, so a parent's id is smaller than its child's.
 *
 * Paths are taken as they are stored (absolute, no trailing slash): every name between two slashes is a node,
 * empty ones and `..` included, so `path(intern(p)) === p` for every absolute `p`.
 */

import { GROWTH, withRoom } from './typed-arrays.js';

const ROOT = 0;
const NONE = -1;

export class PathTrie {
  private parents = new Int32Array(1024);
  private nameStarts = new Int32Array(1024);
  private firstChildren = new Int32Array(1024).fill(NONE);
  private nextSiblings = new Int32Array(1024).fill(NONE);
  /** Names as latin1 bytes, or as UTF-16LE code units where `wide` says so. */
  private chars = Buffer.alloc(16 * 1024);
  private wide = new Uint8Array(1024);
  private charCount = 0;
  /** Open addressing, node id + 1 per slot (0 is empty), kept at most half full. */
  private table = new Int32Array(2048);
  private count = 1;

  constructor() {
    this.parents[ROOT] = NONE;
  }

  /** Nodes so far, `/` included: every node id is below it. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the typed arrays behind the tree, for the memory figures. */
  get retainedBytes(): number {
    return (
      this.parents.byteLength +
      this.nameStarts.byteLength +
      this.firstChildren.byteLength +
      this.nextSiblings.byteLength +
      this.wide.byteLength +
      this.chars.byteLength +
      this.table.byteLength
    );
  }

  /** The node of an absolute path, made if it is new. */
  intern(path: string): number {
    return this.walk(path, true);
  }

  /** The node of an absolute path, or -1 when no path measured here is it. */
  find(path: string): number {
    return path.startsWith('/') ? this.walk(path, false) : NONE;
  }

  parent(node: number): number {
    return this.parents[node]!;
  }

  firstChild(node: number): number {
    return this.firstChildren[node]!;
  }

  nextSibling(node: number): number {
    return this.nextSiblings[node]!;
  }

  name(node: number): string {
    const start = this.nameStarts[node]!;
    const length = this.nameLength(node);
    // Code units copied as they are (no decoding, no replacement): the name comes back as it went in.
    return this.wide[node]
      ? this.chars.toString('utf16le', start, start + length * 2)
      : this.chars.toString('latin1', start, start + length);
  }

  /** Names are stored in node order, so a name ends where the next node's begins. */
  private nameLength(node: number): number {
    const end = node + 1 < this.count ? this.nameStarts[node + 1]! : this.charCount;
    return (end - this.nameStarts[node]!) >> this.wide[node]!;
  }

  /** The hash of (parent, name), as `child` computes it from the path; recomputed when the table grows. */
  private static hash(parent: number): number {
    return Math.imul(parent + 1, 0x9e3779b1) | 0;
  }

  private hashOf(node: number): number {
    let h = PathTrie.hash(this.parents[node]!);
    const length = this.nameLength(node);
    for (let i = 0; i < length; i++) h = Math.imul(h ^ this.unit(node, i), 0x01000193);
    return h;
  }

  private unit(node: number, i: number): number {
    const s = this.nameStarts[node]!;
    return this.wide[node] ? this.chars.readUInt16LE(s + i * 2) : this.chars[s + i]!;
  }

  path(node: number): string {
    if (node === ROOT) return '/';
    const names: string[] = [];
    for (let n = node; n !== ROOT; n = this.parents[n]!) names.push(this.name(n));
    return '/' + names.reverse().join('/');
  }

  depth(node: number): number {
    let d = 0;
    for (let n = node; n !== ROOT; n = this.parents[n]!) d += 1;
    return d;
  }

  /**
   * dive's visiting order: depth first, children by name (UTF-16 code units, as JavaScript compares strings), a
   * directory before what is below it.
   */
  compare(a: number, b: number): number {
    if (a === b) return 0;
    let x = a;
    let y = b;
    const da = this.depth(a);
    const db = this.depth(b);
    let dx = da;
    let dy = db;
    while (dx > dy) {
      x = this.parents[x]!;
      dx -= 1;
    }
    while (dy > dx) {
      y = this.parents[y]!;
      dy -= 1;
    }
    if (x === y) return da - db;
    while (this.parents[x] !== this.parents[y]) {
      x = this.parents[x]!;
      y = this.parents[y]!;
    }
    return this.compareNames(x, y);
  }

  private compareNames(x: number, y: number): number {
    const lx = this.nameLength(x);
    const ly = this.nameLength(y);
    for (let i = 0; i < Math.min(lx, ly); i++) {
      const d = this.unit(x, i) - this.unit(y, i);
      if (d !== 0) return d;
    }
    return lx - ly;
  }

  private walk(path: string, make: boolean): number {
    let node = ROOT;
    if (path === '/') return ROOT;
    let start = 1;
    for (;;) {
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      node = this.child(node, path, start, end, make);
      if (node === NONE || end === path.length) return node;
      start = end + 1;
    }
  }

  private child(parent: number, path: string, start: number, end: number, make: boolean): number {
    let h = PathTrie.hash(parent);
    for (let i = start; i < end; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const held = this.table[slot]!;
      if (held === 0) return make ? this.add(parent, path, start, end, slot) : NONE;
      const n = held - 1;
      if (this.parents[n] === parent && this.named(n, path, start, end)) return n;
    }
  }

  private named(node: number, path: string, start: number, end: number): boolean {
    const length = end - start;
    if (this.nameLength(node) !== length) return false;
    for (let i = 0; i < length; i++) if (this.unit(node, i) !== path.charCodeAt(start + i)) return false;
    return true;
  }

  private add(parent: number, path: string, start: number, end: number, slot: number): number {
    const node = this.count++;
    if (node >= this.parents.length) this.growNodes(node + 1);
    const length = end - start;
    let wide = 0;
    for (let i = start; i < end && !wide; i++) if (path.charCodeAt(i) > 0xff) wide = 1;
    const bytes = length * (wide + 1);
    if (this.charCount + bytes > this.chars.length) {
      const chars = Buffer.alloc(Math.max(this.charCount + bytes, Math.ceil(this.chars.length * GROWTH)));
      this.chars.copy(chars, 0, 0, this.charCount);
      this.chars = chars;
    }
    if (wide)
      for (let i = 0; i < length; i++) this.chars.writeUInt16LE(path.charCodeAt(start + i), this.charCount + i * 2);
    else for (let i = 0; i < length; i++) this.chars[this.charCount + i] = path.charCodeAt(start + i);
    this.wide[node] = wide;
    this.parents[node] = parent;
    this.nameStarts[node] = this.charCount;
    this.nextSiblings[node] = this.firstChildren[parent]!;
    this.firstChildren[parent] = node;
    this.charCount += bytes;
    this.table[slot] = node + 1;
    if (this.count * 2 > this.table.length) this.rehash();
    return node;
  }

  private growNodes(need: number): void {
    const before = this.parents.length;
    this.parents = withRoom(this.parents, need);
    this.nameStarts = withRoom(this.nameStarts, need);
    this.firstChildren = withRoom(this.firstChildren, need);
    this.firstChildren.fill(NONE, before);
    this.nextSiblings = withRoom(this.nextSiblings, need);
    this.wide = withRoom(this.wide, need);
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let n = 1; n < this.count; n++) {
      let slot = this.hashOf(n) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = n + 1;
    }
    this.table = table;
  }
}

/** The one tree of this process: layers shared by two images, and two sides of a diff, name the same nodes. */
export const paths = new PathTrie();
