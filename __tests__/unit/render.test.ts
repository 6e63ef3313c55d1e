import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { parseRules } from '../../src/compare/parse-rules.js';
import { COMMENT_LIMIT, marker, renderComparisonMarkdown } from '../../src/report/comparison-markdown.js';
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

describe('the PR comment', () => {
  it('matches the snapshot for a multi-stage reduction', () => {
    const c = compare(
      single,
      multi,
      parseRules({ 'max-increase': '10MB', 'max-size': '500MB' }, (n) => n),
    );
    expect(renderComparisonMarkdown(c, ctx)).toMatchSnapshot();
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
    expect(row).toContain('``RUN echo "\\| @octocat #1 <script>alert(1)</script> `x`"``');
    // Outside code spans nothing of it survives: remove the spans and look again.
    expect(body.replace(/(`+).*?\1/g, '')).not.toMatch(/@octocat|<script>|#1/);
    expect(body).toContain('`a\\|b @team`');
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
