import { describe, expect, it } from 'vitest';
import { RULE_FIXES } from '../../src/advice/fixes.js';
import { compare } from '../../src/compare/compare.js';
import { parseRules } from '../../src/compare/parse-rules.js';
import type { Finding } from '../../src/model/finding.js';
import type { RunReport } from '../../src/model/run.js';
import { marker, renderEntriesMarkdown } from '../../src/report/comparison-markdown.js';
import { code, html, prose, text } from '../../src/report/escape.js';
import { rederiveEntries } from '../../src/run/rederive.js';
import { parseReport } from '../../src/run/report-file.js';
import { detailsBalanced, NO_PROBLEMS, problems, tablesIntact } from '../helpers/gfm.js';
import { report } from '../helpers/reports.js';

const MB = 1_000_000;
/** Everything an attacker would put in a string that reaches the comment. */
const EVIL = [
  '</details>',
  '\n## Heading\n',
  '@octocat',
  'fixes #12 GH-7',
  '![x](https://evil.example/t.png)',
  '<img src=x onerror=alert(1)>',
  '[link](https://evil.example)',
  '<!-- docker-size-guard:other -->',
  'https://evil.example/x www.evil.example',
  'a|b',
  '`',
  '``` </summary> <a href=x>',
  'me@example.com',
  '1. - * + > [x]',
  '&#64;octocat &lt;b>',
].join(' ');

const finding = (over: Partial<Finding> = {}): Finding => ({
  rule: 'package-cache',
  key: 'package-cache:apt',
  layer: 1,
  instruction: EVIL,
  bytes: 30 * MB,
  estimate: false,
  message: EVIL,
  fix: EVIL,
  paths: [EVIL, '/var/lib/apt/lists'],
  ...over,
});

/** Package databases are the image's text: names, versions, locations and notes all hostile. */
const packages = (version: string) => ({
  finalBytes: 90 * MB,
  ecosystems: (['deb', 'python', 'node'] as const).map((ecosystem) => ({
    ecosystem,
    packages: [
      { name: EVIL, version, location: EVIL, bytes: MB, files: 1, declaredBytes: null, layer: 0 },
      { name: `${EVIL}2`, version, arch: EVIL, source: EVIL, bytes: MB, files: 1, declaredBytes: null, layer: 0 },
    ],
    unowned: { bytes: 88 * MB, files: 1 },
    notes: [EVIL],
  })),
  notRead: [{ ecosystem: EVIL, reason: EVIL }],
});

function forgedReport(entries: number, layers = 1, pathsPerLayer = 1): RunReport {
  const rules = parseRules({ 'max-increase': '10MB' }, (n) => n);
  const base = report([{ id: 'os', size: 80 * MB, instruction: EVIL }], { packages: packages(`${EVIL}1`) });
  const head = report(
    [
      { id: 'os', size: 80 * MB, instruction: EVIL },
      { id: 'big', size: 300 * MB, instruction: EVIL },
    ],
    {
      reference: EVIL,
      platform: EVIL,
      findings: [finding()],
      packages: packages(`${EVIL}2`),
      waste: {
        efficiency: 0.5,
        wastedBytes: MB,
        userWastedPercent: 0.1,
        fileCount: 1,
        files: [{ path: EVIL, count: 2, wastedBytes: MB }],
      },
    },
  );
  const c = compare(base, head, rules, { baseMissingReason: EVIL });
  const line = { path: EVIL, dir: false, files: 1, bytes: MB, layer: 1, instruction: EVIL };
  const lines = { lines: [line], files: 1, bytes: MB, rest: { files: 0, bytes: 0 } };
  const layerLines = {
    ...lines,
    lines: Array.from({ length: pathsPerLayer }, (_, i) => ({ ...line, path: `${EVIL}${i}` })),
  };
  // What a forger writes: a pass, an approval, no violations, text everywhere.
  const forged = {
    ...c,
    baseMissingReason: EVIL,
    verdict: 'pass' as const,
    approved: true,
    violations: [],
    newFindings: [finding()],
    layerRows: c.layerRows.map((r) => ({ ...r, instruction: EVIL })),
    files: {
      added: lines,
      removed: lines,
      layers: Array.from({ length: layers }, (_, i) => ({
        ...layerLines,
        headIndex: i,
        status: 'new' as const,
        instruction: EVIL,
      })),
    },
  };
  const entry = { name: EVIL, platform: EVIL, baseLabel: EVIL, baseSource: 'built' as const, comparison: forged };
  const r: RunReport = {
    tool: 'docker-size-guard',
    version: 3,
    key: 'api',
    pr: 7,
    headSha: 'a'.repeat(40),
    entries: Array.from({ length: entries }, () => entry),
  };
  // It passes the schema: the forgery is well-typed.
  return parseReport(JSON.stringify(r), 'forged.json');
}

