import { buildImage, removeImage, type BuiltImage } from './build-image.js';
import type { BuildInputs } from './buildx-args.js';
import { addWorktree, fileAt } from '../git/git.js';
import { errorMessage } from '../errors.js';
import type { ImageReport } from '../model/image-report.js';

export interface Log {
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  warning(message: string): void;
  info?(message: string): void;
  /** A line of a build's progress, as buildx writes it (the log redacts it). */
  progress?(line: string): void;
  /** buildx may draw its own progress on the terminal: a person is watching and no value needs redacting. */
  terminal?: boolean;
  /** How far measuring an image has got ("3 of 6 layers read, …"), at each layer and every few seconds. */
  measuring?(line: string): void;
}

function progressTo(log: Log) {
  return { ...(log.progress ? { onProgress: log.progress } : {}), ...(log.terminal ? { terminal: true } : {}) };
}

/** What the log says of a build: its builder, and how much of it came from the builder's cache. */
function cacheLine(what: string, b: BuiltImage): string {
  const cache = b.cache ? `${b.cache.cached} of ${b.cache.steps} steps cached` : 'cache use not recorded';
  return `${what}: builder ${b.builder.name} (${b.builder.driver} driver), ${cache}`;
}

export interface SidesPlan<T = unknown> {
  root: string;
  build: BuildInputs;
  /** Existing images to measure instead of building a side. */
  baseImage?: string;
  headImage?: string;
  baseSha: string | null;
  /** Why there is no base commit, when baseSha is null. */
  baseMissing: string | null;
  tmp: string;
  id: string;
  /** The base side as the default branch stored it when the base commit was pushed: nothing to build. */
  storedBase?: T;
}

export interface MeasuredSides<T> {
  head: T;
  base: T | null;
  /** Why there is no base report, when base is null. */
  baseMissing: string | null;
  /** How the base was obtained, for the report. */
  baseSource: 'built' | 'image' | 'stored' | 'none';
}

/**
 * Measures one side's image; the caller shares a layer cache across calls and adds what it knows of the side.
 * `built` is the build that made it (null for an image given as it is).
 */
export type Measure<T = ImageReport> = (
  reference: string,
  side: 'base' | 'head',
  built: BuiltImage | null,
) => Promise<T>;

export function dockerfileOf(build: BuildInputs): string {
  const path = build.file || `${(build.context || '.').replace(/\/$/, '')}/Dockerfile`;
  return path.replace(/^(\.\/)+/, '');
}

/** A promise whose rejection is held until awaited, so work started early cannot crash the process meanwhile. */
function held<T>(p: Promise<T>): () => Promise<T> {
  const settled = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return async () => {
    const r = await settled;
    if (!r.ok) throw r.error;
    return r.value;
  };
}

type BaseOutcome =
  { ref: string; source: 'built' | 'image'; built: BuiltImage | null } | { ref: null; missing: string | null };

async function buildBase(plan: SidesPlan, log: Log, cleanups: (() => Promise<void>)[]): Promise<BaseOutcome> {
  if (plan.baseImage) return { ref: plan.baseImage, source: 'image', built: null };
  if (!plan.baseSha) return { ref: null, missing: plan.baseMissing };
  const dockerfile = dockerfileOf(plan.build);
  if (!(await fileAt(plan.root, plan.baseSha, dockerfile))) {
    return { ref: null, missing: `${dockerfile} does not exist at the base commit (a new image)` };
  }
  const worktree = await addWorktree(plan.root, plan.baseSha, plan.tmp);
  cleanups.push(() => worktree.remove());
  const tag = `docker-size-guard-base:${plan.id}`;
  try {
    cleanups.push(() => removeImage(tag));
    const built = await log.group(`Build the base image (${plan.baseSha.slice(0, 12)})`, () =>
      buildImage(plan.build, worktree.dir, tag, plan.tmp, progressTo(log)),
    );
    log.info?.(cacheLine('Base build', built));
    return { ref: built.reference, source: 'built', built };
  } catch (err) {
    log.warning(`The base image did not build, so the PR image is reported alone: ${errorMessage(err)}`);
    return { ref: null, missing: 'the base build failed' };
  }
}

/**
 * Builds the base from a temporary worktree of the base commit and the head from the checkout, with the same
 * inputs (so the second build reuses the first one's cache), and measures each side as soon as it exists: the
 * base is measured while the head builds, which hides most of the measuring behind the slower build.
 * A base without the Dockerfile is a new image and a failing base build is a warning; a failing head build is an
 * error. Everything made is undone by `cleanups`, after any measurement still reading it has finished.
 */
export async function buildAndMeasureSides<T>(
  plan: SidesPlan<T>,
  log: Log,
  measure: Measure<T>,
  cleanups: (() => Promise<void>)[],
): Promise<MeasuredSides<T>> {
  if (plan.storedBase !== undefined) {
    const stored = plan.storedBase;
    const head = await buildAndMeasureHead(plan, log, measure, cleanups);
    return { head, base: stored, baseMissing: null, baseSource: 'stored' };
  }
  const base = await buildBase(plan, log, cleanups);
  const baseReport = base.ref ? held(measure(base.ref, 'base', base.built)) : null;
  // Cleanups run in reverse: this one runs first, so no image is removed under a running `docker save`.
  if (baseReport) cleanups.push(() => baseReport().then(noop, noop));

  // The base first: the head's layers it shares are then taken from the cache.
  const head = await buildAndMeasureHead(plan, log, measure, cleanups, async () => {
    if (baseReport) await baseReport();
  });
  const baseMeasured = baseReport ? await baseReport() : null;
  if (base.ref === null) return { head, base: null, baseMissing: base.missing, baseSource: 'none' };
  return { head, base: baseMeasured, baseMissing: null, baseSource: base.source };
}

/** Builds the head (unless given as an image) and measures it, after `before` (the base's measuring) is done. */
async function buildAndMeasureHead<T>(
  plan: SidesPlan,
  log: Log,
  measure: Measure<T>,
  cleanups: (() => Promise<void>)[],
  before: () => Promise<void> = async () => {},
): Promise<T> {
  let headRef = plan.headImage ?? '';
  let headBuilt: BuiltImage | null = null;
  if (!headRef) {
    const tag = `docker-size-guard-head:${plan.id}`;
    cleanups.push(() => removeImage(tag));
    headBuilt = await log.group('Build the PR image', () =>
      buildImage(plan.build, plan.root, tag, plan.tmp, progressTo(log)),
    );
    log.info?.(cacheLine('PR build', headBuilt));
    headRef = headBuilt.reference;
  }
  await before();
  return measure(headRef, 'head', headBuilt);
}

function noop(): void {}
