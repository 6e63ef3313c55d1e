import { describe, expect, it } from 'vitest';
import { reviewComments, ourLiveReviews, reviewMarker } from '../../src/github/review.js';
import type { Finding } from '../../src/model/finding.js';
import type { ImageReport } from '../../src/model/image-report.js';
import type { Suggestion } from '../../src/model/suggestion.js';
import { suggestionsMarkdown } from '../../src/report/suggestions-markdown.js';
import { plannedEdits, provedOn, savings } from '../../src/run/suggestions.js';
import { rederiveSuggestions } from '../../src/run/rederive-suggestions.js';
import { MISSING } from '../../src/github/contents.js';
import { changedLines, unifiedDiff } from '../../src/util/line-diff.js';
import { detailsBalanced, renderGfm, problems } from '../helpers/gfm.js';
import { report } from '../helpers/reports.js';

const finding = (rule: Finding['rule'], key: string, layer: number): Finding => ({
  rule,
  key,
  layer,
  instruction: null,
  bytes: 2e7,
  estimate: false,
  message: 'm',
  fix: 'f',
  paths: [],
});

/** A head image of `text`: layer 0 the base (its FROM line), one layer per RUN, each on its own line. */
function headOf(text: string, sizes: number[]): ImageReport {
  const lines = text.split('\n');
  const runs = lines.flatMap((l, i) => (l.startsWith('RUN') ? [i + 1] : []));
  const r = report(sizes.map((size, i) => ({ id: String(i), size })));
  return {
    ...r,
    layers: r.layers.map((l, i) => ({
      ...l,
      dockerfile:
        i === 0
          ? { file: 'Dockerfile', startLine: 1, endLine: 1, found: 'from' as const }
          : { file: 'Dockerfile', startLine: runs[i - 1]!, endLine: runs[i - 1]!, found: 'history' as const },
    })),
  };
}

const BASE = 'FROM python:3.11\nRUN apk add a\nCMD x\n';
const HEAD = 'FROM python:3.11\nRUN apk add a\nRUN pip install flask\nCMD x\n';

describe('planning fixes', () => {
  it('only on lines the PR added or changed, one edit per instruction', () => {
    const head = headOf(HEAD, [1000, 10, 30]);
    const findings = [
      finding('package-cache', 'package-cache:apk:RUN apk add a', 1), // line 2: not changed by the PR
      finding('package-cache', 'package-cache:pip:RUN pip install flask', 2), // line 3: added
      finding('full-base', 'full-base:python', 0), // line 1: not changed
    ];
    const edits = plannedEdits(head, findings, HEAD, changedLines(BASE, HEAD)!);
    expect(edits.map((e) => [e.startLine, e.kinds, e.lines])).toEqual([
      [3, ['pip-no-cache'], ['RUN pip install --no-cache-dir flask']],
    ]);
    // A new file: every line is the PR's, the FROM line too.
    const all = plannedEdits(head, findings, HEAD, changedLines(null, HEAD)!);
    expect(all.map((e) => e.kinds)).toEqual([['apk-no-cache'], ['pip-no-cache'], ['slim-base']]);
  });

  it('reads each fix’s saving from its own layers (the base’s for a slim base)', () => {
    const head = headOf(HEAD, [1000, 10, 30]);
    const edits = plannedEdits(
      head,
      [finding('package-cache', 'package-cache:pip:x', 2), finding('full-base', 'full-base:python', 0)],
      HEAD,
      changedLines(null, HEAD)!,
    );
    const rebuilt = headOf(HEAD, [400, 12, 5]);
    expect(savings(head, rebuilt, edits).map((s) => [s.edit.kinds[0], s.saved])).toEqual([
      ['pip-no-cache', 25],
      ['slim-base', 600],
    ]);
  });
});

