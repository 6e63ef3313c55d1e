import { describe, expect, it } from 'vitest';
import { code, text } from '../../src/report/escape.js';

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
