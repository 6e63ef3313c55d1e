import { describe, expect, it } from 'vitest';
import { NO_RULES } from '../../src/model/comparison.js';
import { parseImages } from '../../src/run/images.js';
import { judgeByBase, strictest, strictestIgnore } from '../../src/run/policy.js';
import { buildInputs } from '../helpers/inputs.js';

const d = (n: string) => n;
const workflow = { ...NO_RULES, maxIncrease: 5_000_000, maxSize: 100_000_000 };

describe('rules judged by the base commit', () => {
  it('keeps every rule the base file sets, made stricter where the workflow also sets it', () => {
    const r = strictest(workflow, { 'max-increase': '10MB', 'max-size': '50MB', 'min-efficiency': '90%' }, d);
    expect(r.maxIncrease).toBe(5_000_000);
    expect(r.maxSize).toBe(50_000_000);
    expect(r.minEfficiency).toBe(0.9);
    expect(strictest({ ...NO_RULES, minEfficiency: 0.95 }, { 'min-efficiency': '90%' }, d).minEfficiency).toBe(0.95);
  });

  it('never adds the other half of a pair the base sets: that would loosen it', () => {
    // "10 MB and 5 %" fails only when both are crossed, where "10 MB" fails on the bytes alone.
    const r = strictest({ ...NO_RULES, maxIncreasePercent: 0.05 }, { 'max-increase': '10MB' }, d);
    expect([r.maxIncrease, r.maxIncreasePercent]).toEqual([10_000_000, null]);
    // A change below either min-change is no change: a second one hides more.
    const m = strictest({ ...NO_RULES, minChangePercent: 0.5 }, { 'min-change': '1kB' }, d);
    expect([m.minChange, m.minChangePercent]).toEqual([1000, null]);
    // Where the base sets none of a pair, the workflow's stands.
    expect(strictest({ ...NO_RULES, minChangePercent: 0.5 }, {}, d).minChangePercent).toBe(0.5);
  });

  it("judge is the base file's where it sets it (as metric), else the workflow's; a bad value is one line", () => {
    expect(strictest(workflow, { judge: 'own-layers' }, d).judge).toBe('own-layers');
    expect(strictest({ ...workflow, judge: 'own-layers' }, {}, d).judge).toBe('own-layers');
    expect(strictest({ ...workflow, judge: 'own-layers' }, { judge: 'all' }, d).judge).toBe('all');
    expect(() => strictest(workflow, { judge: 'base' }, d)).toThrow("Invalid judge: 'base' must be all or own-layers");
  });

  it('leaves fewer paths out where both name ignore-paths', () => {
    expect(strictestIgnore(['dist/**'], ['dist/**', '**'])).toEqual(['dist/**']);
    expect(strictestIgnore([], ['docs/**'])).toEqual(['docs/**']);
    expect(strictestIgnore(['docs/**'], null)).toEqual(['docs/**']);
  });

  it("judges a PR's item by the base's item of the same name, and lists what the PR's would change", () => {
    const defaults = { build: buildInputs(), rawRules: {}, baseImage: '', headImage: '', ignorePaths: [] };
    const [base] = parseImages(
      '- name: app\n  max-increase: 10MB\n  target: runtime\n  build-args: [A=1]\n',
      'b',
      defaults,
    );
    const [head] = parseImages(
      "- name: app\n  max-increase: 1TB\n  max-size: ''\n  target: slim\n  build-args: [A=2, B=3]\n",
      'h',
      defaults,
    );
    const j = judgeByBase(head!, base, { rules: NO_RULES, ignorePaths: [] }, { commit: 'c'.repeat(40), file: 'f' });
    expect(j.target.rules.maxIncrease).toBe(10_000_000);
    expect(j.target.build.target).toBe('slim'); // build inputs follow the PR
    expect(j.policy.proposed).toEqual([{ rule: 'max-increase', unit: 'bytes', judged: 10_000_000, proposed: 1e12 }]);
    expect(j.policy.buildChanges).toEqual([
      { field: 'target', base: 'runtime', head: 'slim' },
      { field: 'build-arg A', base: 'set', head: 'another value' },
      { field: 'build-arg B', base: null, head: 'set' },
    ]);
    // No value of a build arg is kept.
    expect(JSON.stringify(j.policy)).not.toMatch(/A=|=2|=3/);
    // An image only the PR's file has is judged by the workflow's rules.
    const n = judgeByBase(head!, undefined, { rules: workflow, ignorePaths: [] }, null);
    expect(n.target.rules).toEqual(workflow);
    expect(n.policy.newInConfig).toBe(true);
  });
});
