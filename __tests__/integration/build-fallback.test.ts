/**
 * When the builder looked able to export but buildx refuses the docker exporter (it says so before building), the
 * build loads into the daemon instead. Reproduced for real: a `docker` first on PATH makes `buildx inspect` of the
 * classic store's docker driver claim a containerd worker, so the export is tried and buildx 0.29 refuses it with
 * "Docker exporter is not supported for the docker driver." followed by a "Learn more at …" line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const ready = requireDaemons(CLASSIC);
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-fallback-'));

describe.skipIf(!ready)('a refused export falls back to loading', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('buildx refuses the exporter before building: the image is loaded and measured from the daemon', () => {
    const real = execFileSync('bash', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    const label = ' org.mobyproject.buildkit.worker.containerd.namespace: moby';
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1 $2" = "buildx inspect" ]; then "${real}" "$@" && echo '${label}'; exit $?; fi\nexec "${real}" "$@"\n`,
      { mode: 0o755 },
    );
    const repo = join(tmp, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    commit({ Dockerfile: 'FROM busybox\nRUN echo base > /f\n' }, 'base');
    commit({ Dockerfile: 'FROM busybox\nRUN head -c 123000 /dev/zero > /f\n' }, 'grow');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: CLASSIC };
    const r = spawnSync('node', [cli, 'diff', '--base-ref', 'HEAD~1', '--format', 'json'], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.head.source.transport).toBe('docker-daemon');
    expect(c.head.layers.at(-1).contentBytes).toBe(123_000);
  });
});
