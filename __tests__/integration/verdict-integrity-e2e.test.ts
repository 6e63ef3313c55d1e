/**
 * A pull request cannot turn its own check green (issue 18), tried as an attacker would, through dist/index.js on
 * a pull_request event with the fake GitHub API, real git and real builds on the classic-store daemon: a build-arg
 * value that reads `fail`, a PR's config that loosens the rules or names a tiny image, and PR changes that
 * `changed-only` once skipped (config build inputs, a Dockerfile's own .dockerignore, absolute and linked contexts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, stepsIn, type RunResult } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-verdict-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
const { git, commit } = gitRepo(repo);
let pr = 30;

const APP = `FROM busybox
ARG ON_ERROR
RUN echo "$ON_ERROR" > /dev/null
COPY app.txt /app.txt
`;
const BLOAT = `${APP}RUN head -c 30000000 /dev/urandom > /bloat.bin\n`;
// Two stages: the config picks one with `target`.
const WORKER = `FROM busybox AS runtime
COPY w.txt /w.txt
FROM runtime AS slim
RUN rm /w.txt
`;
const CONFIG = `images:
  - name: app
    context: app
    max-increase: 10MB
    max-size: 20MB
  - name: worker
    context: worker
    file: docker/worker.Dockerfile
    target: runtime
`;

let mainSha = '';

/** One pull_request run of `headSha` against main, its PR number new each time (one comment each). */
async function runPr(headSha: string, inputs: Record<string, string> = {}): Promise<RunResult & { pr: number }> {
  pr += 1;
  git('checkout', '-q', headSha);
  api.pulls.set(pr, { state: 'open', head: { sha: headSha }, labels: [] });
  const r = await step({
    eventName: 'pull_request',
    payload: pullRequestPayload(pr, mainSha, headSha),
    inputs: { 'comment-key': `k${pr}`, ...inputs },
  });
  return { ...r, pr };
}

function branch(name: string, files: Record<string, string>, message: string): string {
  git('checkout', '-q', '-B', name, mainSha);
  return commit(files, message);
}

const body = (n: number) => (api.comments.get(n) ?? []).find((c) => c.user.type === 'Bot')?.body ?? '';
const built = (r: RunResult) =>
  (JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries as { name: string }[]).map((e) => e.name).sort();

