import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { dockerfileOf } from '../buildx/sides.js';
import type { BuildInputs } from '../buildx/buildx-args.js';
import type { ImageTarget } from './images.js';

/** A build context or path that is not a directory of this repository (a URL, an image): its changes are unknown. */
function remote(path: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || /^(docker-image|oci-layout|target):/.test(path) || path.startsWith('git@')
  );
}

/** `path` relative to `root` in git's form ('' for the root itself), or null when it is outside. */
function inRepo(root: string, path: string): string | null {
  const r = relative(root, path);
  if (r === '') return '';
  if (r.startsWith('..') || isAbsolute(r)) return null;
  return r.split(sep).join('/');
}

/** The real path, or null when it does not exist in this checkout (a Dockerfile the PR deleted, say). */
function real(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/**
 * The repository paths an image's build reads, relative to the repository root: its context, its Dockerfile and
 * the `<Dockerfile>.dockerignore` BuildKit prefers to the context's, and its local named contexts. A path is
 * listed as written and, when a link leads elsewhere, as where it leads too. Null when one of them is not in the
 * repository (a URL, an image, a path outside the root or a link leading out of it): a change cannot be ruled out.
 */
export function buildInputs(b: BuildInputs, root: string): string[] | null {
  const named = b.buildContexts.map((c) => c.slice(c.indexOf('=') + 1));
  const dockerfile = dockerfileOf(b);
  const paths = [b.context || '.', dockerfile, `${dockerfile}.dockerignore`, ...named];
  if (paths.some(remote)) return null;
  const realRoot = real(root) ?? root;
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(root, p.replace(/\\/g, '/'));
    const rel = inRepo(root, abs);
    if (rel === null) return null;
    out.add(rel);
    const led = real(abs);
    if (led !== null && led !== abs) {
      const to = inRepo(realRoot, led);
      if (to === null) return null;
      out.add(to);
    }
  }
  return [...out];
}

/** Whether any changed path is one of the inputs or inside one ('' is the whole repository). */
export function touches(changed: readonly string[], inputs: readonly string[]): boolean {
  return inputs.some((dir) => changed.some((c) => dir === '' || c === dir || c.startsWith(`${dir}/`)));
}

/** What of an image's build a config item says, for comparing the base's item with the PR's. */
function buildKey(t: ImageTarget): string {
  const b = t.build;
  return JSON.stringify([
    b.context,
    b.file,
    b.target,
    b.buildArgs,
    b.platforms,
    b.buildContexts,
    t.baseImage,
    t.headImage,
  ]);
}

export interface ChangeContext {
  /** The repository root the targets' paths are relative to (links are resolved in it). */
  root: string;
  /** The base commit's targets by name, when the images come from a config file; null otherwise. */
  baseTargets: Map<string, ImageTarget> | null;
}

/**
 * Why an image must be built in this PR, or, when nothing it is built from changed, the repository paths that were
 * compared. Unsure is a reason.
 */
export function whyBuild(
  t: ImageTarget,
  changed: readonly string[],
  ctx: ChangeContext,
): string | { inputs: string[] } {
  if (t.headImage) return 'it names its head image';
  // The workflow's inputs (build args, target, platforms) are not known at the base: any workflow change counts.
  if (changed.some((c) => c.startsWith('.github/workflows/'))) return 'a workflow file changed';
  if (ctx.baseTargets) {
    const base = ctx.baseTargets.get(t.name);
    if (!base) return 'it is new in the config file';
    if (buildKey(base) !== buildKey(t)) return 'its build inputs in the config file changed';
  }
  const inputs = buildInputs(t.build, ctx.root);
  if (inputs === null) return 'it is built from something outside the repository';
  return touches(changed, inputs) ? 'a file it is built from changed' : { inputs };
}

/**
 * The targets whose build a change may alter, and those it cannot (`changed-only`): an image built from the same
 * files and the same inputs as the base is not built again. Each unchanged one carries the inputs compared.
 */
export function splitByChange(
  targets: readonly ImageTarget[],
  changed: readonly string[],
  ctx: ChangeContext,
): { build: ImageTarget[]; unchanged: { target: ImageTarget; reason: string }[] } {
  const build: ImageTarget[] = [];
  const unchanged: { target: ImageTarget; reason: string }[] = [];
  for (const t of targets) {
    const r = whyBuild(t, changed, ctx);
    if (typeof r === 'string') {
      build.push(t);
      continue;
    }
    const paths = r.inputs.map((p) => p || '.');
    const config = ctx.baseTargets ? ', and its build inputs in the config file,' : '';
    unchanged.push({
      target: t,
      reason: `unchanged in this PR: no change to ${paths.join(', ')}${config} or to any workflow`,
    });
  }
  return { build, unchanged };
}
