import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildImage, removeImage } from '../buildx/build-image.js';
import type { BuildInputs } from '../buildx/buildx-args.js';
import {
  addWorktree,
  changedSince,
  checkRev,
  commitDate,
  commitsSince,
  hasRemote,
  repositoryRoot,
} from '../git/git.js';
import { dockerfileOf } from '../buildx/sides.js';
import { measureImage } from '../engine.js';
import { UserError, errorMessage } from '../errors.js';
import { recordOf, trendFor } from '../history/trend.js';
import { appendHistory, checkHistoryRef, readHistory, type HistoryLocation } from '../history/store.js';
import { DEFAULT_HISTORY_REF, type HistoryRecord } from '../model/history.js';
import { trendMarkdown, trendText } from '../report/trend.js';
import { buildInputs, touches } from '../run/changed.js';
import { storeHeads } from '../run/stored-base.js';
import { redactText, secretValues } from '../run/redact.js';
import { cleanUpOnSignal } from '../util/interrupt.js';
import { parseFormat } from './args.js';
import type { Output } from './output.js';

export const HISTORY_USAGE = `Usage: docker-size-guard history [--ref BRANCH] [--image NAME] [--remote NAME|PATH] [--format text|json|markdown]
       docker-size-guard history backfill --since REF [--context DIR] [--file PATH] [--target STAGE]
                                          [--build-arg K=V]… [--builder NAME] [--image NAME] [--ref BRANCH] [--remote NAME|PATH]
The trend from the history branch (default ${DEFAULT_HISTORY_REF}, read from origin, else this repository).
backfill builds and measures each first-parent commit from REF to HEAD whose build inputs changed, records them
on the history branch of --remote (default: this repository; push the branch to share it), and stores each
one's full measurement (refs/BRANCH/measurements/…), which pull requests based on those commits take as their
base instead of building it (--measurements N keeps the newest N per image, default 100; 0 stores none).
`;

async function location(root: string, ref: string | undefined, remote: string | undefined, fallback: string) {
  const r = remote ?? (fallback === 'origin' && (await hasRemote(root, 'origin')) ? 'origin' : '.');
  if (r.startsWith('-')) throw new UserError(`Invalid --remote '${r}': not a remote name or path`);
  return { root, ref: checkHistoryRef(ref ?? DEFAULT_HISTORY_REF, '--ref'), remote: r } satisfies HistoryLocation;
}

