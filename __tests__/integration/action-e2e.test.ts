/**
 * Runs the bundled action (dist/index.js) the way the Actions runner does: inputs as INPUT_* (defaults taken
 * from action.yml), the event payload in a file, outputs and summary in files, and GitHub's API replaced by a
 * fake on loopback. The images are really built by buildx on the classic-store daemon.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';

const ready = requireDaemons(CLASSIC);
const root = join(import.meta.dirname, '../..');
const SECRET = 'npm-secret-value-4711';
const tmp = mkdtempSync(join(tmpdir(), 'dsg-e2e-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const PR = 7;

const HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';
// The seed article's shape: compilers in the final image, then the same program built in a stage and copied out.
const SINGLE = `FROM debian:bookworm-slim
ARG NPM_TOKEN
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/* && echo "$NPM_TOKEN" > /dev/null
COPY hello.c /src/hello.c
RUN gcc -O2 -static -o /usr/local/bin/hello /src/hello.c
CMD ["hello"]
`;
const MULTI = `FROM debian:bookworm-slim AS build
ARG NPM_TOKEN
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/* && echo "$NPM_TOKEN" > /dev/null
COPY hello.c /src/hello.c
RUN gcc -O2 -static -o /usr/local/bin/hello /src/hello.c

FROM busybox
COPY --from=build /usr/local/bin/hello /usr/local/bin/hello
CMD ["hello"]
`;
const BLOAT = MULTI.replace('CMD ["hello"]', 'RUN head -c 30000000 /dev/urandom > /bloat.bin\nCMD ["hello"]');

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

function commit(files: Record<string, string>, message: string): string {
  for (const [name, data] of Object.entries(files)) writeFileSync(join(repo, name), data);
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', message);
  return git('rev-parse', 'HEAD');
}

function defaults(): Record<string, string> {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (spec.default !== undefined)
      env[`INPUT_${name.toUpperCase()}`] = spec.default === '${{ github.token }}' ? 'ghs_faketoken' : spec.default;
  }
  return env;
}

interface RunResult {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/**
 * One step run: a fresh output and summary file per run, as the runner gives. Asynchronous, because the fake API
 * answers from this process.
 */
