import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { ANNOTATIONS_PER_LEVEL, lineAnnotations, notShownLine } from '../../src/report/annotations.js';
import { report } from '../helpers/reports.js';

/** Layers given Dockerfile lines, as a build here gives them (line = index + 1, layer 0 on the FROM). */
function withLines(r: ImageReport): ImageReport {
  return {
    ...r,
    layers: r.layers.map((l) => ({
      ...l,
      dockerfile: {
        file: 'app/Dockerfile',
        startLine: l.index + 1,
        endLine: l.index + 1,
        found: l.index === 0 ? 'from' : 'history',
      },
    })),
  };
}

describe('annotations on the Dockerfile lines', () => {
  const base = withLines(
    report([
      { id: 'os', size: 50_000_000 },
      { id: 'deps', size: 10_000_000, instruction: 'RUN npm ci' },
    ]),
  );
  const head = withLines(
    report([
      { id: 'os', size: 50_000_000 },
      { id: 'deps2', size: 97_300_000, instruction: 'RUN npm ci' },
      { id: 'new', size: 2_000, instruction: 'COPY . /app' },
    ]),
  );

  it('a layer that grew and a new one, largest first, warnings when the image passed', () => {
    const c = compare(base, head, NO_RULES);
    const { shown, notShown } = lineAnnotations([{ name: 'app', platform: 'linux/amd64', comparison: c }]);
    expect(shown.map((a) => [a.level, a.file, a.startLine, a.bytes])).toEqual([
      ['warning', 'app/Dockerfile', 2, 87_300_000],
      ['warning', 'app/Dockerfile', 3, 2_000],
    ]);
    expect(shown[0]!.title).toBe('+87.3 MB: RUN npm ci (layer PR 1)');
    expect(shown[0]!.message).toBe('layer 1 grew 10 MB → 97.3 MB (uncompressed)');
    expect(notShown).toEqual({ count: 0, bytes: 0 });
  });

  it('errors when a rule failed; min-change keeps small layers out; approval makes them warnings', () => {
    const rules = { ...NO_RULES, maxIncrease: 1_000_000, minChange: 10_000 };
    const failed = compare(base, head, rules);
    expect(failed.verdict).toBe('fail');
    const a = lineAnnotations([{ name: 'app', platform: 'linux/amd64', comparison: failed }]).shown;
    expect(a.map((x) => [x.level, x.startLine])).toEqual([['error', 2]]);
    const approved = compare(base, head, rules, { approved: true });
    expect(lineAnnotations([{ name: 'app', platform: 'p', comparison: approved }]).shown[0]!.level).toBe('warning');
  });

  it('at most 10 of each level, the rest counted for the comment; a layer without a line is left out', () => {
    const many = withLines(report(Array.from({ length: 14 }, (_, i) => ({ id: `l${i}`, size: 1_000 * (i + 1) }))));
    const c = compare(
      null,
      { ...many, layers: many.layers.map((l, i) => (i === 13 ? { ...l, dockerfile: null } : l)) },
      NO_RULES,
    );
    const { shown, notShown } = lineAnnotations([{ name: 'app', platform: 'p', comparison: c }]);
    expect(shown).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(shown.map((a) => a.bytes)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4].map((k) => k * 1_000));
    // 14 layers: one without a line, ten shown, three left (3 + 2 + 1 kB)
    expect(notShown).toEqual({ count: 3, bytes: 6_000 });
    expect(notShownLine(notShown)).toBe(
      '_3 more annotations on Dockerfile lines (layers that grew by +6 kB in all) are not annotated: GitHub shows 10 annotations of each level per step._',
    );
    expect(notShownLine({ count: 0, bytes: 0 })).toBeNull();
  });

  it('several images name theirs', () => {
    const c = compare(base, head, NO_RULES);
    const a = lineAnnotations([
      { name: 'api', platform: 'linux/amd64', comparison: c },
      { name: 'worker', platform: 'linux/arm64', comparison: c },
    ]).shown;
    expect(a.map((x) => x.title.split(':')[0])).toEqual([
      'api (linux/amd64)',
      'worker (linux/arm64)',
      'api (linux/amd64)',
      'worker (linux/arm64)',
    ]);
  });
});
