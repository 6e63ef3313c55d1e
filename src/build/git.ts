import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { UserError } from '../errors.js';

const git = (root: string, args: string[], allowFailure = false) => exec('git', args, { cwd: root, allowFailure });

export async function hasCommit(root: string, rev: string): Promise<boolean> {
  return (await git(root, ['cat-file', '-e', `${rev}^{commit}`], true)).exitCode === 0;
}

/** Makes `rev` present, fetching it from origin when a shallow or partial checkout lacks it. */
export async function ensureCommit(root: string, rev: string): Promise<void> {
  if (await hasCommit(root, rev)) return;
  await git(root, ['fetch', '--no-tags', '--depth=50', 'origin', rev], true);
  if (!(await hasCommit(root, rev)))
    throw new UserError(
      `Invalid base: commit or ref '${rev}' is not in the repository and could not be fetched from origin`,
    );
}

export async function revParse(root: string, rev: string): Promise<string> {
  await ensureCommit(root, rev);
  return (await git(root, ['rev-parse', `${rev}^{commit}`])).stdout.trim();
}

/** The merge base of two commits, deepening a shallow clone until it is found. */
export async function mergeBase(root: string, a: string, b: string): Promise<string> {
  await ensureCommit(root, a);
  await ensureCommit(root, b);
  for (const deepen of [0, 100, 1000, -1]) {
    if (deepen > 0) await git(root, ['fetch', '--no-tags', `--deepen=${deepen}`, 'origin', a, b], true);
    if (deepen < 0) await git(root, ['fetch', '--no-tags', '--unshallow', 'origin'], true);
    const r = await git(root, ['merge-base', a, b], true);
    if (r.exitCode === 0) return r.stdout.trim();
    const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'], true)).stdout.trim() === 'true';
    if (!shallow) break;
  }
  throw new UserError(`Invalid base: ${a.slice(0, 12)} and ${b.slice(0, 12)} have no merge base`);
}

export async function fileAt(root: string, rev: string, path: string): Promise<boolean> {
  return (await git(root, ['cat-file', '-e', `${rev}:${path.replace(/^\.\//, '')}`], true)).exitCode === 0;
}

/** A file's text at a commit, or null when it is not there. */
export async function readAt(root: string, rev: string, path: string): Promise<string | null> {
  const r = await git(root, ['show', `${rev}:${path.replace(/^\.\//, '')}`], true);
  return r.exitCode === 0 ? r.stdout : null;
}

export interface Worktree {
  dir: string;
  remove(): Promise<void>;
}

/** A detached worktree of `rev` in a temporary directory; `remove()` deletes it and its administrative files. */
export async function addWorktree(root: string, rev: string, parent: string): Promise<Worktree> {
  const dir = await mkdtemp(join(parent, 'base-'));
  await git(root, ['worktree', 'add', '--detach', '--force', dir, rev]);
  return {
    dir,
    async remove() {
      await git(root, ['worktree', 'remove', '--force', dir], true);
      await rm(dir, { recursive: true, force: true });
      await git(root, ['worktree', 'prune'], true);
    },
  };
}