describe.skipIf(!ready)('the verdict belongs to the base branch', () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    mainSha = commit(
      {
        'app/Dockerfile': APP,
        'app/app.txt': 'app\n',
        'docker/worker.Dockerfile': WORKER,
        'worker/w.txt': 'worker\n',
        'services/lib/Dockerfile': 'FROM busybox\nCOPY lib.txt /lib.txt\n',
        'services/lib/lib.txt': 'lib\n',
        '.github/docker-size-guard.yml': CONFIG,
      },
      'main',
    );
    symlinkSync('services/lib', join(repo, 'ctx'));
    mainSha = commit({}, 'a linked context');
  });

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a build-arg value that reads "fail" flips nothing: same exit code, verdict and levels', async () => {
    const head = branch('flip', { 'app/app.txt': 'app 2\n' }, 'touch app');
    const inputs = { 'max-size': '1kB', 'changed-only': 'false' };
    const plain = await runPr(head, inputs);
    const withArg = await runPr(head, { ...inputs, 'build-args': 'ON_ERROR=fail' });
    for (const r of [plain, withArg]) {
      expect(r.code, r.stdout).toBe(1);
      expect(r.outputs.verdict).toBe('fail');
      expect(body(r.pr)).toMatch(/^### 🐳 Docker image sizes — ❌ 2 of 2 failed/);
    }
    const levels = (r: RunResult) =>
      JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries.map(
        (e: { comparison: { verdict: string; violations: { level: string; rule: string }[] } }) => [
          e.comparison.verdict,
          e.comparison.violations.map((v) => `${v.rule}:${v.level}`),
        ],
      );
    expect(levels(withArg)).toEqual(levels(plain));
    expect(withArg.outputs['head-size']).toBe(plain.outputs['head-size']);
  });

  it('a PR that loosens its config and bloats by 30 MB still fails, and the comment shows what it proposes', async () => {
    const loose = `images:
  - name: app
    context: app
    max-increase: 1TB
    max-size: ''
    min-change: 1TB
    ignore-paths: '**'
  - name: worker
    context: worker
    file: docker/worker.Dockerfile
    target: runtime
`;
    const head = branch('loosen', { 'app/Dockerfile': BLOAT, '.github/docker-size-guard.yml': loose }, 'loosen');
    const r = await runPr(head);
    expect(r.code, r.stdout).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.stdout).toMatch(
      /::error::Docker image size check failed: max-size 20 MB: uncompressed size is 3\d\.\d MB/,
    );
    const b = body(r.pr);
    expect(b).toContain('Proposed by this PR (takes effect once merged, not here)');
    expect(b).toContain('max\\-increase 1\u00a0TB (base: 10\u00a0MB)');
    expect(b).toContain('max\\-size off (base: 20\u00a0MB)');
    expect(b).toContain('ignore\\-paths `**` (base: off)');
    expect(b).toContain(`Rules from \`.github/docker-size-guard.yml\` at \`${mainSha.slice(0, 7)}\``);
    // The base's rules: ignore-paths '**' would have left every file out of "Where the bytes are".
    const app = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries.find(
      (e: { name: string }) => e.name === 'app',
    );
    expect(app.comparison.rules.maxIncrease).toBe(10_000_000);
    expect(app.comparison.head.ignored).toBeUndefined();
  });

  it("refuses a head-image or base-image named by the PR's config, in one line, and builds nothing", async () => {
    docker(CLASSIC, ['save', '-o', join(repo, 'tiny.tar'), 'busybox:latest']);
    const config = CONFIG.replace('    context: app\n', '    context: app\n    head-image: docker-archive:tiny.tar\n');
    const head = branch('tiny', { 'app/Dockerfile': BLOAT, '.github/docker-size-guard.yml': config }, 'tiny');
    const r = await runPr(head);
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toEqual([
      "::error::Invalid .github/docker-size-guard.yml: images[0].head-image: a pull request's config cannot name the image that judges it (set it in the base branch's workflow)",
    ]);
    expect(r.stdout).not.toContain('buildx');
  });

  it('changed-only builds an image whose target the PR changes in the config, and names the change', async () => {
    const head = branch('target', { '.github/docker-size-guard.yml': CONFIG.replace('runtime', 'slim') }, 'slim');
    const r = await runPr(head);
    expect(r.code, r.stdout).toBe(0);
    expect(built(r)).toEqual(['worker']);
    const b = body(r.pr);
    expect(b).toContain('This PR changes how `worker` is built: target `runtime` → `slim`');
    expect(b).toMatch(/\| `app` \|.*unchanged in this PR: no change to app, app\/Dockerfile/);
  });

  it("changed-only builds an image when the PR adds the Dockerfile's own .dockerignore", async () => {
    // BuildKit reads docker/worker.Dockerfile.dockerignore instead of the context's: the image changes.
    const head = branch('ignore', { 'docker/worker.Dockerfile.dockerignore': 'w.txt\n' }, 'ignore');
    const r = await runPr(head);
    expect(r.stdout).toContain('::group::Image worker');
    expect(r.stdout).not.toContain('::group::Image app');
    // The image really is another one: the excluded file is not in the context, so its COPY fails.
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::.*w\.txt/);
  });

  it('changed-only sees changes under an absolute context and behind a linked one', async () => {
    const images = `- name: abs
  context: ${repo}/services/lib
- name: linked
  context: ctx
- name: app
  context: app
`;
    const head = branch('lib', { 'services/lib/lib.txt': 'lib 2\n' }, 'lib');
    const r = await runPr(head, { images, 'changed-only': 'true' });
    expect(r.code, r.stdout).toBe(0);
    expect(built(r)).toEqual(['abs', 'linked']);
  });

  it('leaves no worktree or image behind', () => {
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
    expect(docker(CLASSIC, ['images', '--format', '{{.Repository}}', 'docker-size-guard-*']).trim()).toBe('');
  });
});
