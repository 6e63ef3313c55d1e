import { describe, expect, it } from 'vitest';
import { compare, newToPull } from '../../src/compare/compare.js';
import { matchLayers } from '../../src/compare/match.js';
import { parseRules, parseSize } from '../../src/compare/parse-rules.js';
import { NO_RULES } from '../../src/model/comparison.js';
import { renderComparisonMarkdown } from '../../src/report/comparison-markdown.js';
import { report } from '../helpers/reports.js';

const MB = 1_000_000;
const LAYERS = {
  os: { id: 'os', size: 80 * MB, instruction: 'ADD rootfs' },
  deps: { id: 'deps', size: 300 * MB, instruction: 'RUN apt-get install build-essential' },
  app1: { id: 'app1', size: 5 * MB, instruction: 'COPY . /app' },
  cfg: { id: 'cfg', size: 1 * MB, instruction: 'COPY config /etc/app' },
};
const base = report([LAYERS.os, LAYERS.deps, LAYERS.app1, LAYERS.cfg]);

describe('layer matching', () => {
  it('shared stack, moved, changed by instruction, new and removed', () => {
    const head = report([
      LAYERS.os,
      LAYERS.cfg,
      { ...LAYERS.app1, id: 'app2', size: 7 * MB },
      { id: 'x', size: 2 * MB, instruction: 'RUN new step' },
    ]);
    const rows = matchLayers(base, head, 'uncompressed');
    expect(rows.map((r) => [r.headIndex, r.baseIndex, r.status, r.delta])).toEqual([
      [0, 0, 'shared', 0],
      [1, 3, 'moved', 0],
      [2, 2, 'changed', 2 * MB],
      [3, null, 'new', 2 * MB],
      [null, 1, 'removed', -300 * MB],
    ]);
  });
});

describe('compare', () => {
  const head = report([LAYERS.os, LAYERS.deps, { ...LAYERS.app1, id: 'app2', size: 30 * MB }, LAYERS.cfg]);

  it('totals, percent and bytes a host with the base must pull', () => {
    const c = compare(base, head, NO_RULES);
    expect(c.uncompressed).toEqual({ base: 386 * MB, head: 411 * MB, delta: 25 * MB, percent: (25 * MB) / (386 * MB) });
    expect(c.newToPull).toBe(15 * MB); // only app2's blob is new
    expect(newToPull(base, base)).toBe(0);
    expect(c.verdict).toBe('pass');
  });

  it.each([
    [{ 'max-increase': '10MB' }, 'fail', ['max-increase']],
    [{ 'max-increase': '30MB' }, 'pass', []],
    [{ 'max-increase-percent': '5%' }, 'fail', ['max-increase-percent']],
    // Both set: both must be crossed.
    [{ 'max-increase': '10MB', 'max-increase-percent': '10%' }, 'pass', []],
    [{ 'warn-increase': '10MB' }, 'warn', ['warn-increase']],
    [{ 'max-size': '400MB' }, 'fail', ['max-size']],
    [{ 'max-layer-size': '250MB' }, 'fail', ['max-layer-size']],
    [{ 'max-layers': '3' }, 'fail', ['max-layers']],
    [{ metric: 'compressed', 'max-increase': '12MB' }, 'fail', ['max-increase']],
    [{ metric: 'compressed', 'max-increase': '13MiB' }, 'pass', []],
  ])('%o → %s', (raw, verdict, rules) => {
    const c = compare(
      base,
      head,
      parseRules(raw, (n) => n),
    );
    expect(c.verdict).toBe(verdict);
    expect(c.violations.map((v) => v.rule)).toEqual(rules);
  });

  it('says the numbers in the violation', () => {
    const c = compare(
      base,
      head,
      parseRules({ 'max-increase': '10MB' }, (n) => n),
    );
    expect(c.violations[0]!.message).toBe(
      'max-increase 10 MB: uncompressed size grew +25 MB (+6.5 %), 386 MB → 411 MB',
    );
  });

  it('an approval label turns a failure into a pass', () => {
    const c = compare(
      base,
      head,
      parseRules({ 'max-size': '1MB' }, (n) => n),
      { approved: true },
    );
    expect(c.verdict).toBe('pass');
    expect(c.approved).toBe(true);
    expect(c.violations).toHaveLength(1);
  });

  it('without a base only absolute rules apply', () => {
    const c = compare(
      null,
      head,
      parseRules({ 'max-increase': '1MB', 'max-size': '1GB' }, (n) => n),
      { baseMissingReason: 'new image' },
    );
    expect(c.verdict).toBe('pass');
    expect(c.uncompressed.delta).toBeNull();
    expect(c.layerRows.every((r) => r.status === 'new')).toBe(true);
  });

  it('judges dive rules on the head image', () => {
    const wasteful = {
      ...head,
      waste: { efficiency: 0.8, wastedBytes: 50 * MB, userWastedPercent: 0.15, files: [], fileCount: 0 },
    };
    const c = compare(
      base,
      wasteful,
      parseRules({ 'min-efficiency': '90%', 'max-wasted-bytes': '20MB', 'max-wasted-percent': '10%' }, (n) => n),
    );
    expect(c.violations.map((v) => v.rule)).toEqual(['min-efficiency', 'max-wasted-bytes', 'max-wasted-percent']);
  });
});

