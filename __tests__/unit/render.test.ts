import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { parseRules } from '../../src/compare/parse-rules.js';
import {
  COMMENT_LIMIT,
  marker,
  renderComparisonMarkdown,
  renderEntriesMarkdown,
} from '../../src/report/comparison-markdown.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { report } from '../helpers/reports.js';

const MB = 1_000_000;
const single = report([
  { id: 'os', size: 80 * MB, instruction: 'ADD rootfs' },
  { id: 'tools', size: 900 * MB, instruction: 'RUN apt-get install -y build-essential python3-dev' },
  { id: 'app', size: 20 * MB, instruction: 'COPY . /app' },
]);
const multi = report([
  { id: 'os', size: 80 * MB, instruction: 'ADD rootfs' },
  { id: 'venv', size: 40 * MB, instruction: 'COPY --from=builder /root/.local /root/.local' },
  { id: 'app2', size: 2 * MB, instruction: 'COPY . /app' },
]);
const ctx = { name: 'api', baseLabel: 'main', commentKey: 'api' };

const pkg = (name: string, version: string, bytes: number, layer: number) => ({
  name,
  version,
  arch: 'amd64',
  bytes,
  files: 10,
  declaredBytes: null,
  layer,
});
/** A report with a deb inventory whose unowned line makes the sum exact. */
const withPackages = (
  r: ReturnType<typeof report>,
  finalBytes: number,
  packages: ReturnType<typeof pkg>[],
): ReturnType<typeof report> => ({
  ...r,
  packages: {
    finalBytes,
    ecosystems: [
      {
        ecosystem: 'deb',
        packages,
        unowned: { bytes: finalBytes - packages.reduce((s, p) => s + p.bytes, 0), files: 5 },
        notes: [],
      },
    ],
    notRead: [],
  },
});

/** The reduction with packages read: the toolchain gone, openssl upgraded, curl new in the PR. */
const packagedPair = () =>
  [
    withPackages(single, 1000 * MB, [
      pkg('gcc-12', '12.2.0-14', 69_815_987, 1),
      pkg('cpp-12', '12.2.0-14', 34_644_134, 1),
      pkg('openssl', '3.0.11-1~deb12u2', 2_000_000, 0),
    ]),
    withPackages(multi, 122 * MB, [
      pkg('openssl', '3.0.13-1~deb12u1', 2_100_000, 0),
      pkg('curl', '7.88.1', 500_000, 2),
    ]),
  ] as const;

