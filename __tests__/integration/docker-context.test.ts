/**
 * Docker contexts, made by `docker context create` in a config directory of the test's own: the CLI measures the
 * daemon the context names (DOCKER_CONTEXT, `docker context use`), DOCKER_HOST overrides it as it does for the
 * docker CLI, `diff` builds and measures on the same daemon, and a context that does not exist is one line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEngine } from '../../src/sources/docker-context.js';
import { CLASSIC, CONTAINERD, docker, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload } from '../helpers/payloads.js';
import { runStep } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC, CONTAINERD);
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-context-'));
const config = join(tmp, 'docker-config');
const ONLY = 'dsg-context-only:1';
/** The environment of a developer whose Docker is a context: no DOCKER_HOST. */
const base = (): Record<string, string> => {
  const env = { ...process.env, DOCKER_CONFIG: config } as Record<string, string>;
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  return env;
};
const dsg = (args: string[], env: Record<string, string>, cwd?: string) =>
  spawnSync('node', [cli, ...args], { encoding: 'utf8', env, cwd, timeout: 300_000 });
const cliDocker = (args: string[], env: Record<string, string>) =>
  execFileSync('docker', args, { env, encoding: 'utf8' }).trim();

describe.skipIf(!ready)('docker contexts, as the docker CLI resolves them', () => {
  beforeAll(() => {
    // An image only the containerd-store daemon has: measuring the wrong daemon cannot find it.
    docker(CONTAINERD, ['tag', 'busybox:latest', ONLY]);
    cliDocker(['context', 'create', 'dsg-ctrd', '--docker', `host=${CONTAINERD}`], base());
  });
  afterAll(() => {
    spawnSync('docker', ['-H', CONTAINERD, 'image', 'rm', ONLY], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('resolves the endpoint the docker CLI itself reports, for each way of choosing it', () => {
    const withContext = { ...base(), DOCKER_CONTEXT: 'dsg-ctrd' };
    // The CLI's own answer is the independent source.
    const cliHost = cliDocker(['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'], withContext);
    expect(resolveEngine(withContext)).toMatchObject({ address: cliHost, from: 'context dsg-ctrd' });
    expect(cliHost).toBe(CONTAINERD);
    expect(resolveEngine(base())).toMatchObject({ address: CLASSIC, from: 'default' });
    expect(resolveEngine({ ...withContext, DOCKER_HOST: CLASSIC })).toMatchObject({
      address: CLASSIC,
      from: 'DOCKER_HOST',
    });
  });

  it('measure reads the daemon of DOCKER_CONTEXT, of `docker context use`, and of DOCKER_HOST over both', () => {
    const viaEnv = dsg(['measure', ONLY, '--no-files', '--format', 'json'], { ...base(), DOCKER_CONTEXT: 'dsg-ctrd' });
    expect(viaEnv.status, viaEnv.stderr).toBe(0);
    const inspect = JSON.parse(docker(CONTAINERD, ['image', 'inspect', ONLY]))[0];
    const measured = JSON.parse(viaEnv.stdout);
    // Found at all, it was read from the containerd daemon: the classic one has no such image.
    expect(measured.layers.map((l: { diffId: string }) => l.diffId)).toEqual(inspect.RootFS.Layers);
    expect(measured.source.store).toBe('containerd');
    cliDocker(['context', 'use', 'dsg-ctrd'], base());
    try {
      const viaUse = dsg(['measure', ONLY, '--no-files', '--format', 'json'], base());
      expect(viaUse.status, viaUse.stderr).toBe(0);
      expect(JSON.parse(viaUse.stdout).configDigest).toBe(measured.configDigest);
      // DOCKER_HOST wins over the context, as for the docker CLI: the classic daemon has no such image.
      const overridden = dsg(['measure', ONLY, '--no-files'], { ...base(), DOCKER_HOST: CLASSIC });
      expect(overridden.status).toBe(2);
      expect(overridden.stderr.trim()).toBe(`error: docker-daemon:${ONLY}: no such image in the daemon at ${CLASSIC}`);
    } finally {
      cliDocker(['context', 'use', 'default'], base());
    }
  });

  it('diff builds and measures on the context’s daemon', () => {
    const repo = join(tmp, 'repo');
    const { git, commit } = gitRepo(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    commit({ Dockerfile: 'FROM busybox\nRUN echo base > /f\n' }, 'base');
    commit({ Dockerfile: 'FROM busybox\nRUN head -c 300000 /dev/zero > /f\n' }, 'grow');
    const r = dsg(
      ['diff', '--base-ref', 'HEAD~1', '--format', 'json'],
      { ...base(), DOCKER_CONTEXT: 'dsg-ctrd' },
      repo,
    );
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    // Built by the context's own builder (buildx names it after the context), whose docker driver can export only
    // on the containerd store: the build ran on that daemon, and its export is what was measured.
    expect(c.head.source).toEqual({ transport: 'docker-archive', builder: { name: 'dsg-ctrd', driver: 'docker' } });
    expect(c.head.layers.at(-1).contentBytes).toBe(300_000);
    expect(git('status', '--porcelain')).toBe('');
  });

  it('the action builds and measures on the context’s daemon too (both sides), run as the runner runs it', async () => {
    const repo = join(tmp, 'action-repo');
    const { git, commit } = gitRepo(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const baseSha = commit({ Dockerfile: 'FROM busybox\nRUN echo base > /f\n' }, 'base');
    git('checkout', '-q', '-b', 'pr');
    const head = commit({ Dockerfile: 'FROM busybox\nRUN head -c 200000 /dev/zero > /f\n' }, 'grow');
    const api = new FakeGitHub();
    await api.start();
    try {
      const r = await runStep({
        api,
        tmp,
        workspace: repo,
        dockerHost: '',
        eventName: 'pull_request',
        payload: pullRequestPayload(7, baseSha, head),
        inputs: { comment: 'never' },
        env: { DOCKER_CONTEXT: 'dsg-ctrd', DOCKER_CONFIG: config },
      });
      expect(r.code, r.stdout).toBe(0);
      const e = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries[0];
      for (const side of [e.comparison.base, e.comparison.head])
        expect(side.source).toEqual({ transport: 'docker-archive', builder: { name: 'dsg-ctrd', driver: 'docker' } });
      expect(e.comparison.head.layers.at(-1).contentBytes).toBe(200_000);
    } finally {
      await api.stop();
    }
  });

  it('a context that does not exist is one line naming it, exit 2', () => {
    const r = dsg(['measure', ONLY, '--no-files'], { ...base(), DOCKER_CONTEXT: 'no-such' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`error: docker context 'no-such' (DOCKER_CONTEXT) does not exist`);
  });
});
