import { exec } from '../exec.js';
import { UserError } from '../errors.js';
import { MAX_MEASUREMENT_BYTES } from './measurement.js';
import { IDENTITY } from './store.js';

/**
 * Where stored measurements live: one ref per image and commit in the repository itself,
 * `refs/<history-ref>/measurements/<image>/<commit time>-<commit>`, pointing at a commit (no parent) whose tree
 * holds one JSON file per platform. A pull request's run fetches only the one ref of its base commit; pruning
 * deletes refs, so what is pruned is gone from the repository, where a branch would keep every old file in its
 * history; and writers of different commits never touch the same ref (docs/action.md "One build per pull request").
 */
export interface MeasurementLocation {
  root: string;
  remote: string;
  /** The history branch's name: the refs are under refs/<it>/measurements/. */
  historyRef: string;
}

export interface StoredRef {
  ref: string;
  /** The ref's commit (what the lease of the next write expects). */
  sha: string;
  /** The measured commit and its committer time (seconds), from the ref's name. */
  commit: string;
  time: number;
}

const ATTEMPTS = 6;
/** Refs listed per image: a crafted flood of refs costs no more than this to read. */
const MAX_REFS = 5000;

const git = (loc: MeasurementLocation, args: string[], opts: { allowFailure?: boolean; input?: string } = {}) =>
  exec('git', args, { cwd: loc.root, env: IDENTITY, ...opts });

const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** An image name as one ref component: every byte outside `A-Z a-z 0-9 _ -` percent-encoded (`.lock`, `..` cannot occur). */
export function refComponent(image: string): string {
  return [...new TextEncoder().encode(image)]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** A platform as a file name in the ref's tree. */
export function platformFile(platform: string): string {
  return `${refComponent(platform)}.json`;
}

function imagePrefix(loc: MeasurementLocation, image: string): string {
  return `refs/${loc.historyRef}/measurements/${refComponent(image)}/`;
}

export function measurementRef(loc: MeasurementLocation, image: string, commit: string, time: number): string {
  return `${imagePrefix(loc, image)}${String(time).padStart(10, '0')}-${commit}`;
}

/** Parses `git ls-remote` output for one image's refs: only names this tool writes, newest first. Pure. */
export function parseRefs(text: string, prefix: string): StoredRef[] {
  const refs: StoredRef[] = [];
  for (let at = 0; at < text.length && refs.length < MAX_REFS;) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    const tab = line.indexOf('\t');
    if (tab !== 40 || !line.startsWith(prefix, tab + 1)) continue;
    const sha = line.slice(0, 40);
    const name = line.slice(tab + 1 + prefix.length);
    if (!/^[0-9a-f]{40}$/.test(sha) || !/^\d{10}-[0-9a-f]{40}$/.test(name)) continue;
    refs.push({ ref: line.slice(tab + 1), sha, time: Number(name.slice(0, 10)), commit: name.slice(11) });
  }
  return refs.sort((a, b) => b.time - a.time || (a.ref < b.ref ? 1 : -1));
}

/** The refs of one image at the remote, newest first. */
export async function listMeasurements(loc: MeasurementLocation, image: string): Promise<StoredRef[]> {
  const prefix = imagePrefix(loc, image);
  const r = await git(loc, ['ls-remote', '--refs', '--end-of-options', loc.remote, `${prefix}*`], {
    allowFailure: true,
  });
  if (r.exitCode !== 0) throw new UserError(`cannot list ${prefix}* at ${loc.remote}: ${lastLine(r.stderr)}`);
  return parseRefs(r.stdout, prefix);
}

