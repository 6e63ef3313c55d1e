import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRev } from '../git/git.js';
import { exec } from '../exec.js';
import { UserError } from '../errors.js';
import type { HistoryRecord } from '../model/history.js';
import { historyFile, legacyHistoryFile, mergeRecords, parseHistory, serializeHistory } from './records.js';

/** A history file larger than this is not read (a year of pushes for one image is well under 10 MB). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const ATTEMPTS = 6;

export interface HistoryLocation {
  /** The repository (a checkout). */
  root: string;
  /** The branch that holds the history, e.g. docker-size-guard-history. */
  ref: string;
  /** Where it is read from and pushed to; `origin` on a runner, a path or URL in tests. */
  remote: string;
}

export interface ReadResult {
  /** The branch's commit, null when the branch does not exist yet. */
  tip: string | null;
  records: HistoryRecord[];
  /** Lines skipped, as `images/api.jsonl:7` (the first ones of each file), and how many there were in all. */
  malformed: string[];
  malformedCount: number;
}

const git = (
  loc: HistoryLocation,
  args: string[],
  opts: { allowFailure?: boolean; env?: Record<string, string>; input?: string } = {},
) => exec('git', args, { cwd: loc.root, ...opts });

/** The branch name, checked as every ref from an input is: never an option, never a path trick. */
export function checkHistoryRef(ref: string, what: string): string {
  checkRev(ref, what);
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(ref) || ref.includes('..'))
    throw new UserError(`Invalid ${what}: '${ref}' is not a branch name`);
  return ref;
}

/** Fetches the history branch (never shallow: that would make the checkout shallow). Null when it does not exist. */
async function fetchTip(loc: HistoryLocation): Promise<string | null> {
  const r = await git(loc, ['fetch', '--quiet', '--no-tags', '--end-of-options', loc.remote, `refs/heads/${loc.ref}`], {
    allowFailure: true,
  });
  if (r.exitCode !== 0) {
    if (/couldn't find remote ref|not our ref|no such ref/i.test(r.stderr)) return null;
    throw new UserError(
      `History: cannot fetch ${loc.ref} from ${loc.remote}: ${r.stderr.trim().split('\n').pop() ?? ''}`,
    );
  }
  return (await git(loc, ['rev-parse', '--verify', 'FETCH_HEAD^{commit}'])).stdout.trim();
}

async function readFileAt(loc: HistoryLocation, tip: string, file: string): Promise<string | null> {
  const size = await git(loc, ['cat-file', '-s', '--end-of-options', `${tip}:${file}`], { allowFailure: true });
  if (size.exitCode !== 0) return null;
  if (Number(size.stdout.trim()) > MAX_FILE_BYTES)
    throw new UserError(`History: ${loc.ref}:${file} is larger than 16 MiB; not read`);
  return (await git(loc, ['cat-file', 'blob', '--end-of-options', `${tip}:${file}`])).stdout;
}

/** The records of these images (all images when none is named) at the branch's tip. */
export async function readHistory(loc: HistoryLocation, images?: readonly string[]): Promise<ReadResult> {
  const tip = await fetchTip(loc);
  if (!tip) return { tip: null, records: [], malformed: [], malformedCount: 0 };
  let files: string[];
  // Format 1's file too, where two names could share one: each image's records are picked by the name inside.
  if (images) files = [...new Set(images.flatMap((i) => [historyFile(i), legacyHistoryFile(i)]))];
  else {
    const ls = await git(loc, ['ls-tree', '-r', '--name-only', '-z', '--end-of-options', tip, '--', 'images/']);
    files = ls.stdout
      .split('\0')
      .filter((f) => f.endsWith('.jsonl'))
      .slice(0, 1000);
  }
  const wanted = images ? new Set(images) : null;
  const records: HistoryRecord[] = [];
  const malformed: string[] = [];
  let malformedCount = 0;
  for (const file of files) {
    const text = await readFileAt(loc, tip, file);
    if (text === null) continue;
    const parsed = parseHistory(text);
    for (const r of parsed.records) if (!wanted || wanted.has(r.image)) records.push(r);
    malformed.push(...parsed.malformed.map((n) => `${file}:${n}`));
    malformedCount += parsed.malformedCount;
  }
  return { tip, records: mergeRecords(records), malformed, malformedCount };
}

/** The identity of what this tool commits (the Actions bot's, as on a runner). */
export const IDENTITY = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'github-actions[bot]',
  GIT_COMMITTER_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

/**
 * Appends records to the history branch and pushes it. Nothing is checked out and the working tree is not
 * touched: the new commit is made with a temporary index. When another run pushed meanwhile, the push is
 * refused; then the branch is fetched again, the records merged by commit and platform, and the push retried.
 */
export async function appendHistory(
  loc: HistoryLocation,
  add: readonly HistoryRecord[],
  message: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ commit: string; attempts: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'dsg-history-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const tip = await fetchTip(loc);
      const env = { ...IDENTITY, GIT_INDEX_FILE: join(dir, `index-${attempt}`) };
      if (tip) await git(loc, ['read-tree', '--end-of-options', tip], { env });
      // One file per image name (the names cannot collide), each read and written once per attempt.
      for (const image of new Set(add.map((r) => r.image))) {
        const file = historyFile(image);
        const before = tip ? await readFileAt(loc, tip, file) : null;
        const merged = mergeRecords(
          before ? parseHistory(before).records.filter((r) => r.image === image) : [],
          add.filter((r) => r.image === image),
        );
        const blob = (
          await git(loc, ['hash-object', '-w', '--stdin'], { input: serializeHistory(merged) })
        ).stdout.trim();
        await git(loc, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
      }
      const tree = (await git(loc, ['write-tree'], { env })).stdout.trim();
      const parents = tip ? ['-p', tip] : [];
      const commit = (await git(loc, ['commit-tree', tree, ...parents, '-m', message], { env })).stdout.trim();
      const push = await git(
        loc,
        ['push', '--quiet', '--end-of-options', loc.remote, `${commit}:refs/heads/${loc.ref}`],
        {
          allowFailure: true,
        },
      );
      if (push.exitCode === 0) return { commit, attempts: attempt };
      const raced = /rejected|non-fast-forward|fetch first|failed to update ref|cannot lock ref/i.test(push.stderr);
      if (!raced || attempt >= ATTEMPTS)
        throw new UserError(
          `History: pushing ${loc.ref} to ${loc.remote} failed: ${push.stderr.trim().split('\n').pop() ?? ''}`,
        );
      // Another run pushed in between: take its records too, after a random pause so two runs do not collide again.
      await sleep(200 + Math.floor(Math.random() * 800 * attempt));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