describe('the PR comment', () => {
  it('matches the snapshot for a multi-stage reduction', () => {
    const c = compare(
      ...packagedPair(),
      parseRules({ 'max-increase': '10MB', 'max-size': '500MB' }, (n) => n),
    );
    expect(renderComparisonMarkdown(c, ctx)).toMatchSnapshot();
  });

  it('lists package changes before the paths, adding up to the final filesystem, numbers kept with their units', () => {
    const c = compare(
      ...packagedPair(),
      parseRules({}, (n) => n),
    );
    const body = renderComparisonMarkdown(c, ctx);
    const section = body.slice(body.indexOf('<details open><summary>Packages'));
    expect(section).toContain('| `gcc-12` | removed `12.2.0-14` | −69.8\u00a0MB | base\u00a01 |');
    expect(section).toContain('| `openssl` | `3.0.11-1~deb12u2` → `3.0.13-1~deb12u1` | +100\u00a0kB | PR\u00a00 |');
    expect(section).toContain('| `curl` | added `7.88.1` | +500\u00a0kB | PR\u00a02 |');
    expect(section).toContain('| **final filesystem** | | **−878\u00a0MB** | |');
    expect(body.indexOf('Packages (')).toBeGreaterThan(body.indexOf('<summary>Layers'));
  });

  it("says the compressed sizes are exact from a builder's export only when a side was measured from one", () => {
    const rules = parseRules({}, (n) => n);
    const exact = { compressedIsEstimate: false };
    const builder = { name: 'default', driver: 'docker' };
    const side = (source: ImageReport['source']) => report([{ id: 'os', size: 4_000_000 }], { ...exact, source });
    const exported = side({ transport: 'docker-archive', builder });
    const stored = side({ transport: 'docker-daemon', store: 'containerd', builder });
    const footer = (b: ImageReport, h: ImageReport) => renderComparisonMarkdown(compare(b, h, rules), ctx);
    expect(footer(exported, exported)).toContain("(exact: BuildKit's export from the docker builder)");
    expect(footer(stored, stored)).not.toContain('exact: BuildKit');
    expect(footer(stored, stored)).not.toContain('estimated');
  });

  it('never rounds a headline to 100 % or 0 % when the change is not exactly that', () => {
    const tiny = report([{ id: 'os', size: 4_600_000, instruction: 'ADD rootfs' }]);
    const huge = report([{ id: 'os', size: 1_230_000_000, instruction: 'ADD rootfs' }]);
    expect(
      renderComparisonMarkdown(
        compare(
          huge,
          tiny,
          parseRules({}, (n) => n),
        ),
        ctx,
      ).split('\n')[0],
    ).toContain('is 99.6 % smaller');
    const a = report([{ id: 'a', size: 1_000_000_000, instruction: 'ADD rootfs' }]);
    const b = report([{ id: 'b', size: 1_000_000_400, instruction: 'ADD rootfs' }]);
    expect(
      renderComparisonMarkdown(
        compare(
          a,
          b,
          parseRules({}, (n) => n),
        ),
        ctx,
      ).split('\n')[0],
    ).toContain('is 0.00004 % larger');
  });

  it('lists the images changed-only did not build, with their last size from the history', () => {
    const c = compare(
      single,
      multi,
      parseRules({}, (n) => n),
    );
    const entry = {
      name: 'api',
      platform: 'linux/amd64',
      baseLabel: 'main',
      baseSource: 'built' as const,
      comparison: c,
    };
    const body = renderEntriesMarkdown([entry], 'k', [
      { name: 'worker', last: { uncompressed: 123_000_000, commit: 'a'.repeat(40) } },
      { name: 'cron', last: null },
    ]);
    expect(body.split('\n')[0]).toBe('### 🐳 Docker image sizes — ✅ all passed');
    expect(body).toContain('| `worker` | | 123\u00a0MB (`aaaaaaa`) | — | unchanged in this PR | ⏭️ |');
    expect(body).toContain('| `cron` | | — | — | unchanged in this PR | ⏭️ |');
    expect(renderEntriesMarkdown([], 'k', [{ name: 'cron', last: null }]).split('\n')[0]).toBe(
      '### 🐳 Docker image sizes — ✅ no image changed in this PR',
    );
  });

  it("says the waste share only where dive's share is defined", () => {
    const waste = (userWastedPercent: number | null) => ({
      efficiency: 0.97,
      wastedBytes: 3_000_000,
      userWastedPercent,
      files: [],
      fileCount: 0,
    });
    const render = (p: number | null) =>
      renderComparisonMarkdown(
        compare(
          single,
          { ...multi, waste: waste(p) },
          parseRules({}, (n) => n),
        ),
        ctx,
      );
    expect(render(0.25)).toContain('wasted 3\u00a0MB · 25.0\u00a0% of the bytes in the layers above the first');
    expect(render(null)).toMatch(/Efficiency 97\.00\u00a0% · wasted 3\u00a0MB\n/);
    expect(render(null)).not.toContain('of the user layers');
  });

  it('leads with ❌ and the violated rule when failing', () => {
    const c = compare(
      multi,
      single,
      parseRules({ 'max-increase': '10MB' }, (n) => n),
    );
    const body = renderComparisonMarkdown(c, ctx);
    expect(body.split('\n')[0]).toBe('### 🐳 Docker image size — ❌ failed · `api` is 720 % larger');
    expect(body).toContain('- ❌ `max-increase 10 MB: uncompressed size grew +878 MB (+719.7 %), 122 MB → 1 GB`');
  });

  it('escapes user-controlled instructions and names', () => {
    const evil = report([{ id: 'x', size: MB, instruction: 'RUN echo "| @octocat #1 <script>alert(1)</script> `x`"' }]);
    const body = renderComparisonMarkdown(
      compare(
        null,
        evil,
        parseRules({}, (n) => n),
      ),
      { ...ctx, name: 'a|b @team' },
    );
    const row = body.split('\n').find((l) => l.includes('octocat'))!;
    const z = '\u200d';
    expect(row).toContain(`\`\`RUN echo "\\| @${z}octocat #${z}1 <${z}script>alert(1)<${z}/script> \`x\`"\`\``);
    // Outside code spans nothing of it survives: remove the spans and look again.
    expect(body.replace(/(`+).*?\1/g, '')).not.toMatch(/@octocat|<script>|#1/);
    // Nor inside them, were a span ever broken open: drop every backtick and look again.
    expect(body.replace(/`/g, '')).not.toMatch(/@octocat|<script>|#1|@team/);
    expect(body).toContain(`\`a\\|b @${z}team\``);
  });

  it('stays under the comment limit by trimming the layer table, and says so', () => {
    const many = report(
      Array.from({ length: 3000 }, (_, i) => ({
        id: `l${i}`,
        size: i * 1000,
        instruction: `RUN step number ${i} ${'x'.repeat(60)}`,
      })),
    );
    const body = renderComparisonMarkdown(
      compare(
        single,
        many,
        parseRules({}, (n) => n),
      ),
      ctx,
    );
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toMatch(/more layers not shown/);
    expect(body.trimEnd().endsWith(marker('api'))).toBe(true);
  });
});
