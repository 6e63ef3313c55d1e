/**
 * The stored measurements' refs with real git against a bare remote: writers racing lose nothing (different
 * commits; and the same commit's platforms, written by two jobs at once), pruning keeps the newest N by commit time
 * and leaves the rest, and the ref names the remote lists are read back as written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listMeasurements,
  measurementRef,
  readMeasurementFiles,
  storeMeasurement,
  type MeasurementLocation,
} from '../../src/history/measurement-store.js';
import { gitRepo } from '../helpers/git-repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'dsg-mstore-'));
const origin = join(tmp, 'origin.git');
/** Two clones, as two runner jobs have. */
const a = join(tmp, 'a');
const b = join(tmp, 'b');
const loc = (root: string): MeasurementLocation => ({ root, remote: 'origin', historyRef: 'dsg-history' });
const remoteRefs = () =>
  execFileSync('git', ['--git-dir', origin, 'for-each-ref', '--format=%(refname)', 'refs/dsg-history/'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
const commits: string[] = [];
const noSleep = async () => {};

describe('stored measurement refs, with real git', () => {
  beforeAll(() => {
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    for (const dir of [a, b]) {
      mkdirSync(dir);
      const { git } = gitRepo(dir);
      git('init', '-q', '-b', 'main');
      git('remote', 'add', 'origin', origin);
    }
    const { commit } = gitRepo(a);
    for (let i = 0; i < 5; i++) commits.push(commit({ f: String(i) }, `c${i}`));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('two jobs storing two commits at once: both stored', async () => {
    const files = (s: string) => new Map([['linux%2Famd64.json', `{"n":"${s}"}`]]);
    await Promise.all([
      storeMeasurement(loc(a), { image: 'svc/api', commit: commits[0]!, time: 1000, files: files('0'), keep: 10 }),
      storeMeasurement(loc(b), { image: 'svc/api', commit: commits[1]!, time: 1001, files: files('1'), keep: 10 }),
    ]);
    expect(remoteRefs()).toEqual([
      measurementRef(loc(a), 'svc/api', commits[0]!, 1000),
      measurementRef(loc(a), 'svc/api', commits[1]!, 1001),
    ]);
    expect(remoteRefs()[0]).toBe(`refs/dsg-history/measurements/svc%2Fapi/0000001000-${commits[0]}`);
  });

  it("two jobs storing one commit's two platforms at once: the lease makes the later one write over the other's, both kept", async () => {
    await Promise.all([
      storeMeasurement(
        loc(a),
        { image: 'multi', commit: commits[2]!, time: 2000, files: new Map([['amd.json', '"amd"']]), keep: 10 },
        noSleep,
      ),
      storeMeasurement(
        loc(b),
        { image: 'multi', commit: commits[2]!, time: 2000, files: new Map([['arm.json', '"arm"']]), keep: 10 },
        noSleep,
      ),
    ]);
    const [stored] = await listMeasurements(loc(a), 'multi');
    const files = await readMeasurementFiles(loc(b), stored!);
    expect(Object.fromEntries(files)).toEqual({ 'amd.json': '"amd"', 'arm.json': '"arm"' });
  });

  it('pruning keeps the newest N by commit time; a ref another run pruned first is no failure', async () => {
    for (let i = 0; i < 5; i++)
      await storeMeasurement(loc(a), {
        image: 'pruned',
        commit: commits[i]!,
        // Out of order: a backfill stores older commits after newer ones.
        time: [3004, 3001, 3003, 3000, 3002][i]!,
        files: new Map([['p.json', String(i)]]),
        keep: 100,
      });
    expect((await listMeasurements(loc(a), 'pruned')).map((r) => r.time)).toEqual([3004, 3003, 3002, 3001, 3000]);
    // Another run deletes one of the old ones first.
    execFileSync('git', ['--git-dir', origin, 'update-ref', '-d', measurementRef(loc(a), 'pruned', commits[3]!, 3000)]);
    const r = await storeMeasurement(loc(b), {
      image: 'pruned',
      commit: commits[0]!,
      time: 3004,
      files: new Map([['p.json', 'again']]),
      keep: 2,
    });
    expect(r.pruned).toBe(2);
    expect((await listMeasurements(loc(a), 'pruned')).map((x) => [x.time, x.commit])).toEqual([
      [3004, commits[0]],
      [3003, commits[2]],
    ]);
    // The other images' refs are untouched.
    expect((await listMeasurements(loc(a), 'svc/api')).length).toBe(2);
  });
});
