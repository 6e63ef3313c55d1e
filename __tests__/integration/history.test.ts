import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyFile, parseHistory } from '../../src/history/records.js';
import { appendHistory, readHistory, type HistoryLocation } from '../../src/history/store.js';
import type { HistoryRecord } from '../../src/model/history.js';
import { gitRepo } from '../helpers/git-repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'dsg-history-'));
const remote = join(tmp, 'remote.git');
const REF = 'docker-size-guard-history';

function record(i: number, image = 'api', platform = 'linux/amd64'): HistoryRecord {
  return {
    v: 1,
    image,
    platform,
    commit: i.toString(16).padStart(40, '0'),
    date: new Date(Date.UTC(2026, 10, 1) + i * 3600_000).toISOString(),
    uncompressed: 100_000_000 + i * 1000,
    compressed: 40_000_000 + i,
    compressedIsEstimate: false,
    layers: 5,
    efficiency: 0.99,
  };
}

function clone(name: string): HistoryLocation {
  const dir = join(tmp, name);
  execFileSync('git', ['clone', '-q', remote, dir], { stdio: 'ignore' });
  return { root: dir, ref: REF, remote: 'origin' };
}

/** What the remote's branch holds, read with git itself. */
function remoteFile(file: string): string {
  return execFileSync('git', ['--git-dir', remote, 'show', `${REF}:${file}`], { encoding: 'utf8' });
}

describe('the size history on its own branch, in a real bare remote', () => {
  beforeAll(() => {
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const seed = join(tmp, 'seed');
    mkdirSync(seed);
    const { git, commit } = gitRepo(seed);
    git('init', '-q', '-b', 'main');
    commit({ 'README.md': 'app\n' }, 'init');
    git('push', '-q', remote, 'main');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('starts the branch on the first push, and reads nothing before it', async () => {
    const a = clone('a');
    expect(await readHistory(a, ['api'])).toEqual({ tip: null, records: [], malformed: [], malformedCount: 0 });
    const r = await appendHistory(a, [record(1), record(1, 'api', 'linux/arm64')], 'api: 1');
    expect(r.attempts).toBe(1);
    const lines = remoteFile(historyFile('api')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).platform)).toEqual(['linux/amd64', 'linux/arm64']);
    // The working tree and the checked-out branch are untouched.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: a.root, encoding: 'utf8' })).toBe('');
    expect(execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: a.root, encoding: 'utf8' }).trim()).toBe(
      'main',
    );
    expect(
      execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: a.root, encoding: 'utf8' }).trim(),
    ).toBe('false');
  });

  it('two runs pushing at once from two clones: both land, none doubled', async () => {
    const b = clone('b');
    const c = clone('c');
    const sleep = () => new Promise<void>((r) => setTimeout(r, Math.random() * 50));
    const [rb, rc] = await Promise.all([
      appendHistory(b, [record(2), record(1)], 'b', sleep),
      appendHistory(c, [record(3), record(2, 'worker')], 'c', sleep),
    ]);
    expect(Math.max(rb.attempts, rc.attempts)).toBeGreaterThanOrEqual(1);
    const api = parseHistory(remoteFile(historyFile('api')));
    expect(api.malformed).toEqual([]);
    // record(1) was written before and again by b: once.
    expect(api.records.map((r) => `${parseInt(r.commit, 16)}:${r.platform}`)).toEqual([
      '1:linux/amd64',
      '1:linux/arm64',
      '2:linux/amd64',
      '3:linux/amd64',
    ]);
    expect(parseHistory(remoteFile(historyFile('worker'))).records).toHaveLength(1);
    // Each push is a commit on top of the one before: the branch's history has all three.
    expect(execFileSync('git', ['--git-dir', remote, 'rev-list', '--count', REF], { encoding: 'utf8' }).trim()).toBe(
      '3',
    );
  });

  it('many racing writers: every record lands exactly once', async () => {
    const clones = [0, 1, 2, 3].map((i) => clone(`race-${i}`));
    await Promise.all(clones.map((loc, i) => appendHistory(loc, [record(100 + i)], `race ${i}`)));
    const api = parseHistory(remoteFile(historyFile('api'))).records.map((r) => parseInt(r.commit, 16));
    expect(api.filter((n) => n >= 100).sort()).toEqual([100, 101, 102, 103]);
    expect(new Set(api).size).toBe(api.length - 1); // 1 is there for two platforms
  });

  it('reports a malformed line and skips it, never fails on it', async () => {
    const d = clone('d');
    // Someone edits the branch by hand and leaves a broken line and a record of the wrong shape.
    execFileSync('git', ['fetch', '-q', 'origin', REF], { cwd: d.root });
    execFileSync('git', ['checkout', '-q', '-b', REF, 'FETCH_HEAD'], { cwd: d.root });
    const { commit } = gitRepo(d.root);
    const file = historyFile('api');
    commit({ [file]: remoteFile(file) + '{not json\n{"v":1,"image":"api"}\n' }, 'hand edit');
    execFileSync('git', ['push', '-q', 'origin', `HEAD:refs/heads/${REF}`], { cwd: d.root });
    const read = await readHistory(d, ['api']);
    expect(read.malformed).toEqual([`${file}:9`, `${file}:10`]);
    expect(read.records.filter((r) => r.image === 'api')).toHaveLength(8);
    // The next append rewrites the file without them.
    await appendHistory(d, [record(200)], 'after the edit');
    expect(parseHistory(remoteFile(file))).toMatchObject({ malformed: [] });
  });

  it('several images at one commit, with names format 1 would have given one file: every record kept', async () => {
    const e = clone('e');
    const names = ['svc/api', 'svc_api', 'worker'];
    // One push records all three at the same commit and platform, twice over (a retried run): nothing lost, nothing doubled.
    await appendHistory(
      e,
      names.map((n) => record(300, n)),
      'three images',
    );
    await appendHistory(
      clone('f'),
      names.map((n) => record(300, n)),
      'three images again',
    );
    for (const n of names) {
      const onDisk = parseHistory(remoteFile(historyFile(n))).records.filter((r) => r.commit === record(300).commit);
      expect(onDisk.map((r) => r.image)).toEqual([n]);
    }
    const all = await readHistory(clone('g'));
    expect(
      all.records
        .filter((r) => r.commit === record(300).commit)
        .map((r) => r.image)
        .sort(),
    ).toEqual([...names].sort());
    expect((await readHistory(clone('h'), ['svc_api'])).records.every((r) => r.image === 'svc_api')).toBe(true);
  });
});
