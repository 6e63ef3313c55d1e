/**
 * Every layer on the Dockerfile line that made it, for real builds: a multi-stage Dockerfile whose final stage
 * builds on another stage, with a heredoc, continuation lines, an ARG in the instruction, COPY --from, an exec-form
 * RUN and a WORKDIR, built by the docker driver (classic store) and by the docker-container builder (its export).
 * The expected lines are found in the text this test wrote, not by the parser under test; the layer count is the
 * engine's own (`docker image inspect`, the export's config).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC, CONTAINERD, daemonUp, docker, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const ready = requireDaemons(CLASSIC);
const container =
  ready && spawnSync('docker', ['buildx', 'inspect', 'dsg-container'], { stdio: 'ignore' }).status === 0;
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-lines-'));
const nonce = `${process.pid}-${Date.now()}`;

const DOCKERFILE = `FROM busybox AS tools
RUN echo tools-${nonce} > /tools

FROM tools AS app
ARG VERSION=1
ENV MODE=prod
WORKDIR /srv/app
COPY a.txt ./
COPY --from=tools /tools /srv/tools
RUN echo "v$VERSION" > /v \\
    && echo more >> /v
RUN <<EOS
echo heredoc-${nonce} > /h
echo two >> /h
EOS
RUN ["sh", "-c", "echo exec > /e"]
USER nobody
`;
const text = DOCKERFILE.split('\n');
/** The 1-based lines of the instruction that starts with `start` (and of its last line, `end`). */
const at = (start: string, end = start) => {
  const s = text.findIndex((l) => l.startsWith(start)) + 1;
  const e = text.findIndex((l, i) => i >= s - 1 && l.startsWith(end)) + 1;
  return [s, e];
};
const EXPECTED = [
  ['from', ...at('FROM busybox AS tools')], // busybox's own layer
  ['history', ...at('RUN echo tools-')], // the stage the final one builds on
  ['history', ...at('WORKDIR /srv/app')],
  ['history', ...at('COPY a.txt')],
  ['history', ...at('COPY --from=tools')],
  ['history', ...at('RUN echo "v$VERSION"', '    && echo more')],
  ['history', ...at('RUN <<EOS', 'EOS')],
  // The history's text of an exec-form RUN with build args is hidden (its shell is not one the redaction knows):
  // found by its kind and place.
  ['order', ...at('RUN ["sh"')],
];

interface Layer {
  dockerfile: { file: string; startLine: number; endLine: number; found: string } | null;
}
const measured = (ref: string, dockerfile: string): Layer[] => {
  const r = spawnSync('node', [cli, 'measure', ref, '--dockerfile', dockerfile, '--no-files', '--format', 'json'], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).layers;
};
const asFound = (layers: Layer[]) =>
  layers.map((l) => [l.dockerfile?.found, l.dockerfile?.startLine, l.dockerfile?.endLine]);

