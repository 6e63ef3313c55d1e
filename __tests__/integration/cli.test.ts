import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, gnuTarListing, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const ready = requireDaemons(CLASSIC);
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dsg(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A new repository on main, with the shared git helpers. */
function newRepo(dir: string) {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  return gitRepo(dir);
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

describe('dist/', () => {
  it('is what npm run build makes from the sources (not stale)', () => {
    const out = join(tmp, 'dist');
    const r = spawnSync('node', [join(root, 'scripts/build.mjs'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const dist = join(root, 'dist');
    expect(files(out)).toEqual(files(dist));
    for (const f of files(out)) {
      expect(
        readFileSync(join(out, f)).equals(readFileSync(join(dist, f))),
        `dist/${relative(out, join(out, f))} is stale: run npm run build`,
      ).toBe(true);
    }
  });
});

describe.skipIf(!ready)('the built CLI', () => {
  it('measure prints JSON with the documented top-level keys, and agrees with docker image inspect', () => {
    const r = dsg(['measure', 'busybox:latest', '--format', 'json'], { DOCKER_HOST: CLASSIC });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'uncompressedBytes',
        'contentBytes',
        'compressedBytes',
        'compressedIsEstimate',
        'layerCount',
        'platform',
        'configDigest',
        'user',
        'created',
        'layers',
        'waste',
      ]),
    );
    const inspect = JSON.parse(docker(CLASSIC, ['image', 'inspect', 'busybox:latest']))[0];
    expect(report.layers.map((l: { diffId: string }) => l.diffId)).toEqual(inspect.RootFS.Layers);
    expect(report.configDigest).toBe(inspect.Id);
    // The classic store's Size is overlay2's du of the unpacked layers: regular-file bytes plus each symlink's
    // target length. GNU tar lists the symlinks of the saved layer.
    const saved = join(tmp, 'busybox.tar');
    docker(CLASSIC, ['save', '-o', saved, 'busybox:latest']);
    const symlinkBytes = gnuTarListing(saved, `blobs/sha256/${inspect.RootFS.Layers[0].slice(7)}`)
      .filter((e) => e.type === 'l')
      .reduce((n, e) => n + Buffer.byteLength(e.name.split(' -> ')[1]!), 0);
    expect(symlinkBytes).toBeGreaterThan(0);
    expect(report.contentBytes + symlinkBytes).toBe(inspect.Size);
  });

  it('prints a text table and markdown', () => {
    const text = dsg(['measure', 'busybox:latest'], { DOCKER_HOST: CLASSIC });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Image\s+docker-daemon:busybox:latest \(linux\/amd64, classic store\)/);
    expect(text.stdout).toMatch(/#\s+Uncompressed\s+Compressed\s+Files\s+Instruction/);
    const md = dsg(['measure', 'busybox:latest', '--format', 'markdown'], { DOCKER_HOST: CLASSIC });
    expect(md.stdout).toContain('| Image');
  });

  it.each([
    [['measure'], /^error: measure takes one IMAGE, got 0/],
    [['measure', 'x', '--bogus'], /^error: Unknown option '--bogus'/],
    [['measure', 'x', '--format', 'yaml'], /^error: Invalid --format 'yaml'/],
    [['measure', 'x', '--platform', 'amd64'], /^error: Invalid platform 'amd64'/],
    [
      ['measure', 'docker-archive:/no/such.tar'],
      /^error: docker-archive:\/no\/such\.tar: no such file or directory\n$/,
    ],
    [['measure', 'no-such-image:1'], /^error: docker-daemon:no-such-image:1: no such image in the daemon/],
    [['frobnicate'], /^error: unknown command 'frobnicate'/],
  ])('exits 2 with one line and no stack trace for %j', (args, message) => {
    const r = dsg(args, { DOCKER_HOST: CLASSIC });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('says when the daemon is unreachable', () => {
    const r = dsg(['measure', 'busybox'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: docker-daemon:busybox: Docker daemon unreachable at unix:///nonexistent/docker.sock (ENOENT); is dockerd running?\n',
    );
  });

  it('compare exits 1 when a rule fails and 0 otherwise, with the delta docker reports', () => {
    const sizes = ['busybox:latest', 'debian:bookworm-slim'].map(
      (i) => JSON.parse(docker(CLASSIC, ['image', 'inspect', i]))[0],
    );
    const pass = dsg(['compare', 'busybox:latest', 'debian:bookworm-slim', '--format', 'json', '--max-size', '1GB'], {
      DOCKER_HOST: CLASSIC,
    });
    expect(pass.code, pass.stderr).toBe(0);
    const c = JSON.parse(pass.stdout);
    expect(c.layers).toEqual({ base: sizes[0].RootFS.Layers.length, head: sizes[1].RootFS.Layers.length });
    expect(c.uncompressed.delta).toBe(c.head.uncompressedBytes - c.base.uncompressedBytes);
    const fail = dsg(['compare', 'busybox:latest', 'debian:bookworm-slim', '--max-increase', '10MB'], {
      DOCKER_HOST: CLASSIC,
    });
    expect(fail.code).toBe(1);
    // The text says the same delta as the JSON, in the README's units (MB = 10⁶ bytes, one decimal).
    const grew = /FAIL {2}max-increase 10 MB: uncompressed size grew \+([\d.]+) MB/.exec(fail.stdout);
    expect(grew, fail.stdout).not.toBeNull();
    expect(Math.abs(Number(grew![1]) - c.uncompressed.delta / 1e6)).toBeLessThanOrEqual(0.05);
  });

  it('diff builds the working tree and the merge base, and cleans up', () => {
    const repo = join(tmp, 'repo');
    const { git, commit } = newRepo(repo);
    commit({ Dockerfile: 'FROM busybox\nRUN head -c 5000000 /dev/zero > /data.bin\n' }, 'base');
    git('checkout', '-qb', 'work');
    writeFileSync(join(repo, 'Dockerfile'), 'FROM busybox\nRUN head -c 1000000 /dev/zero > /data.bin\n'); // uncommitted
    const r = spawnSync('node', [cli, 'diff', '--format', 'json', '--max-increase', '1MB'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: CLASSIC },
    });
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    // Layer 1 holds one file each: 5,000,000 and 1,000,000 bytes of content.
    expect(c.base.layers[1].contentBytes).toBe(5_000_000);
    expect(c.head.layers[1].contentBytes).toBe(1_000_000);
    expect(c.verdict).toBe('pass');
    // Each build's steps, a line each as they finish, on stderr.
    expect(r.stderr).toMatch(/^ {2}(done|cached) \[2\/2\] RUN head -c 5000000 \/dev\/zero > \/data\.bin/m);
    expect(r.stderr).toMatch(/^ {2}(done|cached) \[2\/2\] RUN head -c 1000000 \/dev\/zero > \/data\.bin/m);
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(docker(CLASSIC, ['images', '-q', 'docker-size-guard-*']).trim()).toBe('');
  });

  it('rejects a plain rootfs tar as not an image', () => {
    const p = join(tmp, 'rootfs.tar');
    spawnSync('tar', ['-cf', p, '-C', root, 'package.json']);
    const r = dsg(['measure', `docker-archive:${p}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an image \(no manifest\.json or index\.json; a plain rootfs tar is not an image\)/);
  });

  it('never lets a base ref become a git option (issue 9 §9)', () => {
    const upstream = join(tmp, 'upstream');
    const clone = join(tmp, 'clone');
    execFileSync('git', ['init', '-q', '-b', 'main', upstream]);
    writeFileSync(join(upstream, 'Dockerfile'), 'FROM busybox\n');
    execFileSync('git', ['-C', upstream, 'add', '-A']);
    execFileSync('git', ['-C', upstream, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'x']);
    // A local-path remote: the transport on which --upload-pack runs a command.
    execFileSync('git', ['clone', '-q', upstream, clone]);
    const pwned = join(tmp, 'PWNED');
    for (const ref of [`--upload-pack=touch ${pwned};false`, '-c', 'x..y']) {
      const r = spawnSync('node', [cli, 'diff', `--base-ref=${ref}`], { cwd: clone, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error: Invalid --base-ref: '.*' is not a branch, tag or commit name/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('a cancelled diff (SIGINT to its process group, as Ctrl-C or a runner sends) leaves nothing behind', async () => {
    const repo = join(tmp, 'cancelled');
    const scratch = mkdtempSync(join(tmp, 'scratch-'));
    const { git, commit } = newRepo(repo);
    commit({ Dockerfile: 'FROM busybox\nRUN sleep 30 && echo base > /x\n' }, 'base');
    writeFileSync(join(repo, 'Dockerfile'), 'FROM busybox\nRUN sleep 30 && echo head > /x\n');
    const child = spawn('node', [cli, 'diff', '--base-ref', 'main'], {
      cwd: repo,
      detached: true, // its own process group, so the signal reaches buildx too, as Ctrl-C does
      env: { ...process.env, DOCKER_HOST: CLASSIC, TMPDIR: scratch },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Wait until the base build runs in its worktree, then cancel.
    for (let i = 0; i < 200 && git('worktree', 'list').trim().split('\n').length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('SIGINT: removing what this run made, then stopping');
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(readdirSync(scratch)).toEqual([]);
    expect(docker(CLASSIC, ['images', '-q', 'docker-size-guard-*']).trim()).toBe('');
  });
});

// The machine's own Node when it is 20 (this one's is, past its end of life), the suite running on a later one.
const node20 = ['/usr/bin/node', '/usr/local/bin/node'].find(
  (p) => existsSync(p) && spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.startsWith('20.'),
);

describe.skipIf(!node20)('the CLI on Node 20', () => {
  it('says in one line that it needs Node 22 or later, exit 2', () => {
    const r = spawnSync(node20!, [cli, 'measure', 'busybox'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: docker-size-guard needs Node\.js 22 or later; this is v20\.\d+\.\d+ /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
