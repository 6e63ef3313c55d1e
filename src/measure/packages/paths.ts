import { paths } from '../../model/path-trie.js';
import type { FinalFiles } from '../filesystem.js';

const MAX_LINKS = 40;

/**
 * Paths as package databases name them, looked up on an image's final filesystem. Everything happens inside the
 * image's own namespace: `..` never climbs above its `/`, and a symlink's target is read as the image would read it.
 */
export class FinalPaths {
  /** Paths that named something above `/`: counted, never looked up. */
  outside = 0;

  constructor(readonly final: FinalFiles) {}

  /** Joins `rel` onto the absolute `dir` and normalizes it; null when it climbs above the root. */
  join(dir: string, rel: string): string | null {
    if (rel.startsWith('/') && !rel.includes('/.') && !rel.includes('//')) return rel;
    const parts = rel.startsWith('/') ? [] : dir.split('/').filter(Boolean);
    for (const part of rel.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) return this.escaped();
        parts.pop();
      } else parts.push(part);
    }
    return '/' + parts.join('/');
  }

  /**
   * Every path of `rels` joined onto `dir`, those that climb above the root left out (and counted), as they are
   * read: a package's file list is joined while it is tallied, so no list outlives its package.
   */
  *joinAll(dir: string, rels: Iterable<string>): Generator<string> {
    for (const rel of rels) {
      const p = rel === '' ? null : this.join(dir, rel);
      if (p) yield p;
    }
  }

  /**
   * The final-filesystem path an absolute path names, as its node in the path tree, following symlinked
   * directories on the way (Debian's `/bin` → `usr/bin`) but not a link at the end (a package owns the link, not
   * its target). -1 when nothing is there (a directory, a deleted file). `path` comes from `join`.
   */
  resolveNode(path: string): number {
    const direct = paths.find(path);
    if (direct >= 0 && this.final.nodes.has(direct)) return direct;
    let parts = path.split('/').filter(Boolean);
    let links = 0;
    let i = 0;
    let cur = '';
    while (i < parts.length) {
      const part = parts[i]!;
      if (part === '.' || part === '') {
        i += 1;
        continue;
      }
      if (part === '..') {
        // As the kernel reads a link inside the image: `/..` is `/`.
        cur = cur.slice(0, Math.max(0, cur.lastIndexOf('/')));
        i += 1;
        continue;
      }
      const next = `${cur}/${part}`;
      const f = this.final.get(next);
      if (f?.target !== undefined && i < parts.length - 1) {
        if (++links > MAX_LINKS) return -1;
        const target = f.target;
        const rest = parts.slice(i + 1);
        parts = [...target.split('/'), ...rest];
        if (target.startsWith('/')) cur = '';
        i = 0;
        continue;
      }
      cur = next;
      i += 1;
    }
    if (cur === '') return -1;
    const node = paths.find(cur);
    return node >= 0 && this.final.nodes.has(node) ? node : -1;
  }

  private escaped(): null {
    this.outside += 1;
    return null;
  }

  /** Every final path below the directory `dir`, walked in the path tree (no list of every path is made). */
  *under(dir: string): Generator<string> {
    const top = paths.find(dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir);
    if (top < 0) return;
    const members = this.final.nodes;
    const stack = [top];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (let c = paths.firstChild(n); c !== -1; c = paths.nextSibling(c)) {
        if (members.has(c)) yield paths.path(c);
        if (members.hasBelow(c)) stack.push(c);
      }
    }
  }
}
