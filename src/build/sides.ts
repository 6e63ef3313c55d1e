import { buildImage, removeImage } from './build-image.js';
import type { BuildInputs } from './buildx-args.js';
import { addWorktree, fileAt } from './git.js';
import { errorMessage } from '../errors.js';

export interface Log {
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  warning(message: string): void;
}

export interface SidesPlan {
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
}

export interface Sides {
  headRef: string;
  baseRef: string | null;
  baseMissing: string | null;
}

export function dockerfileOf(build: BuildInputs): string {
  const path = build.file || `${(build.context || '.').replace(/\/$/, '')}/Dockerfile`;
  return path.replace(/^(\.\/)+/, '');
}

/**
 * Builds the head from the checkout and the base from a temporary worktree of the base commit, with the same
 * inputs (so the second build reuses the first one's cache). A base without the Dockerfile is a new image and a
 * failing base build is a warning; a failing head build is an error. Everything made is undone by `cleanups`.
 */
export async function buildSides(plan: SidesPlan, log: Log, cleanups: (() => Promise<void>)[]): Promise<Sides> {
  let headRef = plan.headImage ?? '';
  if (!headRef) {
    const tag = `docker-size-guard-head:${plan.id}`;
    cleanups.push(() => removeImage(tag));
    headRef = (await log.group('Build the PR image', () => buildImage(plan.build, plan.root, tag, plan.tmp))).reference;
  }
  if (plan.baseImage) return { headRef, baseRef: plan.baseImage, baseMissing: null };
  if (!plan.baseSha) return { headRef, baseRef: null, baseMissing: plan.baseMissing };
  const dockerfile = dockerfileOf(plan.build);
  if (!(await fileAt(plan.root, plan.baseSha, dockerfile))) {
    return { headRef, baseRef: null, baseMissing: `${dockerfile} does not exist at the base commit (a new image)` };
  }
  const worktree = await addWorktree(plan.root, plan.baseSha, plan.tmp);
  cleanups.push(() => worktree.remove());
  const tag = `docker-size-guard-base:${plan.id}`;
  try {
    cleanups.push(() => removeImage(tag));
    await log.group(`Build the base image (${plan.baseSha.slice(0, 12)})`, () =>
      buildImage(plan.build, worktree.dir, tag, plan.tmp),
    );
    return { headRef, baseRef: `docker-daemon:${tag}`, baseMissing: null };
  } catch (err) {
    log.warning(`The base image did not build, so the PR image is reported alone: ${errorMessage(err)}`);
    return { headRef, baseRef: null, baseMissing: 'the base build failed' };
  }
}
