/**
 * Runs the bundled action (dist/index.js) the way the Actions runner does: inputs as INPUT_* (defaults taken
 * from action.yml), the event payload in a file, outputs and summary in files, and GitHub's API replaced by a
 * fake on loopback. The images are really built by buildx on the classic-store daemon.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/model/comparison.js';
import { randomBytes } from '../helpers/archives.js';
import { CLASSIC, docker, requireDaemons, skopeoCopyArgs } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { archiveOf, layoutOf, tarHeader } from '../helpers/hostile.js';
import { pullRequestPayload, stepsIn, type RunResult } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
// A value with a space and ` [` (issue 9 §5): the history form alone cannot tell where it ends.
const SECRET = 'npm-secret-value-4711 tail [x';
const tmp = mkdtempSync(join(tmpdir(), 'dsg-e2e-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
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
ARG NPM_TOKEN
SHELL ["/bin/busybox", "sh", "-c"]
WORKDIR /opt/$NPM_TOKEN
RUN echo "$NPM_TOKEN" > /dev/null
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

/**
 * One step run of the PR's head commit, as a pull_request event. `labels` are the PR's labels as the API answers
 * now; `payloadLabels` what the (possibly stale) event payload says.
 */
function runAction(
  headSha: string,
  baseSha: string,
  inputs: Record<string, string>,
  labels: string[] = [],
  payloadLabels: string[] = [],
): Promise<RunResult> {
  git('checkout', '-q', headSha);
  api.pulls.set(PR, { state: 'open', head: { sha: headSha }, labels: labels.map((name) => ({ name })) });
  return step({
    eventName: 'pull_request',
    payload: pullRequestPayload(PR, baseSha, headSha, payloadLabels),
    inputs,
  });
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
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries[0];
    expect(report.comparison.head.layerCount).toBe(4); // busybox, the WORKDIR, the RUN with the build arg, the binary
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
    // The bytes on the lines that made them: check annotations on the Dockerfile, largest first, errors since the
    // image failed, each on the line of the instruction its title names (the lines found in the text written).
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error title='));
    const lineOf = (start: string) => BLOAT.split('\n').findIndex((l) => l.startsWith(start)) + 1;
    const bloat = lineOf('RUN head -c 30000000');
    expect(annotations[0]).toMatch(
      new RegExp(
        `^::error title=\\+3\\d(\\.\\d)? MB%3A RUN \\|1 NPM_TOKEN=\\*\\*\\* /bin/busybox sh -c head -c 30000000 /dev/urandom > /bloat\\.… \\(layer PR \\d\\)` +
          `,file=Dockerfile,line=${bloat},endLine=${bloat}::layer \\d is new: 3\\d(\\.\\d)? MB \\(uncompressed\\); the image failed a size rule$`,
      ),
    );
    for (const a of annotations) {
      const line = Number(/,line=(\d+),/.exec(a)![1]);
      const written = BLOAT.split('\n')[line - 1]!;
      const keyword = written.split(' ')[0]!;
      // A layer of the base image (busybox) sits on the final stage's FROM line.
      expect(a).toContain(keyword === 'FROM' ? '%3A a layer of the base image (layer PR 0)' : `%3A ${keyword} `);
    }
    expect(annotations.every((a) => !a.includes(SECRET))).toBe(true);
    const calls = api.calls.slice(before);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
      `/repos/acme/app/issues/comments/${id}`,
    ]);
    expect(calls.some((c) => c.method === 'GET' && /page=2/.test(c.path))).toBe(true);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/^### 🐳 Docker image size — ❌ failed/);
    expect(ours()[0]!.body).toContain('❌ `max-size 20 MB: uncompressed size is');
    // The comment's PR layer links to the same line, at the head commit, as the runner's repository names it.
    expect(ours()[0]!.body).toContain(`[L${bloat}](https://github.com/acme/app/blob/${bloatSha}/Dockerfile#L${bloat})`);
  });

  it('does not send an unchanged comment again', async () => {
    const r = await runAction(bloatSha, baseSha, { ...INPUTS, 'fail-on-bloat': 'false' });
    expect(r.code, r.stdout).toBe(0); // report only
    expect(r.stdout).toContain('PR comment unchanged');
  });

  it('takes the approval label from the API, not from a stale event payload', async () => {
    // "Re-run" replays the payload of the event that started the run: the label it names was removed since.
    const r = await runAction(bloatSha, baseSha, INPUTS, [], ['size-increase-approved']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(api.calls.some((c) => c.method === 'GET' && c.path === `/repos/acme/app/pulls/${PR}`)).toBe(true);
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
    expect(everything).not.toContain('npm-secret-value-4711');
    // The WORKDIR and the busybox-shell RUN carried it; both are in the comment, with the value replaced.
    expect(everything).toContain('WORKDIR /opt/***');
    for (const f of execFileSync('find', [tmp, '-type', 'f', '-not', '-path', '*/repo/*'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)) {
      expect(readFileSync(f, 'utf8'), f).not.toContain('npm-secret-value-4711');
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

  it('compares with a base image in a registry that wants a password: sizes from the manifest, nothing pulled', async () => {
    const ref = `127.0.0.1:5001/dsg-e2e-base:${process.pid}`;
    // skopeo's docker-daemon transport speaks an API version Engine 26 refuses: go through a saved archive.
    const saved = join(tmp, 'busybox.tar');
    docker(CLASSIC, ['save', '-o', saved, 'busybox:latest']);
    execFileSync('skopeo', skopeoCopyArgs(`docker-archive:${saved}`, `docker://${ref}`, 'dsg:dsg-test-password'));
    const manifest = JSON.parse(
      execFileSync(
        'skopeo',
        ['inspect', '--raw', '--tls-verify=false', '--creds', 'dsg:dsg-test-password', `docker://${ref}`],
        {
          encoding: 'utf8',
        },
      ),
    ) as { config: { size: number }; layers: { size: number }[] };
    git('checkout', '-q', multiSha);
    const r = await step({
      eventName: 'pull_request',
      payload: pullRequestPayload(PR, baseSha, multiSha),
      inputs: { 'base-image': `docker://${ref}`, 'comment-key': 'registry-base', comment: 'never' },
      env: {
        DSG_REGISTRY_HOST: '127.0.0.1:5001',
        DSG_REGISTRY_USERNAME: 'dsg',
        DSG_REGISTRY_PASSWORD: 'dsg-test-password',
      },
    });
    expect(r.code, r.stdout).toBe(0);
    const entry = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries[0];
    expect(entry.baseSource).toBe('image');
    expect(entry.baseLabel).toBe(`docker://${ref}`);
    const base = entry.comparison.base;
    // The pull size skopeo reads from the registry's manifest: config plus every layer blob.
    expect(base.compressedBytes).toBe(manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0));
    expect(base.compressedIsEstimate).toBe(false);
    // Read for metadata only: no layer was downloaded, so there are no per-file numbers for the base.
    expect(base.layers.every((l: { files: number | null }) => l.files === null)).toBe(true);
    expect(r.outputs['base-compressed-size']).toBe(String(base.compressedBytes));
  });

  it('names the package a commit adds, with its exact bytes and the layer that installed it', async () => {
    // A .deb made here by dpkg-deb: its one file is 2,000,000 bytes, which is what the package owns.
    const root = join(tmp, 'dsg-bloat');
    execFileSync('mkdir', ['-p', join(root, 'DEBIAN'), join(root, 'usr/share/dsg-bloat')]);
    writeFileSync(
      join(root, 'DEBIAN/control'),
      'Package: dsg-bloat\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: test\n',
    );
    writeFileSync(join(root, 'usr/share/dsg-bloat/data.bin'), randomBytes(2_000_000, 3));
    git('checkout', '-q', '-B', 'adds-package', baseSha);
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, join(repo, 'dsg-bloat.deb')], { stdio: 'ignore' });
    const addSha = commit(
      {
        Dockerfile: SINGLE.replace(
          'CMD ["hello"]',
          'COPY dsg-bloat.deb /tmp/\nRUN dpkg -i /tmp/dsg-bloat.deb && rm /tmp/dsg-bloat.deb\nCMD ["hello"]',
        ),
      },
      'adds a package',
    );
    const r = await runAction(addSha, baseSha, {
      'build-args': `NPM_TOKEN=${SECRET}`,
      'max-increase': '10MB',
      'comment-key': 'adds-package',
    });
    expect(r.code, r.stdout).toBe(0);
    const c = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries[0].comparison as Comparison;
    const deb = c.packages!.ecosystems.find((e) => e.ecosystem === 'deb')!;
    expect(deb.changes).toEqual([
      expect.objectContaining({ name: 'dsg-bloat', kind: 'added', headVersion: '1.0', delta: 2_000_000, side: 'head' }),
    ]);
    const layer = deb.changes[0]!.layer!;
    expect(layer).toBe(c.head.layerCount - 1);
    expect(c.head.layers[layer]!.instruction).toMatch(/dpkg -i \/tmp\/dsg-bloat\.deb/);
    expect(r.summary).toContain(`| \`dsg-bloat\` | added \`1.0\` | +2\u00a0MB | PR\u00a0${layer} |`);
    expect(r.summary.indexOf('Packages (deb 1 added)')).toBeLessThan(r.summary.indexOf('Where the bytes are'));
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

  it('fails in one line on a truncated head archive, and still removes the base worktree, images and temp dir', async () => {
    git('checkout', '-q', multiSha);
    // A layer whose tar ends inside a file's data, the outer archive intact (issue 9 §10).
    const layer = Buffer.concat([tarHeader('big', { size: 4096n }), Buffer.alloc(1024, 7)]);
    const bad = join(repo, 'head.tar');
    writeFileSync(bad, await archiveOf(layoutOf([layer])));
    try {
      const r = await runAction(multiSha, baseSha, {
        ...INPUTS,
        'head-image': 'docker-archive:head.tar',
        'comment-key': 'truncated',
      });
      expect(r.code).toBe(1);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^::error::docker-archive:head\.tar: layer .* is unreadable/);
      expect(r.stdout).not.toMatch(/\n\s+at /);
      expect(git('worktree', 'list').split('\n')).toHaveLength(1);
      expect(docker(CLASSIC, ['images', '--format', '{{.Repository}}', 'docker-size-guard-*']).trim()).toBe('');
      const left = execFileSync('ls', [join(tmp, 'runner-temp')], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      expect(left.every((f) => f.endsWith('.json'))).toBe(true);
    } finally {
      rmSync(bad, { force: true });
    }
  });
});
