import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { renderComparisonMarkdown } from '../../src/report/comparison-markdown.js';
import { report } from '../helpers/reports.js';

/** The first `from` layers on the FROM line, the rest on lines of their own. */
function lined(r: ImageReport, from: number): ImageReport {
  return {
    ...r,
    layers: r.layers.map((l) => ({
      ...l,
      dockerfile: {
        file: 'Dockerfile',
        startLine: l.index < from ? 1 : l.index + 1,
        endLine: l.index < from ? 1 : l.index + 1,
        found: l.index < from ? 'from' : 'history',
      },
    })),
  };
}

describe("the base image's part and the Dockerfile's own", () => {
  it('a FROM bump (node:20.1 → 20.2): the base image grew, the own layers did not', () => {
    const base = lined(
      report([
        { id: 'os', size: 80_000_000 },
        { id: 'node1', size: 40_000_000 },
        { id: 'app', size: 5_000_000 },
      ]),
      2,
    );
    const head = lined(
      report([
        { id: 'os', size: 80_000_000 },
        { id: 'node2', size: 52_400_000 },
        { id: 'app', size: 5_000_000 },
      ]),
      2,
    );
    const c = compare(base, head, NO_RULES);
    expect(c.split).toEqual({
      baseImage: { base: 120_000_000, head: 132_400_000, delta: 12_400_000, percent: 12_400_000 / 120_000_000 },
      own: { base: 5_000_000, head: 5_000_000, delta: 0, percent: 0 },
    });
    const md = renderComparisonMarkdown(c, { name: 'app', baseLabel: 'main', commentKey: 'default' });
    // format-md keeps number and unit together with a no-break space
    const row = (label: string) =>
      md
        .split('\n')
        .find((l) => l.startsWith(`| ${label} |`))
        ?.replace(/\u00a0/g, ' ');
    expect(row("of it, the base image's layers (`FROM`)")).toBe(
      "| of it, the base image's layers (`FROM`) | 120 MB | 132.4 MB | +12.4 MB |",
    );
    expect(row("of it, this Dockerfile's own layers")).toBe(
      "| of it, this Dockerfile's own layers | 5 MB | 5 MB | ±0 B |",
    );
  });

  it('no split where a layer has no line (or no Dockerfile was read)', () => {
    const head = lined(
      report([
        { id: 'os', size: 10 },
        { id: 'x', size: 5 },
      ]),
      1,
    );
    expect(compare(null, head, NO_RULES).split).toEqual({
      baseImage: { base: null, head: 10, delta: null, percent: null },
      own: { base: null, head: 5, delta: null, percent: null },
    });
    const unknown = { ...head, layers: head.layers.map((l, i) => (i === 1 ? { ...l, dockerfile: null } : l)) };
    expect(compare(null, unknown, NO_RULES).split).toBeNull();
    expect(compare(report([{ id: 'os', size: 10 }]), head, NO_RULES).split).toBeNull();
  });

  it('judge: own-layers lets a FROM bump pass the increase rule, and still fails what the Dockerfile adds', () => {
    const base = lined(
      report([
        { id: 'os', size: 80_000_000 },
        { id: 'app', size: 5_000_000 },
      ]),
      1,
    );
    const bump = lined(
      report([
        { id: 'os2', size: 92_400_000 },
        { id: 'app', size: 5_000_000 },
      ]),
      1,
    );
    const grow = lined(
      report([
        { id: 'os', size: 80_000_000 },
        { id: 'app2', size: 9_000_000 },
      ]),
      1,
    );
    const rules = { ...NO_RULES, maxIncrease: 1_000_000 };
    expect(compare(base, bump, rules).verdict).toBe('fail');
    const own = { ...rules, judge: 'own-layers' as const };
    expect(compare(base, bump, own).verdict).toBe('pass');
    const grown = compare(base, grow, own);
    expect(grown.verdict).toBe('fail');
    expect(grown.violations[0]!.message).toBe(
      "max-increase 1 MB: uncompressed size of the Dockerfile's own layers grew +4 MB (+80.0 %), 5 MB → 9 MB",
    );
    // A layer without a line: the whole image is judged, and the comment says so.
    const unknown = { ...bump, layers: bump.layers.map((l, i) => (i === 1 ? { ...l, dockerfile: null } : l)) };
    const whole = compare(base, unknown, own);
    expect(whole.verdict).toBe('fail');
    expect(renderComparisonMarkdown(whole, { name: 'app', baseLabel: 'main', commentKey: 'default' })).toContain(
      "_`judge: own-layers`: the whole image was judged, since not every layer's Dockerfile line is known._",
    );
  });
});
