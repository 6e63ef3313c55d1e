/**
 * The base commit from a shallow checkout, as actions/checkout leaves it (depth 1): the PR's base and head commits
 * are fetched from origin and the clone is deepened until their merge base is found. Real git, a real remote.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addWorktree, fileAt, mergeBase, revParse } from '../../src/git/git.js';

const tmp = mkdtempSync(join(tmpdir(), 'dsg-git-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const origin = join(tmp, 'origin');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd, encoding: 'utf8' }).trim();

function commitFile(name: string, text: string, message: string): string {
  writeFileSync(join(origin, name), text);
  git(origin, 'add', '-A');
  git(origin, 'commit', '-qm', message);
  return git(origin, 'rev-parse', 'HEAD');
}

describe('the base commit in a shallow checkout', () => {
  execFileSync('mkdir', ['-p', origin]);
  git(origin, 'init', '-q', '-b', 'main');
  const forkPoint = commitFile('Dockerfile', 'FROM busybox\n', 'base');
  git(origin, 'checkout', '-qb', 'feature');
  for (let i = 0; i < 60; i++) commitFile('f.txt', String(i), `feature ${i}`); // deeper than the first fetch
  const head = git(origin, 'rev-parse', 'HEAD');
  git(origin, 'checkout', '-q', 'main');
  const mainTip = commitFile('other.txt', 'x', 'main moved on');

  it('fetches the missing commits and deepens until the merge base appears', async () => {
    const work = join(tmp, 'work');
    git(tmp, 'clone', '-q', '--depth=1', '--branch', 'feature', `file://${origin}`, work);
    expect(git(work, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(await mergeBase(work, mainTip, head)).toBe(forkPoint);
    expect(await fileAt(work, forkPoint, './Dockerfile')).toBe(true);
    expect(await fileAt(work, forkPoint, 'f.txt')).toBe(false);
    expect(await revParse(work, mainTip)).toBe(mainTip);

    const wt = await addWorktree(work, forkPoint, tmp);
    expect(git(wt.dir, 'rev-parse', 'HEAD')).toBe(forkPoint);
    await wt.remove();
    expect(git(work, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('names a base that does not exist anywhere', async () => {
    await expect(revParse(origin, 'no-such-branch')).rejects.toThrow(
      "Invalid base: commit or ref 'no-such-branch' is not in the repository and could not be fetched from origin",
    );
  });
});
