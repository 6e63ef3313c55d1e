import { describe, expect, it } from 'vitest';
import { diffFilesystems } from '../../src/compare/filesystem.js';
import { finalFilesystem as finalOf } from '../../src/measure/filesystem.js';
import { rollUp } from '../../src/util/rollup.js';
import { LayerEntries, type LayerEntry } from '../../src/model/contents.js';

const finalFilesystem = (layers: LayerEntry[][]) => finalOf(layers.map((l) => LayerEntries.from(l)));

const file = (path: string, size: number): LayerEntry => ({ path, kind: 'file', size });
const whiteout = (path: string): LayerEntry => ({ path, kind: 'whiteout', size: 0 });
const opaque = (path: string): LayerEntry => ({ path, kind: 'opaque', size: 0 });

describe('final filesystem', () => {
  it('stacks layers: later writes win, whiteouts remove subtrees, opaque directories hide lower contents', () => {
    const fs = finalFilesystem([
      [file('/a/x', 10), file('/a/y', 20), file('/b/z', 30), file('/c/keep', 5)],
      [file('/a/x', 11), whiteout('/b'), opaque('/c'), file('/c/new', 7)],
    ]);
    expect(Object.fromEntries([...fs].map(([p, f]) => [p, [f.size, f.layer]]))).toEqual({
      '/a/x': [11, 1],
      '/a/y': [20, 0],
      '/c/new': [7, 1],
    });
  });

  it('diffs by size: grown, new, shrunk and gone files', () => {
    const base = finalFilesystem([[file('/same', 5), file('/grow', 10), file('/shrink', 10), file('/gone', 3)]]);
    const head = finalFilesystem([[file('/same', 5), file('/grow', 15), file('/shrink', 4), file('/new', 8)]]);
    const d = diffFilesystems(base, head);
    expect(d.added.map((c) => [c.path, c.bytes]).sort()).toEqual([
      ['/grow', 5],
      ['/new', 8],
    ]);
    expect(d.removed.map((c) => [c.path, c.bytes]).sort()).toEqual([
      ['/gone', 3],
      ['/shrink', 6],
    ]);
  });
});

describe('roll-up', () => {
  it('reads a diffuse directory as one line and a dominant file by name', () => {
    const changes = [
      ...Array.from({ length: 900 }, (_, i) => ({
        path: `/usr/lib/gcc/x86_64-linux-gnu/12/f${i}`,
        bytes: 100,
        layer: 1,
      })),
      { path: '/opt/app/big.bin', bytes: 50_000, layer: 2 },
      { path: '/opt/app/small.txt', bytes: 10, layer: 2 },
    ];
    const { groups, rest } = rollUp(changes, 10);
    expect(groups[0]).toMatchObject({
      path: '/usr/lib/gcc/x86_64-linux-gnu/12',
      dir: true,
      files: 900,
      bytes: 90_000,
      layer: 1,
    });
    expect(groups[1]).toMatchObject({ path: '/opt/app/big.bin', dir: false, bytes: 50_000, layer: 2 });
    const total = groups.reduce((s, g) => s + g.bytes, 0) + rest.bytes;
    expect(total).toBe(changes.reduce((s, c) => s + c.bytes, 0));
  });

  it('keeps the top lines and adds up the rest', () => {
    const changes = Array.from({ length: 30 }, (_, i) => ({ path: `/f${i}`, bytes: i + 1, layer: 0 }));
    const { groups, rest } = rollUp(changes, 5);
    expect(groups.map((g) => g.path)).toEqual(['/f29', '/f28', '/f27', '/f26', '/f25']);
    expect(rest).toEqual({ files: 25, bytes: (25 * 26) / 2 });
  });
});
