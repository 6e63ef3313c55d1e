/**
 * The action at the scale of real repositories, run as the Actions runner runs it: two images × two platforms in
 * one run (containerd-store daemon, cross-compiling Dockerfiles, OCI output), a matrix combined by `mode: report`,
 * and the fork-safe two-workflow path (`mode: comment` under workflow_run, which never builds).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERD, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { issueCommentPayload, workflowRunPayload } from '../helpers/payloads.js';
import { pullRequestPayload, stepsIn, type RunResult } from '../helpers/runner.js';
import { RULE_FIXES } from '../../src/advice/fixes.js';
import { marker } from '../../src/report/comparison-markdown.js';
import { prose } from '../../src/report/escape.js';
import { detailsBalanced, NO_PROBLEMS, problems, renderGfm, tablesIntact } from '../helpers/gfm.js';

const EVIL =
  '</details> ## H @octocat #12 GH-7 ![x](https://evil.example/t.png) <img src=x> [l](https://evil.example) <!-- docker-size-guard:other --> www.evil.example a|b ` me@example.com';

const ready = requireDaemons(CONTAINERD);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-scale-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CONTAINERD });
const PR = 11;

// RUN only on the build platform (no emulation here); the payload size depends on the target architecture.
const dockerfile = (amd64: number, arm64: number) => `FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETARCH
RUN if [ "$TARGETARCH" = arm64 ]; then n=${arm64}; else n=${amd64}; fi; head -c $n /dev/urandom > /payload.bin
FROM scratch
COPY --from=build /payload.bin /payload.bin
`;
const IMAGES = `- name: api
  context: api
  platforms: linux/amd64,linux/arm64
- name: worker
  context: worker
  platforms: linux/amd64,linux/arm64
  max-increase: 500kB
`;
const SIZES = { api: [1_000_000, 1_100_000], worker: [1_200_000, 3_300_000] } as const; // PR: [amd64, arm64]

const { git, commit } = gitRepo(repo);

let baseSha = '';
let headSha = '';
let matrixRun: RunResult;

const ours = (pr: number) => (api.comments.get(pr) ?? []).filter((c) => c.user.type === 'Bot');

describe.skipIf(!ready)('several images, platforms, matrix jobs and forks', () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    baseSha = commit(
      { 'api/Dockerfile': dockerfile(1_000_000, 1_000_000), 'worker/Dockerfile': dockerfile(1_200_000, 1_300_000) },
      'base',
    );
    git('checkout', '-q', '-b', 'feature');
    headSha = commit(
      {
        'api/Dockerfile': dockerfile(SIZES.api[0], SIZES.api[1]),
        'worker/Dockerfile': dockerfile(SIZES.worker[0], SIZES.worker[1]),
      },
      'pr',
    );
    matrixRun = await step({
      eventName: 'pull_request',
      payload: pullRequestPayload(PR, baseSha, headSha),
      inputs: { images: IMAGES, 'max-increase': '50MB', 'comment-key': 'platforms' },
    });
  }, 600_000);

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('measures 2 images × 2 platforms, with a row and a verdict each, and fails on the one that grew', () => {
    const r = matrixRun;
    expect(r.code, r.stdout).toBe(1);
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8'));
    expect(report.pr).toBe(PR);
    const rows = report.entries.map((e: { name: string; platform: string; comparison: { verdict: string } }) => [
      e.name,
      e.platform,
      e.comparison.verdict,
    ]);
    // Attestation manifests are not platforms: exactly four entries.
    expect(rows.sort()).toEqual([
      ['api', 'linux/amd64', 'pass'],
      ['api', 'linux/arm64', 'pass'],
      ['worker', 'linux/amd64', 'pass'],
      ['worker', 'linux/arm64', 'fail'],
    ]);
    // The payload layer holds exactly the bytes the Dockerfile wrote for that architecture, on both sides.
    for (const e of report.entries) {
      const [amd64, arm64] = SIZES[e.name as 'api' | 'worker'];
      const layers = e.comparison.head.layers;
      expect(layers[layers.length - 1].contentBytes).toBe(e.platform === 'linux/arm64' ? arm64 : amd64);
    }
    expect(r.outputs.verdict).toBe('fail');
    expect(r.stdout).toMatch(/worker \(linux\/arm64\): max-increase 500 kB/);
    const comments = ours(PR);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('❌ 1 of 4 failed');
    expect(body.match(/^\| `(api|worker)` \| linux\/(amd64|arm64) \|/gm)).toHaveLength(4);
    expect(body).toContain('<!-- docker-size-guard:platforms -->');
  });

  it('combines matrix jobs’ reports into one comment with mode: report', async () => {
    const dir = join(tmp, 'downloaded');
    // download-artifact lays out one folder per artifact; a second job measured the same PR under another key.
    mkdirSync(join(dir, 'report-platforms'), { recursive: true });
    copyFileSync(matrixRun.outputs.report!, join(dir, 'report-platforms', 'docker-size-guard-platforms.json'));
    const other = JSON.parse(readFileSync(matrixRun.outputs.report!, 'utf8'));
    other.key = 'single';
    other.entries = other.entries.filter((e: { name: string }) => e.name === 'api').slice(0, 1);
    other.entries[0].name = 'api-single';
    mkdirSync(join(dir, 'report-single'), { recursive: true });
    writeFileSync(join(dir, 'report-single', 'docker-size-guard-single.json'), JSON.stringify(other));

    const before = ours(PR).length;
    const r = await step({
      workspace: tmp,
      eventName: 'pull_request',
      payload: pullRequestPayload(PR, baseSha, headSha),
      inputs: { mode: 'report', reports: dir, 'comment-key': 'combined' },
    });
    expect(r.code, r.stdout).toBe(1); // one entry failed, and fail-on-bloat is on
    const combined = ours(PR).filter((c) => c.body.includes('<!-- docker-size-guard:combined -->'));
    expect(ours(PR).length).toBe(before + 1);
    expect(combined).toHaveLength(1);
    expect(combined[0]!.body.match(/^\| `[a-z-]+` \| linux\//gm)).toHaveLength(5);
    // The per-job comment is still its own.
    expect(ours(PR).filter((c) => c.body.includes('docker-size-guard:platforms'))).toHaveLength(1);
  });

  it('monorepo noise: builds only the image whose context changed, calls a small change insignificant, ignores paths', async () => {
    // A PR on top of the feature branch that touches api/ only, and grows its amd64 payload by 50 kB (5 %).
    const PR2 = 13;
    git('checkout', '-q', '-B', 'small-change', headSha);
    const smallSha = commit({ 'api/Dockerfile': dockerfile(SIZES.api[0] + 50_000, SIZES.api[1]) }, 'small');
    const r = await step({
      eventName: 'pull_request',
      payload: pullRequestPayload(PR2, headSha, smallSha),
      inputs: {
        images: IMAGES,
        'comment-key': 'noise',
        comment: 'on-change',
        'max-increase-percent': '1%',
        'min-change': '2MB',
        'ignore-paths': '/payload.bin',
      },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      'changed-only: worker not built (unchanged in this PR: no change to worker, worker/Dockerfile, worker/Dockerfile.dockerignore or to any workflow, since main)',
    );
    expect(r.stdout).not.toMatch(/::group::worker: /);
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8'));
    // No history in this repository, so no last size; the reason is the comparison made.
    expect(report.unchanged).toEqual([
      { name: 'worker', last: null, reason: expect.stringMatching(/^unchanged in this PR: no change to worker,/) },
    ]);
    expect(report.entries.map((e: { name: string }) => e.name)).toEqual(['api', 'api']);
    const amd64 = report.entries.find((e: { platform: string }) => e.platform === 'linux/amd64').comparison;
    // +50 kB is over max-increase-percent 1 %, but under min-change: no significant change, no violation.
    expect(amd64.uncompressed.percent).toBeGreaterThan(0.01);
    expect(amd64.significant).toBe(false);
    expect(amd64.violations).toEqual([]);
    // The payload is ignored: left out of the waste and the file list, and reported with its exact bytes.
    expect(amd64.head.ignored).toEqual({ patterns: ['/payload.bin'], files: 1, bytes: SIZES.api[0] + 50_000 });
    expect(amd64.files.added).toMatchObject({ lines: [], files: 0, bytes: 0 });
    expect(amd64.files.layers.flatMap((l: { lines: unknown[] }) => l.lines)).toEqual([]);
    // on-change: nothing significant changed, so no comment; the summary still tells.
    expect(ours(PR2)).toHaveLength(0);
    expect(r.summary).toMatch(/^\| `worker` \| \| — \| — \| unchanged in this PR: no change to worker, .* \| ⏭️ \|$/m);
    expect(r.summary).toContain('(not significant)');
  });

  it('refuses to build under issue_comment (chat-ops with a write token), in one line', async () => {
    const r = await step({
      eventName: 'issue_comment',
      payload: issueCommentPayload(PR),
      inputs: { images: IMAGES },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/::error::Refusing to build under issue_comment: its token can write/);
  });

  it('refuses a PR config whose context leaves the workspace, before anything is built', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'dsg-hostonly-'));
    writeFileSync(join(outside, 'secret'), 'runner-only');
    // A checkout of the repository (the base commit's rules are read from it), with the PR's config.
    const ws = join(tmp, 'evil-config');
    execFileSync('git', ['clone', '-q', repo, ws]);
    mkdirSync(join(ws, '.github'), { recursive: true });
    writeFileSync(join(ws, '.github/docker-size-guard.yml'), `- name: x\n  context: ${outside}\n`);
    try {
      const r = await step({
        workspace: ws,
        eventName: 'pull_request',
        payload: pullRequestPayload(PR, baseSha, headSha),
        inputs: {},
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        `::error::Invalid .github/docker-size-guard.yml: x: context '${outside}' is outside the workspace`,
      );
      expect(r.stdout).not.toMatch(/buildx|Building/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  describe('the fork-safe two-workflow path (mode: comment under workflow_run)', () => {
    const workflowRun = workflowRunPayload;
    const reportsDir = join(tmp, 'fork-reports');
    // No checkout: the comment job's workspace is empty, so nothing could be built from it.
    const emptyWorkspace = join(tmp, 'empty');

    beforeAll(() => {
      mkdirSync(join(reportsDir, 'artifact'), { recursive: true });
      mkdirSync(emptyWorkspace, { recursive: true });
      const forkReport = JSON.parse(readFileSync(matrixRun.outputs.report!, 'utf8'));
      forkReport.pr = 12;
      forkReport.key = 'fork';
      writeFileSync(join(reportsDir, 'artifact', 'docker-size-guard-fork.json'), JSON.stringify(forkReport));
    });

    const comment = (sha: string, dir = reportsDir) =>
      step({
        workspace: emptyWorkspace,
        eventName: 'workflow_run',
        payload: workflowRun(sha),
        inputs: { mode: 'comment', reports: dir, 'comment-key': 'fork' },
      });

    it('posts the report on the PR it was measured for, after checking the PR is open at that commit', async () => {
      api.pulls.set(12, { state: 'open', head: { sha: headSha } });
      const r = await comment(headSha);
      expect(r.code, r.stdout).toBe(0); // the measuring workflow carries the check; this one only comments
      expect(ours(12)).toHaveLength(1);
      expect(ours(12)[0]!.body).toContain('<!-- docker-size-guard:fork -->');
      expect(api.calls.some((c) => c.method === 'GET' && c.path.endsWith('/pulls/12'))).toBe(true);
    });

    it('refuses a report whose PR has moved on, and posts nothing', async () => {
      api.pulls.set(12, { state: 'open', head: { sha: 'f'.repeat(40) } });
      const posts = api.calls.filter((c) => c.method !== 'GET').length;
      const r = await comment(headSha);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /Invalid input 'reports': pull request #12 is open at ffffffffffff, not open at the measured/,
      );
      expect(api.calls.filter((c) => c.method !== 'GET').length).toBe(posts);
    });

    it('refuses a tampered report with one line naming the file and the field', async () => {
      const dir = join(tmp, 'tampered');
      mkdirSync(dir, { recursive: true });
      const bad = JSON.parse(readFileSync(join(reportsDir, 'artifact', 'docker-size-guard-fork.json'), 'utf8'));
      bad.entries[0].comparison.uncompressed.delta = '<img src=x onerror=alert(1)>';
      writeFileSync(join(dir, 'evil.json'), JSON.stringify(bad));
      const r = await comment(headSha, dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/Invalid report evil\.json: entries\.0\.comparison\.uncompressed\.delta: /);
    });

    it('re-renders a forged, well-typed report: no foreign markup, verdict re-derived, approval from the labels', async () => {
      const dir = join(tmp, 'forged');
      mkdirSync(dir, { recursive: true });
      const forged = JSON.parse(readFileSync(join(reportsDir, 'artifact', 'docker-size-guard-fork.json'), 'utf8'));
      for (const e of forged.entries) {
        e.name = EVIL.slice(0, 200);
        e.baseLabel = EVIL;
        e.comparison.verdict = 'pass';
        e.comparison.approved = true;
        e.comparison.violations = [];
        for (const l of e.comparison.head.layers) l.instruction = EVIL;
        e.comparison.newFindings = [];
        e.comparison.head.findings = [
          {
            rule: 'root-user',
            key: 'root',
            layer: null,
            instruction: EVIL,
            bytes: 0,
            estimate: false,
            message: EVIL,
            fix: EVIL,
            paths: [EVIL],
          },
        ];
      }
      writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
      api.pulls.set(12, { state: 'open', head: { sha: headSha }, labels: [] });
      const r = await comment(headSha, dir);
      expect(r.code, r.stdout).toBe(0);
      const body = ours(12)[0]!.body;
      expect(problems(body, [marker('fork')])).toEqual(NO_PROBLEMS);
      expect(detailsBalanced(body) && tablesIntact(body)).toBe(true);
      // worker/arm64 grew past its rule in the measured numbers: the forged "pass" does not survive.
      expect(body.split('\n')[0]).toContain('❌ 1 of 4 failed');
      expect(body).not.toContain('approved');
      expect(body).toContain(prose(RULE_FIXES['root-user']));

      // The approval is the PR's label as the API reports it, not the report's flag.
      api.pulls.set(12, { state: 'open', head: { sha: headSha }, labels: [{ name: 'size-increase-approved' }] });
      await comment(headSha, dir);
      expect(ours(12)[0]!.body.split('\n')[0]).toContain('✅ all passed');
    });

    it('a forged report too long for a comment (50 layers × 100 paths each) is shrunk by sections, never cut', async () => {
      const dir = join(tmp, 'long');
      mkdirSync(dir, { recursive: true });
      const forged = JSON.parse(readFileSync(join(reportsDir, 'artifact', 'docker-size-guard-fork.json'), 'utf8'));
      // The payload the last-resort cut once set loose: image and mention inside code spans near the limit.
      const path = (i: number) => `${'x'.repeat(60)} <img src="https://evil.example/t.png"> @octocat ${i}`;
      for (const e of forged.entries) {
        const line = { path: '', dir: false, files: 1, bytes: 1000, layer: 0, instruction: EVIL };
        const lines = Array.from({ length: 100 }, (_, i) => ({ ...line, path: path(i) }));
        const block = { lines, files: 100, bytes: 100_000, rest: { files: 0, bytes: 0 } };
        e.comparison.files = {
          added: block,
          removed: block,
          layers: Array.from({ length: 50 }, (_, i) => ({ ...block, headIndex: i, status: 'new', instruction: EVIL })),
        };
      }
      writeFileSync(join(dir, 'long.json'), JSON.stringify(forged));
      api.pulls.set(12, { state: 'open', head: { sha: headSha }, labels: [] });
      const r = await comment(headSha, dir);
      expect(r.code, r.stdout).toBe(0);
      const posted = api.calls.filter((c) => c.method === 'PATCH' || c.method === 'POST').at(-1)!;
      const body = (posted.body as { body: string }).body;
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(body).not.toContain('(truncated)');
      expect(problems(body, [marker('fork')])).toEqual(NO_PROBLEMS);
      expect(renderGfm(body)).not.toMatch(/<img|@octocat/);
      expect(detailsBalanced(body) && tablesIntact(body)).toBe(true);
    });

    it('refuses to build under workflow_run', async () => {
      const r = await step({
        eventName: 'workflow_run',
        payload: workflowRun(headSha),
        inputs: { images: IMAGES },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /Refusing to build under workflow_run: its token can write and the code may come from a pull request/,
      );
    });
  });
});
