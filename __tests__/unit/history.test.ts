import { describe, expect, it } from 'vitest';
import { readEvent, writesHistory } from '../../src/github/event.js';
import { historyFile, mergeRecords, parseHistory, serializeHistory } from '../../src/history/records.js';
import { trendFor } from '../../src/history/trend.js';
import type { HistoryRecord } from '../../src/model/history.js';
import { trendMermaid, trendText, trendWords } from '../../src/report/trend.js';
import { renderGfm } from '../helpers/gfm.js';
import { pullRequestPayload, pushPayload } from '../helpers/payloads.js';

const rec = (i: number, bytes: number, platform = 'linux/amd64'): HistoryRecord => ({
  v: 1,
  image: 'api',
  platform,
  commit: (0xabc0000 + i).toString(16).padEnd(40, '0'),
  date: new Date(Date.UTC(2026, 9, 1) + i * 86_400_000).toISOString(),
  uncompressed: bytes,
  compressed: Math.round(bytes / 3),
  compressedIsEstimate: false,
  layers: 4,
  efficiency: 0.98,
});

describe('history records', () => {
  it('round-trips, and merges two writers by commit and platform in date order', () => {
    const a = [rec(1, 100), rec(3, 300)];
    const b = [rec(2, 200), rec(3, 999), rec(3, 300, 'linux/arm64')];
    const merged = mergeRecords(a, b);
    expect(merged.map((r) => [r.uncompressed, r.platform])).toEqual([
      [100, 'linux/amd64'],
      [200, 'linux/amd64'],
      [300, 'linux/amd64'],
      [300, 'linux/arm64'],
    ]);
    expect(parseHistory(serializeHistory(merged))).toEqual({ records: merged, malformed: [], malformedCount: 0 });
  });

  it('skips malformed and foreign lines by number', () => {
    const text = [
      JSON.stringify(rec(1, 100)),
      '{oops',
      JSON.stringify({ ...rec(2, 200), commit: '--upload-pack=x' }),
      JSON.stringify({ ...rec(3, 300), extra: 1 }),
      '',
      JSON.stringify(rec(4, 400)),
    ].join('\n');
    const p = parseHistory(text);
    expect(p.records.map((r) => r.uncompressed)).toEqual([100, 400]);
    expect(p.malformed).toEqual([2, 3, 4]);
  });

  it('keeps the records of two images at one commit apart', () => {
    const worker = { ...rec(1, 555), image: 'worker' };
    expect(mergeRecords([rec(1, 100)], [worker]).map((r) => r.image)).toEqual(['api', 'worker']);
  });

  it('names files safely, and never two images with one file', () => {
    expect(historyFile('api')).toBe('images/api.jsonl');
    expect(historyFile('services/api')).toBe('images/services%2Fapi.jsonl');
    expect(historyFile('services_api')).toBe('images/services_api.jsonl');
    expect(historyFile('../x')).toBe('images/%2E.%2Fx.jsonl');
    expect(historyFile('a%2Fb')).toBe('images/a%252Fb.jsonl');
    const names = ['svc/api', 'svc_api', 'svc%2Fapi', 'svc.api', '.svc', '_svc', 'Svc', 'é', 'e\u0301'];
    expect(new Set(names.map(historyFile)).size).toBe(names.length);
  });

  it('stops reading a crafted file after a bounded number of bad lines, keeping counts, not lines', () => {
    const text = 'x\n'.repeat(8 * 1024 * 1024) + JSON.stringify(rec(1, 100)) + '\n';
    const p = parseHistory(text);
    expect(p.malformedCount).toBe(1000);
    expect(p.malformed).toHaveLength(20);
    expect(p.records).toEqual([]);
    // Reading stopped there: the record after the bad lines is not reached.
  });
});

describe('the trend', () => {
  const records = Array.from({ length: 35 }, (_, i) => rec(i + 1, 150_000_000 + i * 7_000_001));
  const t = trendFor(records, 'api', 'linux/amd64', { label: 'this PR', uncompressed: 412_345_678 });

  it('keeps the last 30 records and puts the PR last; the chart reads back to the bytes', () => {
    expect(t.records).toHaveLength(30);
    const block = trendMermaid(t);
    const values = /line \[(.*)\]/
      .exec(block)![1]!
      .split(', ')
      .map((v) => Math.round(Number(v) * 1e6));
    expect(values).toEqual([...records.slice(-30).map((r) => r.uncompressed), 412_345_678]);
    const labels = /x-axis \[(.*)\]/.exec(block)![1]!.split(', ');
    expect(labels.at(-1)).toBe('"PR"');
    expect(labels[0]).toBe(`"${records[5]!.commit.slice(0, 7)}"`);
  });

  it('says it in words, and keeps a hostile image name out of the chart syntax and the markdown', () => {
    const evil = trendFor(
      records.map((r) => ({ ...r, image: '"] @octocat <img src=x> `x`' })),
      '"] @octocat <img src=x> `x`',
      'linux/amd64',
      null,
    );
    const block = trendMermaid(evil);
    expect(block.split('\n')[2]).toMatch(/^ {2}title "[A-Za-z0-9 _./:()-]*, uncompressed MB"$/);
    const html = renderGfm(trendWords(evil, 'main'));
    expect(html).not.toMatch(/<img|@octocat<|href=/);
    expect(trendWords(t, 'main')).toMatch(
      /^api on `main`: 185\u00a0MB \(`abc0006`, 2026-10-07\) → 388\u00a0MB \(`abc0023`, 2026-11-05\) over the last 30 builds, \+203\u00a0MB; this PR: 412\.3\u00a0MB, \+24\.3\u00a0MB against the last build\.$/,
    );
    expect(trendWords({ ...t, records: [] }, 'main')).toMatch(/^No size history for `main` yet/);
    expect(trendText(t)).toHaveLength(32);
  });
});

describe('who writes the history', () => {
  const repo = { default_branch: 'main' };
  it('a push to the default branch and a manual run; never a pull request or another branch', () => {
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    expect(writesHistory(readEvent('push', pushPayload(a, b)))).toBe(true);
    expect(writesHistory(readEvent('push', pushPayload(a, b, 'refs/heads/feature')))).toBe(false);
    expect(writesHistory(readEvent('workflow_dispatch', {}))).toBe(true);
    // GitHub's own pull_request payload, whose repository names main as its default branch.
    expect(writesHistory(readEvent('pull_request', pullRequestPayload(1, a, b)))).toBe(false);
    expect(writesHistory(readEvent('pull_request_target', { repository: repo }))).toBe(false);
  });
});