export async function historyCommand(argv: string[], io: Output): Promise<number> {
  if (argv[0] === 'backfill') return backfill(argv.slice(1), io);
  const { values } = parseArgs({
    args: argv,
    options: {
      ref: { type: 'string' },
      image: { type: 'string' },
      remote: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  });
  const format = parseFormat(values.format);
  const loc = await location(await repositoryRoot('history'), values.ref, values.remote, 'origin');
  const read = await readHistory(loc, values.image ? [values.image] : undefined);
  for (const m of read.malformed) io.err(`warning: ${loc.ref}: ${m}: not a history record; skipped\n`);
  if (read.malformedCount > read.malformed.length)
    io.err(`warning: ${loc.ref}: ${read.malformedCount - read.malformed.length} more malformed lines skipped\n`);
  const groups = [...new Set(read.records.map((r) => `${r.image}\n${r.platform}`))].map((k) => k.split('\n'));
  const trends = groups.map(([image, platform]) => trendFor(read.records, image!, platform!, null));
  if (format === 'json') io.out(JSON.stringify(trends, null, 2) + '\n');
  else if (trends.length === 0)
    io.out(`No history on ${loc.ref}${read.tip ? '' : ' (the branch does not exist yet)'} at ${loc.remote}.\n`);
  else if (format === 'markdown') io.out(trends.map((t) => trendMarkdown(t, 'history')).join('\n\n') + '\n');
  else io.out(trends.map((t) => trendText(t).join('\n')).join('\n\n') + '\n');
  return 0;
}

async function backfill(argv: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      since: { type: 'string' },
      context: { type: 'string', default: '.' },
      file: { type: 'string', default: '' },
      target: { type: 'string', default: '' },
      'build-arg': { type: 'string', multiple: true, default: [] },
      builder: { type: 'string', default: '' },
      image: { type: 'string' },
      ref: { type: 'string' },
      remote: { type: 'string' },
      measurements: { type: 'string', default: '100' },
    },
  });
  if (!/^\d{1,5}$/.test(values.measurements))
    throw new UserError(`Invalid --measurements '${values.measurements.slice(0, 40)}': a whole number from 0 to 99999`);
  const keep = Number(values.measurements);
  if (!values.since) throw new UserError('history backfill needs --since REF (the first commit to measure)');
  const root = await repositoryRoot('history');
  const since = checkRev(values.since, '--since');
  const loc = await location(root, values.ref, values.remote, '.');
  const build: BuildInputs = {
    context: values.context,
    file: values.file,
    target: values.target,
    buildArgs: values['build-arg'],
    buildContexts: [],
    secrets: [],
    platforms: [],
    builder: values.builder,
    cacheFrom: [],
    cacheTo: [],
    pull: false,
    noCache: false,
  };
  const image = values.image ?? dockerfileOf(build);
  const inputs = buildInputs(build, root);
  const secrets = secretValues(build.buildArgs);
  const commits = await commitsSince(root, since);
  const tmp = await mkdtemp(join(tmpdir(), 'docker-size-guard-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const release = cleanUpOnSignal(cleanups, (m) => io.err(`${m}\n`));
  const records: HistoryRecord[] = [];
  let stored = 0;
  try {
    let previous: string | null = null;
    for (const [i, sha] of commits.entries()) {
      const step = `[${i + 1}/${commits.length}] ${sha.slice(0, 7)}`;
      // A commit that changed none of the build's inputs builds the same image: not built again.
      if (previous && inputs && !touches(await changedSince(root, previous, sha), inputs)) {
        io.err(`${step}: skipped (no change to ${inputs.filter(Boolean).join(', ') || 'the build inputs'})\n`);
        continue;
      }
      const worktree = await addWorktree(root, sha, tmp);
      const tag = `docker-size-guard-backfill:${randomBytes(4).toString('hex')}`;
      const undo = async () => {
        await removeImage(tag);
        await worktree.remove();
      };
      cleanups.push(undo);
      try {
        const built = await buildImage(build, worktree.dir, tag, tmp);
        const report = await measureImage(built.reference, {
          files: true,
          compressedEstimate: !built.exact,
          trustedArchive: true,
        });
        records.push(recordOf(image, report, sha, await commitDate(root, sha)));
        let storedNote = '';
        if (keep > 0) {
          // Stored as the action stores a push's head: as measured, with the builder that built it.
          const raw = { ...report, source: { ...report.source, builder: built.builder } };
          const where = { root, remote: loc.remote, historyRef: loc.ref };
          const s = await storeHeads(where, { name: image, build }, sha, [raw], keep);
          storedNote = typeof s === 'string' ? ` (measurement not stored: ${s})` : ', measurement stored';
          if (typeof s !== 'string') stored += 1;
        }
        io.err(`${step}: ${(report.uncompressedBytes ?? 0).toLocaleString('en')} bytes${storedNote}\n`);
        previous = sha;
      } catch (err) {
        io.err(`${step}: not recorded: ${redactText(errorMessage(err), secrets)}\n`);
      } finally {
        cleanups.splice(cleanups.indexOf(undo), 1);
        await undo();
      }
    }
    if (records.length === 0) throw new UserError('history backfill: no commit could be built and measured');
    const r = await appendHistory(loc, records, `docker-size-guard backfill: ${records.length} commits`);
    io.out(
      `${records.length} records on ${loc.ref}${loc.remote === '.' ? ` (local; share it with: git push origin ${loc.ref} 'refs/${loc.ref}/measurements/*')` : ` at ${loc.remote}`}, commit ${r.commit.slice(0, 12)}; ${stored} full measurement(s) stored\n`,
    );
    return 0;
  } finally {
    release();
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => io.err(`warning: cleanup: ${errorMessage(err)}\n`));
  }
}
