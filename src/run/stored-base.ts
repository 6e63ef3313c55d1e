import { inspectBuilder } from '../buildx/builder.js';
import { dockerfileOf } from '../buildx/sides.js';
import { errorMessage } from '../errors.js';
import { changedSince, commitDate, ensureCommit, readAt } from '../git/git.js';
import { fingerprint, fingerprintChange, type BuildFingerprint } from '../history/fingerprint.js';
import {
  decodeMeasurement,
  encodeMeasurement,
  UnusableMeasurement,
  type StoredMeasurement,
} from '../history/measurement.js';
import {
  listMeasurements,
  platformFile,
  type StoredRef,
  readMeasurementFiles,
  storeMeasurement,
  type MeasurementLocation,
} from '../history/measurement-store.js';
import type { ImageReport } from '../model/image-report.js';
import { buildInputs, touches } from './changed.js';
import type { ImageTarget } from './images.js';

/** The fingerprint of `target` built at `commit`, or why there is none (a Dockerfile outside the repository). */
export async function fingerprintAt(
  root: string,
  target: Pick<ImageTarget, 'name' | 'build'>,
  commit: string,
): Promise<BuildFingerprint | string> {
  const dockerfile = dockerfileOf(target.build);
  // A path outside the repository is not in the commit either.
  const text = await readAt(root, commit, dockerfile);
  if (text === null) return `${dockerfile} is not in the repository at ${commit.slice(0, 7)}`;
  const { builder, exports, native } = await inspectBuilder(target.build.builder);
  return fingerprint({
    image: target.name,
    commit,
    build: target.build,
    dockerfile,
    dockerfileText: text,
    driver: builder.driver,
    exports,
    native,
  });
}

export type StoredBase =
  | {
      found: StoredMeasurement[];
      /** Set when the measurement is of an earlier commit from which no file the image is built from changed. */
      unchangedTo?: string;
    }
  | { missing: string; warning?: string };

/** Earlier commits looked at when the base commit has no measurement (changed-only leaves unchanged images out). */
const EARLIER = 5;

/**
 * The stored measurement of `commit`, or of the newest earlier commit from which no file the image is built from
 * changed (a push that changed only other images builds and stores only those): the same files give the same
 * image. Null when neither is there.
 */
async function storedFor(loc: MeasurementLocation, target: ImageTarget, commit: string, refs: StoredRef[]) {
  const exact = refs.find((r) => r.commit === commit);
  if (exact) return exact;
  const inputs = buildInputs(target.build, loc.root);
  if (!inputs) return null;
  const time = Math.floor(Date.parse(await commitDate(loc.root, commit)) / 1000);
  for (const r of refs.filter((x) => x.time <= time).slice(0, EARLIER)) {
    const there = await ensureCommit(loc.root, r.commit).then(
      () => true,
      () => false,
    );
    if (there && !touches(await changedSince(loc.root, r.commit, commit), inputs)) return r;
  }
  return null;
}

/**
 * The base side from what the default branch stored when `commit` was pushed: one measurement per platform the
 * target builds (one, of the platform it was measured on, when it names none), with the fingerprint the base
 * would be built with. Anything else is a reason to build the base, and a stored file that is not a measurement
 * is also a warning; nothing read is used unchecked.
 */
export async function readStoredBase(
  loc: MeasurementLocation,
  target: ImageTarget,
  commit: string,
  branch: string,
): Promise<StoredBase> {
  let stored: StoredRef | null;
  try {
    stored = await storedFor(loc, target, commit, await listMeasurements(loc, target.name));
  } catch (err) {
    return { missing: `the stored measurements could not be listed (${errorMessage(err)})` };
  }
  if (!stored) return { missing: `no measurement of ${commit.slice(0, 7)} is stored (pushes to ${branch} store one)` };
  // The digest is salted with the measured commit: the base's inputs are fingerprinted as at that one.
  const wanted = await fingerprintAt(loc.root, target, stored.commit);
  if (typeof wanted === 'string') return { missing: wanted };
  const measurements: StoredMeasurement[] = [];
  try {
    const files = await readMeasurementFiles(loc, stored);
    for (const [name, text] of files) {
      try {
        measurements.push(decodeMeasurement(text, { image: target.name, commit: stored.commit }));
      } catch (err) {
        if (!(err instanceof UnusableMeasurement)) throw err;
        const why = `the stored measurement ${stored.ref}:${name} is unusable: ${err.message}`;
        return { missing: why, warning: why };
      }
    }
  } catch (err) {
    const why = `the stored measurement could not be read (${errorMessage(err)})`;
    return { missing: why, warning: why };
  }
  const platforms = target.build.platforms;
  const matching = measurements.filter((m) => m.inputs.digest === wanted.digest);
  // The digest covers the platforms: a build that names none matches only measurements that named none.
  const found = platforms.length ? platforms.map((p) => matching.find((m) => m.platform === p)) : matching.slice(0, 1);
  if (found.length > 0 && found.every((m): m is StoredMeasurement => m !== undefined))
    return stored.commit === commit ? { found } : { found, unchangedTo: commit };
  if (matching.length > 0)
    return { missing: `the measurement of ${stored.commit.slice(0, 7)} lacks a platform this build makes` };
  const other = measurements[0];
  if (!other) return { missing: `the stored measurement of ${stored.commit.slice(0, 7)} is empty` };
  const change = fingerprintChange(other.inputs, wanted)!;
  return { missing: `the base would be built from other inputs than ${branch} was measured with: ${change}` };
}

/** A raw head report (before ignore-paths and the advice), stored as the measurement of `commit`. */
export async function storeHeads(
  loc: MeasurementLocation,
  target: Pick<ImageTarget, 'name' | 'build'>,
  commit: string,
  raw: readonly ImageReport[],
  keep: number,
): Promise<{ ref: string; attempts: number; pruned: number } | string> {
  const inputs = await fingerprintAt(loc.root, target, commit);
  if (typeof inputs === 'string') return inputs;
  const date = await commitDate(loc.root, commit);
  const files = new Map<string, string>();
  for (const r of raw) {
    if (!r.contents) return `${r.platform} was measured without its files`;
    files.set(
      platformFile(r.platform),
      encodeMeasurement({
        image: target.name,
        platform: r.platform,
        commit,
        date,
        inputs,
        report: { ...r, contents: r.contents },
      }),
    );
  }
  return storeMeasurement(loc, {
    image: target.name,
    commit,
    time: Math.floor(Date.parse(date) / 1000),
    files,
    keep,
  });
}
