/**
 * `diff` at a terminal: buildx draws its own progress ("[+] Building …") where a person watches, run here under a
 * real pseudo-terminal (util-linux's `script`), and the cache use is read back from buildx's build record. With a
 * --build-arg, whose value buildx's output could show, the CLI prints one redacted line per step instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASSIC, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const ready = requireDaemons(CLASSIC) && spawnSync('script', ['--version']).status === 0;
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-tty-'));

/** Runs the CLI with stdin, stdout and stderr on a pty; the report goes to a file. */
function onTerminal(args: string[], cwd: string): { code: number; screen: string; report: string } {
  const report = join(tmp, `report-${randomBytes(3).toString('hex')}.json`);
  const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const env = { ...process.env, TERM: 'xterm-256color' } as Record<string, string>;
  delete env.CI; // a developer's terminal
  const r = spawnSync('script', ['-qec', `${quoted} > ${report}`, '/dev/null'], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, screen: r.stdout, report: readFileSync(report, 'utf8') };
}

describe.skipIf(!ready)('diff at a terminal', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const nonce = randomBytes(6).toString('hex'); // no build cache from an earlier run

  it("shows buildx's own progress, and counts the cached steps from the build record", () => {
    const repo = join(tmp, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    commit({ Dockerfile: `FROM busybox\nRUN echo ${nonce} > /a\n` }, 'base');
    commit({ Dockerfile: `FROM busybox\nRUN echo ${nonce} > /a\nRUN head -c 123456 /dev/zero > /b\n` }, 'grow');
    const r = onTerminal(['diff', '--base-ref', 'HEAD~1', '--format', 'json'], repo);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain('[+] Building');
    expect(r.screen).toMatch(/=> \[3\/3\] RUN head -c 123456/);
    // The Dockerfiles say it: the base has one RUN (new), the PR two, of which the first is the base's.
    expect(r.screen).toMatch(/Base build: builder default \(docker driver\), 0 of 1 steps cached/);
    expect(r.screen).toMatch(/PR build: builder default \(docker driver\), 1 of 2 steps cached/);
    expect(JSON.parse(r.report).head.layers.at(-1).contentBytes).toBe(123_456);
  });

  it('with a --build-arg: one redacted line per step, never the value', () => {
    const repo = join(tmp, 'repo-arg');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const { commit } = gitRepo(repo);
    const secret = `s3cr3t-${nonce}`;
    commit({ Dockerfile: `FROM busybox\nARG TOKEN\nRUN echo "$TOKEN ${nonce}" > /a\n` }, 'base');
    commit({ Dockerfile: `FROM busybox\nARG TOKEN\nRUN echo "$TOKEN ${nonce}" > /a && echo more >> /a\n` }, 'grow');
    const r = onTerminal(['diff', '--base-ref', 'HEAD~1', '--build-arg', `TOKEN=${secret}`, '--format', 'json'], repo);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).not.toContain('[+] Building');
    // BuildKit names the step with the value substituted: why its own progress is not drawn here.
    expect(r.screen).toContain(`  done [2/2] RUN echo "*** ${nonce}" > /a`);
    expect(r.screen + r.report).not.toContain(secret);
    const forced = onTerminal(
      ['diff', '--base-ref', 'HEAD~1', '--build-arg', `TOKEN=${secret}`, '--progress', 'tty'],
      repo,
    );
    expect(forced.code).toBe(2);
    expect(forced.screen.trim()).toBe(
      "error: Invalid --progress: 'tty' would show buildx's output unredacted, and --build-arg values can appear in it; use plain or auto",
    );
  });

  it('measure shows how far it has read, on one line it clears when done', () => {
    const layers = JSON.parse(
      execFileSync('docker', ['image', 'inspect', 'debian:bookworm-slim'], { encoding: 'utf8' }),
    )[0].RootFS.Layers.length;
    const r = onTerminal(['measure', 'debian:bookworm-slim', '--format', 'json'], tmp);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain(`\r\x1b[Kmeasuring: ${layers} of ${layers} layer${layers === 1 ? '' : 's'} read, `);
    expect(r.screen.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(r.report).layers).toHaveLength(layers);
  });
});