describe('rule parsing', () => {
  it.each([
    ['150MB', 150_000_000],
    ['150MiB', 157_286_400],
    ['1.5GB', 1_500_000_000],
    ['1234', 1234],
    ['10 kB', 10_000],
  ])('%s = %d bytes', (text, n) => expect(parseSize(text, 'x')).toBe(n));

  it.each(['ten', '-5MB', '5 parsecs', ''])("rejects %j with the input's name", (text) => {
    expect(() => parseRules({ 'max-increase': text || ' x' }, (n) => `input '${n}'`)).toThrow(
      /^Invalid input 'max-increase': /,
    );
  });

  it('rejects a bad metric and percent', () => {
    expect(() => parseRules({ metric: 'gzip' }, (n) => `input '${n}'`)).toThrow(
      "Invalid input 'metric': 'gzip' must be compressed or uncompressed",
    );
    expect(() => parseRules({ 'max-increase-percent': 'lots' }, (n) => `input '${n}'`)).toThrow(/is not a percentage/);
  });
});

describe('min-change: noise is not a change', () => {
  const a = report([{ id: 'os', size: 80 * MB, instruction: 'ADD rootfs' }]);
  const wobble = report([{ id: 'os2', size: 80 * MB + 3_000, instruction: 'ADD rootfs' }]);
  const grown = report([{ id: 'os3', size: 80 * MB + 30_000, instruction: 'ADD rootfs' }]);
  const strict = { 'max-increase-percent': '0%', 'warn-increase': '0' };

  it('a change below min-change fails no relative rule and is marked not significant', () => {
    expect(
      compare(
        a,
        wobble,
        parseRules(strict, (n) => n),
      ).verdict,
    ).toBe('fail');
    const c = compare(
      a,
      wobble,
      parseRules({ ...strict, 'min-change': '10kB' }, (n) => n),
    );
    expect(c.significant).toBe(false);
    expect(c.violations).toEqual([]);
    expect(c.verdict).toBe('pass');
    expect(renderComparisonMarkdown(c, { name: 'api', baseLabel: 'main', commentKey: 'k' }).split('\n')[0]).toBe(
      '### 🐳 Docker image size — ✅ passed · `api`: no significant change (+3\u00a0kB, below min-change 10 kB)',
    );
  });

  it('a change at or above it, or above min-change-percent, still counts', () => {
    expect(
      compare(
        a,
        grown,
        parseRules({ ...strict, 'min-change': '10kB' }, (n) => n),
      ).verdict,
    ).toBe('fail');
    const pct = parseRules({ ...strict, 'min-change-percent': '0.01%' }, (n) => n);
    expect(compare(a, wobble, pct).significant).toBe(false); // 3 kB of 80 MB = 0.00375 %
    expect(compare(a, grown, pct).significant).toBe(true); // 30 kB = 0.0375 %
  });

  it('absolute rules still apply to an insignificant change', () => {
    const c = compare(
      a,
      wobble,
      parseRules({ 'min-change': '10kB', 'max-size': '50MB' }, (n) => n),
    );
    expect(c.significant).toBe(false);
    expect(c.violations.map((v) => v.rule)).toEqual(['max-size']);
  });
});