async function runAction(
  headSha: string,
  baseSha: string,
  inputs: Record<string, string>,
  labels: string[] = [],
): Promise<RunResult> {
  const n = Math.random().toString(36).slice(2);
  const eventPath = join(tmp, `event-${n}.json`);
  const outputPath = join(tmp, `output-${n}`);
  const summaryPath = join(tmp, `summary-${n}`);
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  writeFileSync(
    eventPath,
    JSON.stringify({
      action: 'synchronize',
      number: PR,
      pull_request: {
        number: PR,
        base: { ref: 'main', sha: baseSha, repo: { full_name: 'acme/app' } },
        head: { ref: 'feature', sha: headSha, repo: { full_name: 'acme/app' } },
        labels: labels.map((name) => ({ name })),
      },
      repository: { full_name: 'acme/app', name: 'app', owner: { login: 'acme' } },
    }),
  );
  git('checkout', '-q', headSha);
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? '/root',
    DOCKER_HOST: CLASSIC,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: repo,
    GITHUB_SHA: headSha,
    GITHUB_RUN_ID: '42',
    RUNNER_TEMP: join(tmp, 'runner-temp'),
    ...defaults(),
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  execFileSync('mkdir', ['-p', env.RUNNER_TEMP!]);
  const child = spawn('node', [join(root, 'dist/index.js')], { env });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

/** The runner's GITHUB_OUTPUT file format: name<<DELIMITER … DELIMITER. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

const INPUTS = { 'build-args': `NPM_TOKEN=${SECRET}`, 'max-increase': '10MB', 'max-size': '20MB' };
let baseSha = '';
let multiSha = '';
let bloatSha = '';

describe.skipIf(!ready)('the action, run as the Actions runner runs it', () => {
  beforeAll(async () => {
    await api.start();
    execFileSync('mkdir', ['-p', repo]);
    git('init', '-q', '-b', 'main');
    baseSha = commit({ Dockerfile: SINGLE, 'hello.c': HELLO }, 'single-stage');
    git('checkout', '-q', '-b', 'feature');
    multiSha = commit({ Dockerfile: MULTI }, 'multi-stage');
    bloatSha = commit({ Dockerfile: BLOAT }, 'bloat');
    // 105 comments before ours: the sticky comment must be found past the first page.
    for (let i = 0; i < 105; i++) api.seed(PR, `comment ${i}`);
    // Someone quoting our marker is not our comment.
    api.seed(PR, 'quoting <!-- docker-size-guard:default -->');
  });

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const ours = () => (api.comments.get(PR) ?? []).filter((c) => c.user.type === 'Bot');

  it('passes a multi-stage PR with a reduction table and one comment', async () => {
    const r = await runAction(multiSha, baseSha, INPUTS);
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    const base = Number(r.outputs['base-size']);
    const head = Number(r.outputs['head-size']);
    expect(head).toBeLessThan(base / 10);
    expect(Number(r.outputs.delta)).toBe(head - base);

    // Independent truth: the sizes of the images the action built are what docker reports for the same builds.
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8'));
    expect(report.comparison.head.layerCount).toBe(2); // busybox + the copied binary
    expect(report.comparison.base.layerCount).toBe(4);
    expect(report.comparison.head.layers[0].diffId).toBe(
      JSON.parse(docker(CLASSIC, ['image', 'inspect', 'busybox:latest']))[0].RootFS.Layers[0],
    );

    expect(ours()).toHaveLength(1);
    const body = ours()[0]!.body;
    expect(body).toMatch(/^### 🐳 Docker image size — ✅ passed · `Dockerfile` is \d+ % smaller/);
    expect(body).toContain('| Image');
    expect(body).toContain('Base (`main`)');
    expect(body).toContain('<!-- docker-size-guard:default -->');
    expect(r.summary).toBe(body);
    expect(r.outputs['comment-body']).toBe(body);
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('fails a bloating commit and updates the same comment instead of adding one', async () => {
    const before = api.calls.length;
    const id = ours()[0]!.id;
    const r = await runAction(bloatSha, baseSha, INPUTS);
    expect(r.code).toBe(1);
    expect(r.outputs.verdict, r.stdout).toBe('fail');
    expect(r.stdout).toMatch(
      /::error::Docker image size check failed: max-size 20 MB: uncompressed size is 3\d\.\d MB/,
    );
    const calls = api.calls.slice(before);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
      `/repos/acme/app/issues/comments/${id}`,
    ]);
    expect(calls.some((c) => c.method === 'GET' && /page=2/.test(c.path))).toBe(true);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/^### 🐳 Docker image size — ❌ failed/);
    expect(ours()[0]!.body).toContain('❌ `max-size 20 MB: uncompressed size is');
  });

  it('does not send an unchanged comment again', async () => {
    const r = await runAction(bloatSha, baseSha, { ...INPUTS, 'fail-on-bloat': 'false' });
    expect(r.code, r.stdout).toBe(0); // report only
    expect(r.stdout).toContain('PR comment unchanged');
  });

  it('turns a failure into an approved pass with the approval label', async () => {
    const r = await runAction(bloatSha, baseSha, INPUTS, ['size-increase-approved']);
    expect(r.code).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(ours()[0]!.body).toContain('approved');
  });

  it('does not fail when the token is read-only (fork PR): summary and outputs still carry the report', async () => {
    api.readOnly = true;
    try {
      const r = await runAction(multiSha, baseSha, INPUTS);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/::warning::The PR comment was not posted: the token cannot write to this pull request/);
      expect(r.summary).toMatch(/✅ passed/);
      expect(r.outputs['comment-body']).toBe(r.summary);
    } finally {
      api.readOnly = false;
    }
  });

  it('never shows the build-arg value, and leaves no worktree, image or temp dir behind', () => {
    const everything = JSON.stringify(api.calls) + JSON.stringify([...api.comments.values()]);
    expect(everything).not.toContain(SECRET);
    for (const f of execFileSync('find', [tmp, '-type', 'f', '-not', '-path', '*/repo/*'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)) {
      expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
    }
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
    expect(docker(CLASSIC, ['images', '--format', '{{.Repository}}', 'docker-size-guard-*']).trim()).toBe('');
    const left = execFileSync('ls', [join(tmp, 'runner-temp')], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(left.every((f) => f.endsWith('.json'))).toBe(true); // only the JSON reports, which are outputs
  });

  it('reports a new image alone when the base commit has no Dockerfile, judged by the absolute rules', async () => {
    git('checkout', '-q', '--orphan', 'empty');
    git('rm', '-rqf', '.');
    const emptySha = commit({ 'README.md': 'no image yet\n' }, 'empty');
    const r = await runAction(multiSha, baseSha, { ...INPUTS, 'base-ref': emptySha, 'comment-key': 'new-image' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['base-size']).toBe('');
    expect(r.summary).toContain('No base image: Dockerfile does not exist at the base commit \\(a new image\\)');
    expect(r.summary).toContain('`max-size 20 MB` ✅');
  });

  it('warns and reports the PR image alone when the base does not build', async () => {
    git('checkout', '-q', '-B', 'broken', baseSha);
    const brokenSha = commit({ Dockerfile: 'FROM busybox\nRUN exit 3\n' }, 'broken');
    const r = await runAction(multiSha, baseSha, { ...INPUTS, 'base-ref': brokenSha, 'comment-key': 'broken-base' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /::warning::The base image did not build, so the PR image is reported alone: docker buildx failed/,
    );
    expect(r.summary).toContain('No base image: the base build failed');
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('rejects a bad input with one line naming it', async () => {
    const r = await runAction(multiSha, baseSha, { ...INPUTS, 'max-increase': 'ten megabytes' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("::error::Invalid input 'max-increase': 'ten megabytes' is not a size");
    expect(
      existsSync(join(repo, '.git/worktrees'))
        ? execFileSync('ls', [join(repo, '.git/worktrees')], { encoding: 'utf8' }).trim()
        : '',
    ).toBe('');
  });
});