/** A stored ref's files (the tree of its commit, fetched from the remote): name, blob and size, as written. */
async function storedFiles(loc: MeasurementLocation, ref: string, sha: string) {
  const f = await git(
    loc,
    ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--end-of-options', loc.remote, ref],
    {
      allowFailure: true,
    },
  );
  if (f.exitCode !== 0) throw new UserError(`cannot fetch ${ref}: ${lastLine(f.stderr)}`);
  const tree = await git(loc, ['ls-tree', '-z', '-l', '--end-of-options', `${sha}^{commit}`], { allowFailure: true });
  if (tree.exitCode !== 0) throw new UserError(`${ref} is not a commit`);
  const files: { name: string; oid: string; size: number }[] = [];
  for (const item of tree.stdout.split('\0').filter(Boolean).slice(0, 64)) {
    // <mode> SP <type> SP <object> SP+ <size> TAB <name>
    const tab = item.indexOf('\t');
    const [mode, type, oid, size] = item.slice(0, tab).split(/ +/);
    const name = item.slice(tab + 1);
    if (
      mode === '100644' &&
      type === 'blob' &&
      /^[0-9a-f]{40,64}$/.test(oid ?? '') &&
      /^[A-Za-z0-9_%-]+\.json$/.test(name)
    )
      files.push({ name, oid: oid!, size: Number(size) });
  }
  return files;
}

/** The files (platform file name → text) of a stored ref, fetched from the remote; each at most 64 MiB. */
export async function readMeasurementFiles(loc: MeasurementLocation, stored: StoredRef): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { name, oid, size } of await storedFiles(loc, stored.ref, stored.sha)) {
    if (size > MAX_MEASUREMENT_BYTES)
      throw new UserError(`${stored.ref}:${name} is larger than ${MAX_MEASUREMENT_BYTES} bytes; not read`);
    files.set(name, (await git(loc, ['cat-file', 'blob', oid])).stdout);
  }
  return files;
}

/**
 * Writes one image's measurement of a commit (one file per platform, beside the platforms other jobs stored for
 * the same commit) and pushes the ref with a lease on what was there: a concurrent writer of the same ref makes
 * the push fail, and the write is retried over what it stored. Then prunes the image's refs beyond the newest
 * `keep`; a ref already gone (another run pruned it) is no failure.
 */
export async function storeMeasurement(
  loc: MeasurementLocation,
  o: { image: string; commit: string; time: number; files: Map<string, string>; keep: number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ ref: string; attempts: number; pruned: number }> {
  const ref = measurementRef(loc, o.image, o.commit, o.time);
  for (let attempt = 1; ; attempt++) {
    const existing = (await listMeasurements(loc, o.image)).find((r) => r.ref === ref) ?? null;
    const blobs = new Map<string, string>();
    // Other jobs' platforms of the same commit are kept.
    if (existing) for (const f of await storedFiles(loc, ref, existing.sha)) blobs.set(f.name, f.oid);
    for (const [name, text] of o.files)
      blobs.set(name, (await git(loc, ['hash-object', '-w', '--stdin'], { input: text })).stdout.trim());
    const listing = [...blobs]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, oid]) => `100644 blob ${oid}\t${name}\n`)
      .join('');
    const tree = (await git(loc, ['mktree'], { input: listing })).stdout.trim();
    const message = `docker-size-guard: measurement of ${o.image} at ${o.commit.slice(0, 12)}`;
    const commit = (await git(loc, ['commit-tree', tree, '-m', message])).stdout.trim();
    const push = await git(
      loc,
      [
        'push',
        '--quiet',
        `--force-with-lease=${ref}:${existing?.sha ?? ''}`,
        '--end-of-options',
        loc.remote,
        `${commit}:${ref}`,
      ],
      { allowFailure: true },
    );
    if (push.exitCode === 0) return { ref, attempts: attempt, pruned: await prune(loc, o.image, o.keep) };
    const raced = /stale info|rejected|failed to update ref|cannot lock ref/i.test(push.stderr);
    if (!raced || attempt >= ATTEMPTS)
      throw new UserError(`pushing ${ref} to ${loc.remote} failed: ${lastLine(push.stderr)}`);
    await sleep(200 + Math.floor(Math.random() * 800 * attempt));
  }
}

async function prune(loc: MeasurementLocation, image: string, keep: number): Promise<number> {
  const old = (await listMeasurements(loc, image)).slice(keep);
  if (old.length === 0) return 0;
  let pruned = 0;
  // A few at a time: a ref another run deleted first fails only its own batch.
  for (let i = 0; i < old.length; i += 50) {
    const batch = old.slice(i, i + 50);
    const r = await git(loc, ['push', '--quiet', '--end-of-options', loc.remote, ...batch.map((b) => `:${b.ref}`)], {
      allowFailure: true,
    });
    if (r.exitCode === 0) pruned += batch.length;
  }
  return pruned;
}