describe('a forged report rendered as GitHub renders it', () => {
  it('too long for a comment (50 layers × 100 paths, 3 images): shrunk by whole sections, never cut', () => {
    const body = renderEntriesMarkdown(rederiveEntries([forgedReport(3, 50, 100)], false), 'api');
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain("to fit GitHub's 65536-character comment limit");
    expect(body).not.toContain('(truncated)');
    expect(problems(body, [marker('api')])).toEqual(NO_PROBLEMS);
    expect(detailsBalanced(body)).toBe(true);
    expect(tablesIntact(body)).toBe(true);
    expect(body.trimEnd().endsWith(marker('api'))).toBe(true);
  });

  for (const n of [1, 2]) {
    it(`carries no foreign HTML, link, image, mention, reference or marker (${n} entr${n > 1 ? 'ies' : 'y'})`, () => {
      const body = renderEntriesMarkdown(rederiveEntries([forgedReport(n)], false), 'api');
      expect(problems(body, [marker('api')])).toEqual(NO_PROBLEMS);
      expect(detailsBalanced(body)).toBe(true);
      expect(tablesIntact(body)).toBe(true);
      expect(body.split(marker('api')).length).toBe(2);
      // The package section is there, with the hostile names, versions, notes and notRead lines in it.
      expect(body).toContain('<summary>Packages (deb 2 upgraded; python 2 changed version; node 2 changed version)');
      expect(body).toContain('not read: ');
      // The fix sentence is the rule's, not the report's.
      expect(body).toContain(`: ${prose(RULE_FIXES['package-cache'])}.`);
    });
  }

  it('re-derives the verdict from the numbers and the rules, and takes the approval from the caller only', () => {
    const [e] = rederiveEntries([forgedReport(1)], false);
    expect(e!.comparison.verdict).toBe('fail');
    expect(e!.comparison.approved).toBe(false);
    expect(e!.comparison.violations.map((v) => v.rule)).toEqual(['max-increase']);
    const body = renderEntriesMarkdown([e!], 'api');
    expect(body.split('\n')[0]).toContain('❌ failed');
    expect(body).not.toContain('✅ approved');
    const [approved] = rederiveEntries([forgedReport(1)], true);
    expect(approved!.comparison.verdict).toBe('pass');
    expect(approved!.comparison.approved).toBe(true);
  });

  it('the sanity check itself sees what an unescaped string does', () => {
    // Without the rule, the same text is caught: the check can fail.
    const p = problems(`| a |\n|---|\n| ${EVIL.replace(/\n/g, ' ')} |\n\n<details><summary>${EVIL}</summary>`, []);
    expect(p.tags).toEqual(expect.arrayContaining(['img', 'a']));
    expect(p.mentions.length).toBeGreaterThan(0);
    expect(p.references.length).toBeGreaterThan(0);
    expect(p.comments.length).toBeGreaterThan(0);
  });
});

describe('each escaping function on its own', () => {
  for (const [name, f] of [
    ['code', (s: string) => `| ${code(s)} |`],
    ['text', (s: string) => `- ${text(s)}`],
    ['prose', (s: string) => `- ${prose(s)}`],
    ['html', (s: string) => `<details><summary>${html(s)}</summary>\n\nx\n\n</details>`],
  ] as const) {
    it(`${name}() keeps every hostile string inert`, () => {
      for (const s of EVIL.split(' ').concat(EVIL)) {
        const md = f(s);
        const p = problems(md, []);
        expect({ s, ...p }).toEqual({ s, ...NO_PROBLEMS });
        expect(detailsBalanced(md)).toBe(true);
      }
    });
  }
});
