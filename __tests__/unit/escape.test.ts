import { describe, expect, it } from 'vitest';
import { code, logLine, text } from '../../src/report/escape.js';

describe('markdown escaping', () => {
  it('keeps pipes and backticks from breaking a table cell', () => {
    expect(code('a | b')).toBe('`a \\| b`');
    expect(code('echo `id`')).toBe('`` echo `id` ``');
    const c = code('x ``` y');
    expect(c.startsWith('````')).toBe(true);
    expect(c.endsWith('````')).toBe(true);
    expect(code('line1\nline2')).toBe('`line1 line2`');
  });

  it('neutralises mentions, issue links and HTML in plain text', () => {
    const t = text('@octocat fixes #12 <img src=x onerror=alert(1)> [x](y)');
    expect(t).not.toMatch(/@octocat/);
    expect(t).not.toMatch(/#12/);
    expect(t).not.toContain('<img');
    expect(t).toContain('\\[x\\]\\(y\\)');
  });

  it('truncates long instructions', () => {
    expect(code('x'.repeat(500)).length).toBeLessThan(130);
  });
});

describe('log lines', () => {
  it('a line the runner would read as a workflow command is not one any more; others pass as they are', () => {
    for (const l of ['::add-mask::x', '  ::stop-commands::t', '::warning file=a,line=1::x'])
      expect(logLine(l).startsWith('\u200b::')).toBe(true);
    expect(logLine('#5 0.1 ::warning::x')).toBe('#5 0.1 ::warning::x');
    expect(logLine('plain')).toBe('plain');
  });
});
