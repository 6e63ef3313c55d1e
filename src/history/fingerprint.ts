import { createHash, pbkdf2Sync } from 'node:crypto';
import type { BuildInputs } from '../buildx/buildx-args.js';

/**
 * What an image of a commit was built from beyond the commit's files: the Dockerfile's content, the build inputs
 * a workflow passes (target, build-args, platforms, build-contexts, secret ids) and the builder's driver (not its
 * name: every runner job creates a builder with a new one). A stored measurement serves as a base only when the
 * base would be built from the same.
 */
export interface BuildFingerprint {
  /** One digest over all of it, values included (see `fingerprint`). */
  digest: string;
  /** The same without any value a workflow passes: what the comment can name when two fingerprints differ. */
  summary: FingerprintSummary;
}

export interface FingerprintSummary {
  dockerfile: string;
  dockerfileDigest: string;
  context: string;
  target: string;
  platforms: string[];
  /** Names only. */
  buildArgs: string[];
  /** Names only. */
  buildContexts: string[];
  /** Ids only. */
  secrets: string[];
  driver: string;
  /** Whether the builder exports the blobs a push stores (exact compressed sizes) or loads into the daemon. */
  exports: boolean;
  /** The builder's own platform: what a build that names no platform is built for (an arm64 runner's differs). */
  native: string;
}

/** pbkdf2 rounds: about 0.1 s here, which a brute-force search for a build-arg value pays per guess. */
const ROUNDS = 200_000;

const nameOf = (kv: string) => (kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The fingerprint of one image's build at one commit. The stored file is readable by anyone who can read the
 * repository, and build-args can carry values meant to stay private; so the values are not hashed one by one but
 * together with everything else into one salted (image and commit), stretched (pbkdf2) digest.
 */
export function fingerprint(o: {
  image: string;
  commit: string;
  build: BuildInputs;
  dockerfile: string;
  dockerfileText: string;
  driver: string;
  exports: boolean;
  native?: string | null;
}): BuildFingerprint {
  const summary: FingerprintSummary = {
    dockerfile: o.dockerfile,
    dockerfileDigest: sha256(o.dockerfileText),
    context: o.build.context || '.',
    target: o.build.target,
    platforms: [...o.build.platforms],
    buildArgs: o.build.buildArgs.map(nameOf),
    buildContexts: o.build.buildContexts.map(nameOf),
    secrets: o.build.secrets.map(nameOf),
    driver: o.driver,
    exports: o.exports,
    native: o.native ?? '',
  };
  const all = JSON.stringify({ summary, buildArgs: o.build.buildArgs, buildContexts: o.build.buildContexts });
  const digest = pbkdf2Sync(all, `docker-size-guard\0${o.image}\0${o.commit}`, ROUNDS, 32, 'sha256').toString('hex');
  return { digest, summary };
}

const list = (xs: readonly string[]) => (xs.length ? xs.map((x) => `'${x}'`).join(', ') : 'none');

/**
 * What differs between the inputs a measurement was stored with and those the base would be built from, in
 * words (names, never values), or null when they are the same.
 */
export function fingerprintChange(stored: BuildFingerprint, wanted: BuildFingerprint): string | null {
  if (stored.digest === wanted.digest) return null;
  const a = stored.summary;
  const b = wanted.summary;
  const changes: string[] = [];
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  if (a.dockerfile !== b.dockerfile || a.dockerfileDigest !== b.dockerfileDigest) changes.push('the Dockerfile');
  if (a.context !== b.context) changes.push(`context '${a.context}' → '${b.context}'`);
  if (a.target !== b.target) changes.push(`target '${a.target || '(last stage)'}' → '${b.target || '(last stage)'}'`);
  if (!same(a.platforms, b.platforms)) changes.push(`platforms ${list(a.platforms)} → ${list(b.platforms)}`);
  if (!same(a.buildArgs, b.buildArgs)) changes.push(`build-args ${list(a.buildArgs)} → ${list(b.buildArgs)}`);
  if (!same(a.buildContexts, b.buildContexts))
    changes.push(`build-contexts ${list(a.buildContexts)} → ${list(b.buildContexts)}`);
  if (!same(a.secrets, b.secrets)) changes.push(`secrets ${list(a.secrets)} → ${list(b.secrets)}`);
  if (a.native !== b.native) changes.push(`builder platform ${a.native || 'unknown'} → ${b.native || 'unknown'}`);
  if (a.driver !== b.driver || a.exports !== b.exports)
    changes.push(
      `builder driver ${a.driver}${a.exports ? '' : ' (loads)'} → ${b.driver}${b.exports ? '' : ' (loads)'}`,
    );
  return changes.length ? changes.join(', ') : 'the value of a build-arg or build-context';
}
