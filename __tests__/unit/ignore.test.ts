import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { applyIgnore, checkIgnorePaths, pathMatcher } from '../../src/measure/ignore.js';
import { computeWaste } from '../../src/measure/waste.js';
import { ImageContents, LayerEntries, type LayerEntry } from '../../src/model/contents.js';
import { NO_RULES } from '../../src/model/comparison.js';
import { report } from '../helpers/reports.js';

const file = (path: string, size: number): LayerEntry => ({ path, kind: 'file', size });

function withContents(layers: LayerEntry[][]) {
  const r = report(layers.map((l, i) => ({ id: `l${i}-${l.length}`, size: l.reduce((s, e) => s + e.size, 0) })));
  const contentBytes = layers.map((l) => l.reduce((s, e) => s + e.size, 0));
  const entries = layers.map((l) => LayerEntries.from(l));
  return { ...r, waste: computeWaste(entries, contentBytes), contents: new ImageContents(entries) };
}

describe('ignore-paths', () => {
  const layers = [
    [file('/a', 1000), file('/var/cache/apt/pkgcache.bin', 5000), file('/.cache/x', 300)],
    [file('/a', 1000), file('/var/cache/apt/pkgcache.bin', 5000)],
  ];

  it("leaves the matching paths out of dive's waste and says what they were", () => {
    const r = withContents(layers);
    // dive counts every copy of a path present in two layers: /a twice, the cache twice.
    expect(r.waste!.wastedBytes).toBe(12_000);
    const ignored = applyIgnore(r, ['/var/cache/**']);
    expect(ignored.waste!.wastedBytes).toBe(2000);
    expect(ignored.ignored).toEqual({ patterns: ['/var/cache/**'], files: 1, bytes: 5000 });
    // The measured totals are not touched.
    expect(ignored.uncompressedBytes).toBe(r.uncompressedBytes);
    expect(applyIgnore(r, [])).toBe(r);
  });

  it('matches with or without a leading slash, dotfiles included', () => {
    const m = pathMatcher(['var/cache/**', '**/*.pyc', '/.cache/**'])!;
    expect(m('/var/cache/apt/x')).toBe(true);
    expect(m('/app/__pycache__/m.cpython-311.pyc')).toBe(true);
    expect(m('/.cache/x')).toBe(true);
    expect(m('/var/lib/x')).toBe(false);
  });

  it('leaves ignored files out of where the bytes are', () => {
    const base = withContents([[file('/a', 10)]]);
    const head = withContents([[file('/a', 10), file('/var/cache/big', 50_000), file('/app/new', 700)]]);
    const plain = compare(base, head, NO_RULES).files!;
    expect(plain.added.bytes).toBe(50_700);
    const c = compare(base, applyIgnore(head, ['/var/cache/**']), NO_RULES).files!;
    expect(c.added.bytes).toBe(700);
    expect(c.added.lines.map((l) => l.path)).toEqual(['/app/new']);
  });

  it('refuses too many or unprintable globs with one line naming the input', () => {
    expect(() => checkIgnorePaths(Array(51).fill('x'), "input 'ignore-paths'")).toThrow(
      "Invalid input 'ignore-paths': at most 50 globs, got 51",
    );
    expect(() => checkIgnorePaths(['a\u0000b'], '--ignore-path')).toThrow(/Invalid --ignore-path: 'a.b' is not a glob/);
    expect(() => checkIgnorePaths(['x'.repeat(201)], '--ignore-path')).toThrow(/at most 200 printable/);
  });
});
