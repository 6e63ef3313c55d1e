/**
 * The size history through dist/index.js as the runner runs it: pushes to main record it on its own branch of a
 * real (bare, local) origin; a pull request's comment shows the trend as a Mermaid chart whose numbers are the
 * records'; a fork's read-only run shows it too and writes nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyFile, parseHistory } from '../../src/history/records.js';
import { CLASSIC, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, pushPayload } from '../helpers/payloads.js';
import { stepsIn } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-history-e2e-'));
const repo = join(tmp, 'repo');
const origin = join(tmp, 'origin.git');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
const REF = 'docker-size-guard-history';
const { git, commit } = gitRepo(repo);

const dockerfile = (bytes: number) => `FROM busybox\nRUN head -c ${bytes} /dev/urandom > /payload.bin\n`;
const ZERO = '0'.repeat(40);

const remoteHistory = () =>
  parseHistory(
    execFileSync('git', ['--git-dir', origin, 'show', `${REF}:${historyFile('Dockerfile')}`], { encoding: 'utf8' }),
  );
const remoteTip = () =>
  execFileSync('git', ['--git-dir', origin, 'rev-parse', '--verify', '-q', REF], { encoding: 'utf8' }).trim();

/** The values of the chart's line, read back from the Mermaid block as bytes. */
function chartValues(body: string): number[] {
  const block = /```mermaid\n([\s\S]*?)\n```/.exec(body)![1]!;
  expect(block.split('\n')[0]).toBe('xychart-beta');
  const line = /^\s*line \[(.*)\]$/m.exec(block)![1]!;
  return line.split(',').map((v) => Math.round(Number(v.trim()) * 1e6));
}

const shas: string[] = [];
const measured: number[] = [];

describe.skipIf(!ready)('history and trends, run as the Actions runner runs it', () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', origin);
    // Two pushes to main, each recorded by the action's run on that push.
    let before = ZERO;
    for (const bytes of [1_000_000, 1_500_000]) {
      const sha = commit({ Dockerfile: dockerfile(bytes) }, `main ${bytes}`);
      git('push', '-q', 'origin', 'main');
      const r = await step({
        eventName: 'push',
        payload: pushPayload(before, sha),
        inputs: {},
      });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain(`History: 1 record(s) for ${sha.slice(0, 12)} pushed to ${REF}`);
      before = sha;
      shas.push(sha);
      const head = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries[0].comparison.head;
      // The payload layer holds exactly what the Dockerfile wrote: the run measured this image.
      expect(head.layers.at(-1).contentBytes).toBe(bytes);
      measured.push(head.uncompressedBytes);
    }
  }, 300_000);

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('records each push to main on the history branch, with the sizes the run measured', () => {
    const h = remoteHistory();
    expect(h.malformed).toEqual([]);
    expect(h.records.map((r) => r.commit)).toEqual(shas);
    expect(h.records.map((r) => r.uncompressed)).toEqual(measured);
    expect(h.records.every((r) => r.image === 'Dockerfile' && r.platform === 'linux/amd64' && r.layers === 2)).toBe(
      true,
    );
  });

  it("shows the trend in a pull request's comment: a chart whose numbers are the records, and words", async () => {
    git('checkout', '-q', '-b', 'feature');
    const head = commit({ Dockerfile: dockerfile(2_000_000) }, 'grow');
    const tipBefore = remoteTip();
    const r = await step({
      eventName: 'pull_request',
      payload: pullRequestPayload(21, shas[1]!, head),
      inputs: {},
    });
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8'));
    const prBytes = report.entries[0].comparison.head.uncompressedBytes;
    const body = api.comments.get(21)![0]!.body;
    expect(chartValues(body)).toEqual([...remoteHistory().records.map((x) => x.uncompressed), prBytes]);
    expect(body).toMatch(/📈 Dockerfile on `main`: .* over the last 2 builds, \+\d/);
    expect(body).toContain('this PR: ');
    // A pull request's run never writes the history.
    expect(remoteTip()).toBe(tipBefore);
  });

  it("a fork's read-only run still shows the trend, and writes nothing", async () => {
    const tipBefore = remoteTip();
    api.readOnly = true;
    try {
      const payload = pullRequestPayload(22, shas[1]!, git('rev-parse', 'HEAD')) as {
        pull_request: { head: { repo: { full_name: string } } };
      };
      payload.pull_request.head.repo.full_name = 'stranger/app';
      const r = await step({
        eventName: 'pull_request',
        payload,
        inputs: {},
      });
      expect(r.code, r.stdout).toBe(0);
      expect(chartValues(r.summary)).toHaveLength(3);
      expect(remoteTip()).toBe(tipBefore);
    } finally {
      api.readOnly = false;
    }
  });

  it('says how to start a history when there is none', async () => {
    const r = await step({
      eventName: 'pull_request',
      payload: pullRequestPayload(23, shas[1]!, git('rev-parse', 'HEAD')),
      inputs: { 'history-ref': 'no-such-history', comment: 'never' },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.summary).toContain('No size history for `main` yet: run this action on pushes to `main`');
    expect(r.summary).not.toContain('```mermaid');
  });

  it('two images whose names format 1 gave one file: each push records both, and a PR shows both trends', async () => {
    git('checkout', '-q', 'main');
    const images = '- name: svc/api\n  context: a\n- name: svc_api\n  context: b\n';
    const inputs = { images, 'history-ref': 'two-images', 'changed-only': 'false' };
    let before = git('rev-parse', 'HEAD');
    for (const [i, bytes] of [1_000_000, 1_200_000].entries()) {
      const sha = commit({ 'a/Dockerfile': dockerfile(bytes), 'b/Dockerfile': dockerfile(bytes * 2) }, `two ${i}`);
      git('push', '-q', 'origin', 'main');
      const r = await step({ eventName: 'push', payload: pushPayload(before, sha), inputs });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain(`History: 2 record(s) for ${sha.slice(0, 12)} pushed to two-images`);
      before = sha;
    }
    const file = (image: string) =>
      parseHistory(
        execFileSync('git', ['--git-dir', origin, 'show', `two-images:${historyFile(image)}`], { encoding: 'utf8' }),
      ).records;
    expect(file('svc/api').map((r) => r.image)).toEqual(['svc/api', 'svc/api']);
    expect(file('svc_api').map((r) => r.image)).toEqual(['svc_api', 'svc_api']);
    git('checkout', '-q', '-B', 'two-feature');
    const head = commit({ 'a/Dockerfile': dockerfile(1_300_000) }, 'grow a');
    const r = await step({ eventName: 'pull_request', payload: pullRequestPayload(24, before, head), inputs });
    expect(r.code, r.stdout).toBe(0);
    const entries = JSON.parse(readFileSync(r.outputs.report!, 'utf8')).entries as {
      name: string;
      trend: { records: { image: string }[] };
    }[];
    for (const e of entries) {
      expect(e.trend.records).toHaveLength(2);
      expect(e.trend.records.every((x) => x.image === e.name)).toBe(true);
    }
  });
});
