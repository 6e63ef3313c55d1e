import { describe, expect, it } from 'vitest';
import { pack } from 'tar-stream';
import { finalFilesystem } from '../../src/measure/filesystem.js';
import { analyzeLayer } from '../../src/measure/layer.js';
import { LayerEntries, type LayerEntry } from '../../src/model/contents.js';
import { PathTrie, paths } from '../../src/model/path-trie.js';
import { chunksOf } from '../helpers/archives.js';

/** A small deterministic generator, so a failure names its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

describe('the path tree', () => {
  it('gives every path back exactly as it was stored, odd ones included', () => {
    const t = new PathTrie();
    const odd = ['/', '/a//b', '/..', '/a/b/', '/é/日本/😀', '/lone/\ud800x', '/x/.wh.y', '/' + 'n'.repeat(70_000)];
    for (const p of odd) {
      const n = t.intern(p);
      expect(t.path(n)).toBe(p);
      expect(t.find(p)).toBe(n);
      expect(t.intern(p)).toBe(n);
    }
    expect(t.find('/not/there')).toBe(-1);
    expect(t.find('relative')).toBe(-1);
  });

  it('orders paths as dive visits them: by name segment by segment, a directory before what is in it', () => {
    const t = new PathTrie();
    const next = rng(7);
    const names = ['a', 'a-b', 'b', 'B', 'é', 'aa', ''];
    const all = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const depth = 1 + next(4);
      all.add('/' + Array.from({ length: depth }, () => names[next(names.length)]).join('/'));
    }
    const list = [...all];
    const key = (p: string) => p.split('/');
    const byString = [...list].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return x.length - y.length;
    });
    const byTree = [...list].sort((a, b) => t.compare(t.intern(a), t.intern(b)));
    expect(byTree).toEqual(byString);
  });

  it('stacks layers as the string-keyed walk did (random whiteouts, opaque directories, rewrites)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const dirs = ['/a', '/a/b', '/c', '/c/d/e'];
      const layers: LayerEntry[][] = Array.from({ length: 1 + next(4) }, () =>
        Array.from({ length: next(12) }, (): LayerEntry => {
          const dir = dirs[next(dirs.length)]!;
          const roll = next(10);
          if (roll === 0) return { path: dir, kind: 'whiteout', size: 0 };
          if (roll === 1) return { path: dir, kind: 'opaque', size: 0 };
          if (roll === 2) return { path: `${dir}/l${next(3)}`, kind: 'symlink', size: 0, target: 'x' };
          return { path: `${dir}/f${next(4)}`, kind: 'file', size: 1 + next(100) };
        }),
      );
      // The reference: the old walk over a Map keyed by path strings.
      const expected = new Map<string, { size: number; layer: number }>();
      layers.forEach((entries, layer) => {
        const gone = entries.filter((e) => e.kind === 'whiteout').map((e) => e.path);
        const emptied = entries.filter((e) => e.kind === 'opaque').map((e) => e.path);
        for (const p of [...expected.keys()]) {
          if (gone.some((g) => p === g || p.startsWith(g + '/')) || emptied.some((o) => p.startsWith(o + '/')))
            expected.delete(p);
        }
        for (const e of entries) {
          if (e.kind === 'whiteout' || e.kind === 'opaque') continue;
          expected.set(e.path, { size: e.kind === 'file' ? e.size : 0, layer });
        }
      });
      const got = finalFilesystem(layers.map((l) => LayerEntries.from(l)));
      const plain = Object.fromEntries([...got].map(([p, f]) => [p, { size: f.size, layer: f.layer }]));
      expect(plain, `seed ${seed}`).toEqual(Object.fromEntries(expected));
      expect(got.size).toBe(expected.size);
    }
  });
});

describe('memory per entry', () => {
  it('keeps at most 160 bytes per tar entry across layers (path tree and entry lists, by their typed arrays)', async () => {
    // 30,000 files in Debian-like directories, read by the measuring pass's own scanner.
    const p = pack();
    const chunks: Buffer[] = [];
    const collected = (async () => {
      for await (const c of p) chunks.push(c as Buffer);
    })();
    const count = 30_000;
    for (let i = 0; i < count; i++) {
      const dir = `usr/share/locale/l${i % 300}/LC_MESSAGES`;
      p.entry({ name: `${dir}/package-number-${i}.mo`, size: 1, mtime: new Date(0) }, Buffer.from('x'));
    }
    p.finalize();
    await collected;
    const before = paths.retainedBytes;
    const stats = await analyzeLayer(chunksOf(Buffer.concat(chunks)), {
      files: true,
      estimate: false,
      keepEntries: true,
    });
    const entries = stats.entries!;
    expect(entries.length).toBe(count);
    expect(entries.at(count - 1).path).toBe(
      `/usr/share/locale/l${(count - 1) % 300}/LC_MESSAGES/package-number-${count - 1}.mo`,
    );
    const perEntry = (paths.retainedBytes - before + entries.retainedBytes) / count;
    expect(perEntry).toBeLessThanOrEqual(160);
    expect(perEntry).toBeGreaterThan(13);
    // The same layer again (a second image, the other side of a diff) adds no path: only its 13 bytes an entry.
    const grown = paths.retainedBytes;
    const again = await analyzeLayer(chunksOf(Buffer.concat(chunks)), {
      files: true,
      estimate: false,
      keepEntries: true,
    });
    expect(again.entries!.retainedBytes / count).toBe(13);
    expect(paths.retainedBytes).toBe(grown);
  });
});
