/**
 * Builds you can watch: the runner's log, read as it arrives while dist/index.js runs a slow build, shows the
 * build's steps before the build ends, inside the build's collapsed group; a build-arg value never appears in it
 * (only in the add-mask command the runner consumes), and a RUN cannot issue workflow commands through it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pushPayload } from '../helpers/payloads.js';
import { runStep } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-progress-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const TOKEN = 'tok-5ecr3t-value';

describe.skipIf(!ready)("a build's progress in the runner's log, as it runs", () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  });
  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows each step while the build runs, redacted, and no line a RUN prints is a workflow command', async () => {
    const sha = gitRepo(repo).commit(
      {
        Dockerfile:
          'FROM busybox\nARG TOKEN\nRUN echo "first step $TOKEN" && sleep 3\n' +
          'RUN echo "::warning::from the Dockerfile" && sleep 3 && echo second\n',
      },
      'slow',
    );
    const r = await runStep({
      api,
      tmp,
      workspace: repo,
      dockerHost: CLASSIC,
      eventName: 'push',
      payload: pushPayload('0'.repeat(40), sha),
      inputs: { 'build-args': `TOKEN=${TOKEN}`, 'no-cache': 'true', comment: 'never' },
    });
    expect(r.code, r.stdout).toBe(0);
    const at = (f: (l: string) => boolean) => r.timeline.find((x) => f(x.line));
    const first = at((l) => /^#\d+ \d+\.\d+ first step /.test(l));
    const done = at((l) => l.startsWith('PR build: '));
    expect(first, r.stdout).toBeDefined();
    // The first step's output was in the log while the second step still had seconds to run.
    expect(done!.ms - first!.ms).toBeGreaterThan(2500);
    expect(first!.line).toContain('first step ***');
    // Inside the build's group.
    const lines = r.timeline.map((x) => x.line);
    const open = lines.indexOf('::group::Build the PR image');
    const close = lines.indexOf('::endgroup::', open);
    const i = lines.indexOf(first!.line);
    expect(open).toBeGreaterThanOrEqual(0);
    expect(i > open && i < close).toBe(true);
    // The value only where the runner takes it to mask it.
    expect(lines.filter((l) => l.includes(TOKEN))).toEqual(lines.filter((l) => l === `::add-mask::${TOKEN}`));
    expect(lines.filter((l) => l.includes(TOKEN)).length).toBeGreaterThan(0);
    // The RUN's `::warning::` line is there, but not as a command.
    expect(lines.some((l) => l.includes('::warning::from the Dockerfile'))).toBe(true);
    expect(lines.filter((l) => l.trimStart().startsWith('::warning::from'))).toEqual([]);
    // Measuring shows its progress too: every layer read, counted against the layers the image has (busybox's
    // own, as the daemon lists them, and the two RUNs).
    const busybox = JSON.parse(docker(CLASSIC, ['image', 'inspect', 'busybox:latest']))[0].RootFS.Layers.length;
    const n = busybox + 2;
    const measuring = lines.filter((l) => l.startsWith('Measuring the PR image: '));
    expect(measuring.filter((l) => / layers read, /.test(l)).map((l) => l.split(' ')[4])).toEqual(
      Array.from({ length: n }, (_, i) => String(i + 1)),
    );
    expect(measuring.at(-1)).toMatch(
      new RegExp(`^Measuring the PR image: ${n} of ${n} layers read, [\\d.]+ [kMG]?B of about `),
    );
  }, 300_000);
});
