/**
 * Decide first, render last (issue 18 §1): a build-arg value can be any word, `fail` and `pass` too, and it is
 * taken out of the text on its way to a sink only. Checked over random values and rule sets: the verdict, every
 * violation's level and rule, every number and the exit code are the same with and without the value known.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitComparison } from '../../src/cli/compare.js';
import { compare } from '../../src/compare/compare.js';
import { NO_RULES, type Comparison } from '../../src/model/comparison.js';
import { renderComparisonMarkdown } from '../../src/report/comparison-markdown.js';
import { redactValues, secretValues } from '../../src/run/redact.js';
import { report } from '../helpers/reports.js';

const WORDS = ['fail', 'pass', 'warn', 'uncompressed', 'compressed', 'deb', 'new', 'shared', 'changed', 'max-size'];

function numbers(c: Comparison): unknown {
  return JSON.parse(JSON.stringify(c, (_k, v: unknown) => (typeof v === 'string' ? undefined : v)));
}

function decisions(c: Comparison) {
  return {
    verdict: c.verdict,
    levels: c.violations.map((v) => [v.rule, v.level]),
    metric: c.rules.metric,
    statuses: c.layerRows.map((r) => r.status),
  };
}

const sink = () => {
  let out = '';
  return { io: { out: (s: string) => (out += s), err: () => undefined }, text: () => out };
};

describe('verdicts before redaction', () => {
  it('the same verdict, levels, numbers and exit code with and without any known value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...WORDS),
          fc.stringMatching(/^[0-9]{3,8}$/),
          fc.string({ minLength: 3, maxLength: 12 }),
        ),
        fc.integer({ min: 1_000, max: 50_000_000 }),
        fc.integer({ min: 1_000, max: 50_000_000 }),
        fc.constantFrom('compressed', 'uncompressed'),
        fc.option(fc.integer({ min: 0, max: 60_000_000 }), { nil: null }),
        (value, base, head, metric, maxSize) => {
          const instruction = `RUN echo ${value} && fail-on ${value}`;
          const c = compare(
            report([
              { id: 'a', size: 1000 },
              { id: 'b', size: base, instruction },
            ]),
            report([
              { id: 'a', size: 1000 },
              { id: `c${value}`, size: head, instruction },
            ]),
            { ...NO_RULES, metric: metric as 'compressed' | 'uncompressed', maxSize, maxIncrease: 1_000_000 },
          );
          const secrets = secretValues([`ARG=${value}`]);
          const shown = redactValues(c, secrets);
          expect(decisions(shown)).toEqual(decisions(c));
          expect(numbers(shown)).toEqual(numbers(c));
          const [a, b] = [sink(), sink()];
          const codeWithout = emitComparison(c, 'json', { base: 'b', head: 'h' }, a.io);
          const codeWith = emitComparison(c, 'json', { base: 'b', head: 'h' }, b.io, secrets);
          expect(codeWith).toBe(codeWithout);
          expect(JSON.parse(b.text()).verdict).toBe(c.verdict);
          // The headline's verdict mark is decided from the data, not from the text.
          const ctx = { name: 'app', baseLabel: 'main', commentKey: 'k' };
          const headline = (m: string) => m.split('\n')[0]!.split(' · ')[0];
          expect(headline(renderComparisonMarkdown(shown, ctx))).toBe(headline(renderComparisonMarkdown(c, ctx)));
          // And the value is gone from every text the sink got (the enum words aside, which carry no value).
          if (secrets.length > 0 && !WORDS.includes(value)) {
            const texts: string[] = [];
            JSON.parse(b.text(), (_k, v: unknown) => (typeof v === 'string' && texts.push(v), v));
            expect(texts.filter((t) => t.includes(value))).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
