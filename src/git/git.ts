import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { UserError } from '../errors.js';

const git = (root: string, args: string[], allowFailure = false) => exec('git', args, { cwd: root, allowFailure });

/**
 * A ref or commit from an input, a PR event or the command line, checked before git sees it: never an option
 * (`--upload-pack=…`), never a path trick. Every git call below also puts `--end-of-options` before it.
 */
export function checkRev(rev: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/~^@{}+-]{0,254}$/.test(rev) || rev.includes('..') || rev.includes('@{-')) {
    throw new UserError(
      `Invalid ${what}: '${rev.slice(0, 80)}' is not a branch, tag or commit name (letters, digits and . _ / ~ ^ @ { } + -, not starting with - or .)`,
    );
  }
  return rev;
}

export async function hasCommit(root: string, rev: string): Promise<boolean> {
  return (await git(root, ['cat-file', '-e', '--end-of-options', `${rev}^{commit}`], true)).exitCode === 0;
}

/** Makes `rev` present, fetching it from origin when a shallow or partial checkout lacks it. */
export async function ensureCommit(root: string, rev: string): Promise<void> {
  if (await hasCommit(root, rev)) return;
  await git(root, ['fetch', '--no-tags', '--depth=50', '--end-of-options', 'origin', rev], true);
  if (!(await hasCommit(root, rev)))
    throw new UserError(
      `Invalid base: commit or ref '${rev}' is not in the repository and could not be fetched from origin`,
    );
}

export async function revParse(root: string, rev: string): Promise<string> {
  await ensureCommit(root, rev);
  return (await git(root, ['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).stdout.trim();
}

/** The merge base of two commits, deepening a shallow clone until it is found. */
export async function mergeBase(root: string, a: string, b: string): Promise<string> {
  await ensureCommit(root, a);
  await ensureCommit(root, b);
  for (const deepen of [0, 100, 1000, -1]) {
    if (deepen > 0)
      await git(root, ['fetch', '--no-tags', `--deepen=${deepen}`, '--end-of-options', 'origin', a, b], true);
    if (deepen < 0) await git(root, ['fetch', '--no-tags', '--unshallow', '--end-of-options', 'origin'], true);
    const r = await git(root, ['merge-base', '--end-of-options', a, b], true);
    if (r.exitCode === 0) return r.stdout.trim();
    const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'], true)).stdout.trim() === 'true';
    if (!shallow) break;
  }
  throw new UserError(`Invalid base: ${a.slice(0, 12)} and ${b.slice(0, 12)} have no merge base`);
}

/**
 * Repository-relative paths that differ between a commit and the working tree, or between two commits (renames
 * as delete + add).
 */
export async function changedSince(root: string, rev: string, to?: string): Promise<string[]> {
  const revs = to ? [rev, to] : [rev];
  const r = await git(root, ['diff', '--name-only', '-z', '--no-renames', '--end-of-options', ...revs, '--']);
  return r.stdout.split('\0').filter(Boolean);
}

/** The first-parent commits after `since` up to HEAD, oldest first, with `since` itself first. */
export async function commitsSince(root: string, since: string): Promise<string[]> {
  const first = await revParse(root, since);
  const r = await git(root, ['rev-list', '--first-parent', '--reverse', '--end-of-options', `${first}..HEAD`]);
  return [first, ...r.stdout.split('\n').filter(Boolean)];
}

/** The top of the git repository this process runs in; `command` names who needs it in the error. */
export async function repositoryRoot(command: string): Promise<string> {
  const top = await exec('git', ['rev-parse', '--show-toplevel'], { allowFailure: true });
  if (top.exitCode !== 0) throw new UserError(`${command} runs in a git repository: this directory is not in one`);
  return top.stdout.trim();
}

/** Whether the repository has a remote of this name. */
export async function hasRemote(root: string, name: string): Promise<boolean> {
  return (await git(root, ['remote', 'get-url', '--end-of-options', name], true)).exitCode === 0;
}

/** A commit's committer date, ISO 8601. */
export async function commitDate(root: string, rev: string): Promise<string> {
  const r = await git(root, ['show', '-s', '--format=%cI', '--end-of-options', rev]);
  return new Date(r.stdout.trim()).toISOString();
}

export async function fileAt(root: string, rev: string, path: string): Promise<boolean> {
  return (
    (await git(root, ['cat-file', '-e', '--end-of-options', `${rev}:${path.replace(/^\.\//, '')}`], true)).exitCode ===
    0
  );
}

/** A file's text at a commit, or null when it is not there. */
export async function readAt(root: string, rev: string, path: string): Promise<string | null> {
  const r = await git(root, ['show', '--end-of-options', `${rev}:${path.replace(/^\.\//, '')}`], true);
  return r.exitCode === 0 ? r.stdout : null;
}

export interface Worktree {
  dir: string;
  remove(): Promise<void>;
}

/** A detached worktree of `rev` in a temporary directory; `remove()` deletes it and its administrative files. */
export async function addWorktree(root: string, rev: string, parent: string): Promise<Worktree> {
  const dir = await mkdtemp(join(parent, 'base-'));
  await git(root, ['worktree', 'add', '--detach', '--force', '--end-of-options', dir, rev]);
  return {
    dir,
    async remove() {
      await git(root, ['worktree', 'remove', '--force', dir], true);
      await rm(dir, { recursive: true, force: true });
      await git(root, ['worktree', 'prune'], true);
    },
  };
}