/** The text of the first fenced block of `info` in `markdown`, as GitHub's renderer gives it (entities undone). */
function codeText(markdown: string, info: string): string {
  const html = renderGfm(markdown);
  const code = new RegExp(`<pre><code class="language-${info}">([\\s\\S]*?)</code></pre>`).exec(html)![1]!;
  return code
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describe('rendering fixes', () => {
  // A RUN whose text tries to close the fence, the details block, mention, reference and inject HTML.
  const evilLine = 'RUN apk add x && echo "```</details><img src=x onerror=alert(1)> @admin #12 www.evil.test"';
  const evil = `FROM alpine\n${evilLine}\n`;
  const fixedLine = evilLine.replace('apk add', 'apk add --no-cache');
  const suggestion: Suggestion = {
    kinds: ['apk-no-cache'],
    findingKeys: ['package-cache:apk:x'],
    rules: ['package-cache'],
    file: 'Dockerfile',
    startLine: 2,
    endLine: 2,
    lines: [fixedLine],
    summary: 'adds `--no-cache` to `apk add`',
    savedBytes: 1_500_000,
    imageBytes: { before: 9_000_000, after: 7_500_000 },
    buildSeconds: 3.25,
    diff: unifiedDiff('Dockerfile', evil, evil.replace(evilLine, fixedLine))!,
    inDiff: true,
  };

  it('the comment: the diff in a fence no line can close, nothing foreign outside code', () => {
    const md = `<details><summary>Suggested fixes</summary>\n\n${suggestionsMarkdown([suggestion], 'https://github.com/a/b/blob/' + 'f'.repeat(40))}\n\n</details>`;
    expect(detailsBalanced(md)).toBe(true);
    const p = problems(md, []);
    expect(p.mentions).toEqual([]);
    expect(p.references).toEqual([]);
    // Our one link to the line and our one code block; no <img>, no second link.
    expect(p.tags).toEqual(['a', 'pre']);
    expect(p.autolinks).toEqual([]);
    // The whole diff is one code block's text, as written.
    expect(codeText(md, 'diff')).toBe(`${suggestion.diff}\n`);
    expect(md).toMatch(/Applying this saves \*\*1\.5\sMB\*\*, measured: rebuilt and measured on this runner \(3\.3 s;/);
    expect(suggestion.diff.split('\n')[0]).toBe('--- a/Dockerfile');
    expect(md).toContain('[Dockerfile L2](https://github.com/a/b/blob/' + 'f'.repeat(40) + '/Dockerfile#L2)');
  });

  it('the review: the suggestion block holds exactly the lines that replace the commented ones', () => {
    const [c] = reviewComments([suggestion]);
    expect(c).toMatchObject({ path: 'Dockerfile', line: 2, side: 'RIGHT' });
    expect(c).not.toHaveProperty('start_line'); // GitHub refuses a start_line equal to line
    expect(codeText(c!.body, 'suggestion')).toBe(`${fixedLine}\n`);
    // A CRLF file's line: the CR is its end, not a character of the suggestion (it was a U+FFFD once).
    const [crlf] = reviewComments([{ ...suggestion, lines: [`${fixedLine}\r`] }]);
    expect(codeText(crlf!.body, 'suggestion')).toBe(`${fixedLine}\n`);
    const [multi] = reviewComments([{ ...suggestion, startLine: 2, endLine: 4, lines: ['a \\', 'b \\', 'c'] }]);
    expect(multi).toMatchObject({ start_line: 2, start_side: 'RIGHT', line: 4 });
  });

  it('finds our live reviews by marker and author, not someone quoting the marker or an outdated one', () => {
    const m = reviewMarker('default');
    const bot = { login: 'github-actions[bot]', type: 'Bot' };
    const reviews = [
      { id: 1, body: `x ${m}`, user: bot },
      { id: 2, body: `quoting ${m}`, user: { login: 'alice', type: 'User' } },
      { id: 3, body: `old ${m}\n<!-- docker-size-guard-review-outdated -->`, user: bot },
      { id: 4, body: `x ${reviewMarker('other')}`, user: bot },
    ];
    expect(ourLiveReviews(reviews, 'default', null).map((r) => r.id)).toEqual([1]);
  });
});

describe("re-deriving a report's fixes from the PR's file", () => {
  const file = 'FROM python:3.11\nRUN apk add a \\\n    && pip install x\nCMD y\n';
  const claim = {
    kinds: ['pip-no-cache' as const],
    findingKeys: ['package-cache:pip:RUN apk add a'],
    file: 'Dockerfile',
    startLine: 2,
    endLine: 3,
    savedBytes: 100,
    imageBytes: { before: 1000, after: 900 },
    buildSeconds: 1,
    inDiff: true,
  };
  const read = async (path: string) => (path === 'Dockerfile' ? file : null);
  /** Each dropped claim's reason, without the `file:line: ` it starts with. */
  const reasons = (dropped: string[]) => dropped.map((d) => d.slice(d.indexOf(': ') + 2));

  it('writes the fix from the file and keeps only the numbers of the claim', async () => {
    const { suggestions, dropped } = await rederiveSuggestions([claim], read);
    expect(dropped).toEqual([]);
    expect(suggestions).toMatchObject([
      { lines: ['RUN apk add a \\', '    && pip install --no-cache-dir x'], savedBytes: 100, startLine: 2, endLine: 3 },
    ]);
    expect(suggestions[0]!.diff).toContain('+    && pip install --no-cache-dir x');
  });

  it('drops a claim that is not one instruction, names another fix, leaves the repository or did not shrink', async () => {
    const { suggestions, dropped } = await rederiveSuggestions(
      [
        { ...claim, endLine: 2 }, // half of the RUN
        { ...claim, startLine: 4, endLine: 4 }, // the CMD
        { ...claim, kinds: ['apk-no-cache'] }, // the file's RUN gives a pip fix under a pip key
        { ...claim, findingKeys: ['__proto__:x'] },
        { ...claim, file: '../../etc/passwd' },
        { ...claim, file: 'other/Dockerfile' },
        { ...claim, imageBytes: { before: 900, after: 900 } },
      ],
      read,
    );
    expect(suggestions).toEqual([]);
    expect(reasons(dropped)).toEqual([
      'the file at the head commit does not give the fix the report names',
      'the file at the head commit does not give the fix the report names',
      'the file at the head commit does not give the fix the report names',
      'the file at the head commit does not give the fix the report names',
      'not a path in the repository',
      'the file could not be read at the head commit',
      'the report says the rebuild did not shrink the image',
    ]);
  });

  it('a .dockerignore fix: written again from that file at the head commit, created where the commit has none', async () => {
    const ignore = {
      ...claim,
      kinds: ['dockerignore' as const],
      findingKeys: ['dev-files:vcs'],
      file: '.dockerignore',
      startLine: 1,
      endLine: 0,
    };
    const none = await rederiveSuggestions([ignore], async () => MISSING);
    expect(none.dropped).toEqual([]);
    expect(none.suggestions).toMatchObject([{ lines: ['.git', '.hg', '.svn'], startLine: 1, endLine: 0 }]);
    expect(none.suggestions[0]!.diff).toContain('+.git');
    // The file has a line: the patterns follow it, and the claim must say so.
    const one = async () => 'node_modules\n';
    const kept = await rederiveSuggestions([{ ...ignore, startLine: 1, endLine: 1 }], one);
    expect(kept.suggestions).toMatchObject([{ lines: ['node_modules', '.git', '.hg', '.svn'] }]);
    const { suggestions, dropped } = await rederiveSuggestions(
      [
        ignore, // claims a new file where there is one
        { ...ignore, file: 'app/main.py', startLine: 1, endLine: 1 },
        { ...ignore, findingKeys: ['dev-files:node-dev-deps'] }, // not one a .dockerignore answers
      ],
      one,
    );
    expect(suggestions).toEqual([]);
    expect(reasons(dropped)).toEqual([
      'the file at the head commit does not give the fix the report names',
      'not a .dockerignore',
      'the file at the head commit does not give the fix the report names',
    ]);
    expect((await rederiveSuggestions([ignore], async () => null)).dropped).toEqual([
      '.dockerignore:1: the file could not be read at the head commit',
    ]);
  });
});

describe("the platform a multi-platform image's fixes are proved on", () => {
  it("the runner's own when the image has it, else the first; none for one platform", () => {
    const own = process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
    expect(provedOn(['linux/ppc64le', own])).toBe(own);
    expect(provedOn(['linux/s390x', 'linux/ppc64le'])).toBe('linux/s390x');
    expect(provedOn([own])).toBeNull();
    expect(provedOn([])).toBeNull();
  });
});
