import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyFile, parseHistory } from '../../src/history/records.js';
import { CLASSIC, docker, gnuTarListing, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const ready = requireDaemons(CLASSIC);
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-cli-history-'));
const repo = join(tmp, 'repo');
const { git, commit } = gitRepo(repo);
const REF = 'docker-size-guard-history';

function dsg(args: string[]) {
  const r = spawnSync('node', [cli, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: CLASSIC },
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dockerfile = (bytes: number) => `FROM busybox\nRUN head -c ${bytes} /dev/urandom > /payload.bin\n`;

/** The image's uncompressed size as GNU tar reads it from a `docker save` of the same Dockerfile built here. */
function uncompressedOf(bytes: number): number {
  const ctx = mkdtempSync(join(tmp, 'ctx-'));
  execFileSync('bash', ['-c', `printf '%s' "$0" > ${ctx}/Dockerfile`, dockerfile(bytes)]);
  const tag = `dsg-cli-history-check:${bytes}`;
  docker(CLASSIC, ['buildx', 'build', '--progress=quiet', '--load', '-t', tag, ctx]);
  const tar = join(ctx, 'image.tar');
  docker(CLASSIC, ['save', '-o', tar, tag]);
  docker(CLASSIC, ['rmi', tag]);
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' }))[0];
  const sizes = new Map(gnuTarListing(tar).map((e) => [e.name, e.size]));
  return (manifest.Layers as string[]).reduce((s, l) => s + sizes.get(l)!, 0);
}

const shas: string[] = [];

describe.skipIf(!ready)('docker-size-guard history (CLI)', () => {
  beforeAll(() => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    // The image is built from app/; a commit that changes only the README outside it builds the same image.
    shas.push(commit({ 'app/Dockerfile': dockerfile(100_000) }, 'one'));
    shas.push(commit({ 'README.md': 'docs only\n' }, 'docs'));
    shas.push(commit({ 'app/Dockerfile': dockerfile(300_000) }, 'three'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('backfill builds the commits whose build inputs changed, records them on the local branch, leaves nothing', () => {
    const r = dsg(['history', 'backfill', '--since', shas[0]!, '--context', 'app']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^\\[1/3\\] ${shas[0]!.slice(0, 7)}: [\\d,]+ bytes, measurement stored$`, 'm'));
    expect(r.stderr).toContain(
      `[2/3] ${shas[1]!.slice(0, 7)}: skipped (no change to app, app/Dockerfile, app/Dockerfile.dockerignore)`,
    );
    expect(r.stderr).toMatch(new RegExp(`^\\[3/3\\] ${shas[2]!.slice(0, 7)}: [\\d,]+ bytes, measurement stored$`, 'm'));
    expect(r.stdout).toContain(
      `2 records on ${REF} (local; share it with: git push origin ${REF} 'refs/${REF}/measurements/*')`,
    );
    expect(r.stdout).toContain('2 full measurement(s) stored');
    // Each built commit's full measurement, under its own ref: the same totals as its history record.
    const refs = git('for-each-ref', '--format=%(refname)', `refs/${REF}/measurements/`).split('\n');
    expect(refs.map((x) => x.slice(-40))).toEqual(expect.arrayContaining([shas[0], shas[2]]));
    expect(refs).toHaveLength(2);
    const h = parseHistory(git('show', `${REF}:${historyFile('app/Dockerfile')}`));
    expect(h.records.map((x) => x.commit)).toEqual([shas[0], shas[2]]);
    expect(h.records.map((x) => x.uncompressed)).toEqual([uncompressedOf(100_000), uncompressedOf(300_000)]);
    for (const [i, sha] of [shas[0]!, shas[2]!].entries()) {
      const ref = refs.find((x) => x.endsWith(sha))!;
      const stored = JSON.parse(git('show', `${ref}:linux%2Famd64.json`));
      expect(stored.report.uncompressedBytes).toBe(h.records[i]!.uncompressed);
    }
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
    expect(git('status', '--porcelain')).toBe('');
    expect(docker(CLASSIC, ['images', '-q', 'docker-size-guard-backfill'])).toBe('');
  });

  it('prints the trend as text, JSON and markdown', () => {
    const text = dsg(['history']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('app/Dockerfile (linux/amd64), uncompressed');
    expect(text.stdout.match(/█/g)!.length).toBeGreaterThan(40);
    const json = JSON.parse(dsg(['history', '--format', 'json']).stdout);
    expect(json[0].records.map((x: { commit: string }) => x.commit)).toEqual([shas[0], shas[2]]);
    expect(dsg(['history', '--format', 'markdown']).stdout).toContain('```mermaid\nxychart-beta');
  });

  it('bad input: one line, exit 2', () => {
    for (const [args, message] of [
      [['history', 'backfill'], 'history backfill needs --since REF'],
      [['history', '--ref', '--upload-pack=touch /tmp/x'], "Option '--ref' argument is ambiguous"],
      [['history', '--ref=--upload-pack=touch /tmp/x'], 'Invalid --ref'],
      [['history', 'backfill', '--since', 'no-such-commit'], 'no-such-commit'],
    ] as const) {
      const r = dsg([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
      expect(r.stderr).toContain(message);
    }
  });
});
