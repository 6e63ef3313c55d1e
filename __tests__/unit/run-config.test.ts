import { describe, expect, it } from 'vitest';
import type { BuildInputs } from '../../src/buildx/buildx-args.js';
import { compare } from '../../src/compare/compare.js';
import { NO_RULES } from '../../src/model/comparison.js';
import { renderEntriesMarkdown } from '../../src/report/comparison-markdown.js';
import { parseImages } from '../../src/run/images.js';
import { parseReport } from '../../src/run/report-file.js';
import { report } from '../helpers/reports.js';

const build: BuildInputs = {
  context: '.',
  file: '',
  target: '',
  buildArgs: ['A=1'],
  buildContexts: [],
  secrets: [],
  platforms: [],
  builder: 'remote',
  cacheFrom: [],
  cacheTo: [],
  pull: false,
  noCache: false,
};
const defaults = { build, rawRules: { 'max-increase': '10MB' }, baseImage: '', headImage: '', ignorePaths: [] };

describe('the images list', () => {
  it('starts each image from the action inputs and overrides what it names, rules included', () => {
    const targets = parseImages(
      `images:
  - name: api
    context: services/api
    platforms: linux/amd64,linux/arm64
    max-increase: 5MB
  - name: worker
    file: worker.Dockerfile
    build-args: [B=2]
    base-image: docker://127.0.0.1:5000/worker:main
`,
      'input',
      defaults,
    );
    expect(targets.map((t) => t.name)).toEqual(['api', 'worker']);
    expect(targets[0]!.build).toMatchObject({
      context: 'services/api',
      platforms: ['linux/amd64', 'linux/arm64'],
      builder: 'remote',
    });
    expect(targets[0]!.rules.maxIncrease).toBe(5_000_000);
    expect(targets[1]!.rules.maxIncrease).toBe(10_000_000);
    expect(targets[1]!.build).toMatchObject({ context: '.', file: 'worker.Dockerfile', buildArgs: ['B=2'] });
    expect(targets[1]!.baseImage).toBe('docker://127.0.0.1:5000/worker:main');
  });

  it.each([
    ['- name: a\n  colour: blue\n', /Invalid cfg: images\[0\]: Unrecognized key: "colour"/],
    ['- name: a\n- name: a\n', /Invalid cfg: images\[1\]\.name 'a' is used twice/],
    ['- name: a\n  max-increase: ten\n', /Invalid cfg: images\[0\]\.max-increase: 'ten' is not a size/],
    ['- context: x\n', /Invalid cfg: images\[0\]\.name: /],
    ['[]', /Invalid cfg: the list of images is empty/],
    ['images: [', /Invalid cfg: not YAML/],
  ])('rejects %j with one line naming the field', (text, message) => {
    expect(() => parseImages(text, 'cfg', defaults)).toThrow(message);
  });
});

describe('reports read back', () => {
  const entry = (name: string, verdict: 'pass' | 'fail') => {
    const c = compare(
      report([{ id: 'a', size: 1000 }]),
      report([
        { id: 'a', size: 1000 },
        { id: 'b', size: 5000 },
      ]),
      NO_RULES,
    );
    return {
      name,
      platform: c.head.platform,
      baseLabel: 'main',
      baseSource: 'built' as const,
      comparison: { ...c, verdict },
    };
  };
  const runReport = {
    tool: 'docker-size-guard',
    version: 3,
    key: 'k',
    pr: 3,
    headSha: 'a'.repeat(40),
    entries: [entry('api', 'pass')],
  };

  it('round-trips through JSON', () => {
    expect(parseReport(JSON.stringify(runReport), 'r.json').entries[0]!.comparison.uncompressed.delta).toBe(5000);
  });

  it('rejects a field of the wrong type, naming the file and the field', () => {
    const bad = structuredClone(runReport) as unknown as { entries: { comparison: { head: { platform: unknown } } }[] };
    bad.entries[0]!.comparison.head.platform = 42;
    expect(() => parseReport(JSON.stringify(bad), 'r.json')).toThrow(
      /^Invalid report r\.json: entries\.0\.comparison\.head\.platform: /,
    );
    expect(() => parseReport('{', 'r.json')).toThrow('Invalid report r.json: not JSON');
  });

  it('renders several entries as one row each with its verdict, names escaped', () => {
    const md = renderEntriesMarkdown([entry('api', 'pass'), entry('w|`x`@y', 'fail')], 'k');
    expect(md).toContain('❌ 1 of 2 failed');
    const lines = md.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| Image | Platform'));
    const rows = lines.slice(start + 2, lines.indexOf('', start));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('``w\\|`x`@\u200dy``');
    expect(rows[1]!.trim().endsWith('❌ |')).toBe(true);
  });
});