describe.skipIf(!ready)('each layer on its Dockerfile line, built for real', () => {
  const dir = join(tmp, 'ctx');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  afterAll(() => {
    spawnSync('docker', ['image', 'rm', `dsg-lines:${nonce}`], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the docker driver on the classic store', () => {
    execFileSync('docker', ['buildx', 'build', '-q', '--build-arg', 'VERSION=42', '-t', `dsg-lines:${nonce}`, dir]);
    const layers = JSON.parse(docker(CLASSIC, ['image', 'inspect', `dsg-lines:${nonce}`]))[0].RootFS.Layers;
    // busybox's layers (as the engine lists them) and the seven the Dockerfile makes
    const base = JSON.parse(docker(CLASSIC, ['image', 'inspect', 'busybox:latest']))[0].RootFS.Layers.length;
    expect(layers).toHaveLength(base + 7);
    const got = measured(`dsg-lines:${nonce}`, join(dir, 'Dockerfile'));
    expect(asFound(got)).toEqual([...Array(base - 1).fill(EXPECTED[0]), ...EXPECTED]);
    expect(got.every((l) => l.dockerfile?.file === join(dir, 'Dockerfile'))).toBe(true);
  });

  it.skipIf(!container)('the docker-container builder, measured from its export', () => {
    const out = join(tmp, 'export.tar');
    execFileSync('docker', [
      'buildx',
      'build',
      '-q',
      '--builder',
      'dsg-container',
      '--build-arg',
      'VERSION=42',
      '--output',
      `type=docker,dest=${out}`,
      dir,
    ]);
    const got = measured(`docker-archive:${out}`, join(dir, 'Dockerfile'));
    expect(asFound(got).slice(-7)).toEqual(EXPECTED.slice(1));
    expect(got.slice(0, -7).every((l) => l.dockerfile?.found === 'from' && l.dockerfile.startLine === 1)).toBe(true);
  });

  it('--target: the stage built, and diff puts the lines on the repository-relative Dockerfile', () => {
    const repo = join(tmp, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    commit({ 'docker/Dockerfile': DOCKERFILE, 'docker/a.txt': 'a\n' }, 'base');
    commit({ 'docker/Dockerfile': DOCKERFILE.replace('echo more', 'echo much more'), 'docker/a.txt': 'a\n' }, 'pr');
    const r = spawnSync(
      'node',
      [
        cli,
        'diff',
        '--base-ref',
        'HEAD~1',
        '--context',
        'docker',
        '--file',
        'docker/Dockerfile',
        '--target',
        'tools',
        '--format',
        'json',
      ],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const head = JSON.parse(r.stdout).head.layers as Layer[];
    // A build of this run: BuildKit's source map says which step made the layer.
    expect(head.at(-1)!.dockerfile).toEqual({
      file: 'docker/Dockerfile',
      startLine: 2,
      endLine: 2,
      found: 'provenance',
    });
    expect(head.at(0)!.dockerfile).toEqual({ file: 'docker/Dockerfile', startLine: 1, endLine: 1, found: 'from' });
  });

  // The build flow reads the source map BuildKit wrote into buildx's metadata file: the layers this Dockerfile made
  // are exact, the exec-form RUN's too (its history text is hidden); the base image's stay on the FROM line.
  it.each([
    ['the docker driver, classic store', '', CLASSIC],
    ['the docker driver, containerd store', '', CONTAINERD],
    ['the docker-container builder', 'dsg-container', CLASSIC],
  ])("diff's builds, from BuildKit's source map: %s", (_, builder, host) => {
    if ((builder && !container) || !daemonUp(host)) return;
    const repo = join(tmp, `map-${builder || 'docker'}-${host === CLASSIC ? 'classic' : 'containerd'}`);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    commit({ Dockerfile: DOCKERFILE, 'a.txt': 'a\n' }, 'base');
    commit({ Dockerfile: DOCKERFILE.replace('echo more', 'echo much more'), 'a.txt': 'a\n' }, 'pr');
    const flags = ['--build-arg', 'VERSION=42', ...(builder ? ['--builder', builder] : [])];
    const r = spawnSync('node', [cli, 'diff', '--base-ref', 'HEAD~1', ...flags, '--format', 'json'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: host },
    });
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    const got = asFound(c.head.layers as Layer[]);
    const exact = EXPECTED.slice(1).map(([, s, e]) => ['provenance', s, e]);
    expect(got.slice(-exact.length)).toEqual(exact);
    expect(got.slice(0, -exact.length).every(([f, s]) => f === 'from' && s === 1)).toBe(true);
    // The base's lines are its history's, as a stored base's would be: the same lines, found the other way.
    expect(asFound(c.base.layers as Layer[]).map(([, s, e]) => [s, e])).toEqual(got.map(([, s, e]) => [s, e]));
    // The metadata file's provenance holds build-arg values: none of it reaches the report.
    expect(r.stdout).not.toContain('"42"');
  });

  it("a FROM bump: the change is the base image's, as GNU tar reads the base images' layers", () => {
    const repo = join(tmp, 'bump');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    commit({ Dockerfile: `FROM busybox\nRUN echo ${nonce} > /same\n` }, 'base');
    commit({ Dockerfile: `FROM debian:bookworm-slim\nRUN echo ${nonce} > /same\n` }, 'bump');
    const r = spawnSync('node', [cli, 'diff', '--base-ref', 'HEAD~1', '--format', 'json'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    // Each base image's layer tars, as `docker save` stores them (blobs/sha256/<diff_id>), sized by GNU tar.
    const tarBytes = (image: string) => {
      const save = join(tmp, 'save.tar');
      execFileSync('docker', ['save', '-o', save, image]);
      const listing = execFileSync('tar', ['-tvf', save], { encoding: 'utf8' });
      const layers: string[] = JSON.parse(docker(CLASSIC, ['image', 'inspect', image]))[0].RootFS.Layers;
      return layers.reduce((n, id) => {
        const line = listing.split('\n').find((l) => l.endsWith(`blobs/sha256/${id.slice(7)}`))!;
        return n + Number(line.split(/\s+/)[2]);
      }, 0);
    };
    expect(c.split.baseImage.base).toBe(tarBytes('busybox:latest'));
    expect(c.split.baseImage.head).toBe(tarBytes('debian:bookworm-slim'));
    // The RUN writes the same file on both: the Dockerfile's own layers are the RUN layer on each side.
    expect(c.split.own.base).toBe(c.base.layers.at(-1).uncompressedBytes);
    expect(c.split.own.head).toBe(c.head.layers.at(-1).uncompressedBytes);
    // The same bump under an increase rule: the whole image fails it, the Dockerfile's own layers do not.
    const judged = (...flags: string[]) =>
      spawnSync('node', [cli, 'diff', '--base-ref', 'HEAD~1', '--max-increase', '1kB', ...flags], {
        cwd: repo,
        encoding: 'utf8',
      });
    expect(judged().status).toBe(1);
    const own = judged('--judge', 'own-layers');
    expect(own.status, own.stdout + own.stderr).toBe(0);
  });
});
