import type { FinalFile } from '../filesystem.js';

const MAX_LINKS = 40;

/**
 * Paths as package databases name them, looked up on an image's final filesystem. Everything happens inside the
 * image's own namespace: `..` never climbs above its `/`, and a symlink's target is read as the image would read it.
 */
export class FinalPaths {
  private sorted: string[] | null = null;
  /** Paths that named something above `/`: counted, never looked up. */
  outside = 0;

  constructor(readonly final: ReadonlyMap<string, FinalFile>) {}

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

  /** Every path of `rels` joined onto `dir`, those that climb above the root left out (and counted). */
  joinAll(dir: string, rels: Iterable<string>): string[] {
    const out: string[] = [];
    for (const rel of rels) {
      const p = rel === '' ? null : this.join(dir, rel);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * The final-filesystem path an absolute path names, following symlinked directories on the way (Debian's
   * `/bin` → `usr/bin`) but not a link at the end (a package owns the link, not its target). Null when nothing
   * is there (a directory, a deleted file). `path` comes from `join`.
   */
  resolve(path: string): string | null {
    if (this.final.has(path)) return path;
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
        if (++links > MAX_LINKS) return null;
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
    return cur !== '' && this.final.has(cur) ? cur : null;
  }

  private escaped(): null {
    this.outside += 1;
    return null;
  }

  /** Every final path below the directory `dir`, from a sorted index made on first use. */
  *under(dir: string): Generator<string> {
    this.sorted ??= [...this.final.keys()].sort();
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length && this.sorted[i]!.startsWith(prefix); i++) yield this.sorted[i]!;
  }
}
