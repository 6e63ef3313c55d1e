import { posix } from 'node:path';
import { dockerfileOf } from '../build/sides.js';
import type { BuildInputs } from '../build/buildx-args.js';
import type { ImageTarget } from './images.js';

/** A build context or path that is not a directory of this repository (a URL, an image): its changes are unknown. */
function remote(path: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || /^(docker-image|oci-layout|target):/.test(path) || path.startsWith('git@')
  );
}

/**
 * The repository paths an image's build reads: its context, its Dockerfile and its local named contexts. Null
 * when one of them is not in the repository, so a change cannot be ruled out.
 */
export function buildInputs(b: BuildInputs): string[] | null {
  const named = b.buildContexts.map((c) => c.slice(c.indexOf('=') + 1));
  const paths = [b.context, dockerfileOf(b), ...named];
  if (paths.some(remote)) return null;
  return paths.map((p) => {
    const n = posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\/|\/+$/g, '');
    return n === '.' || n === '' ? '' : n;
  });
}

/** Whether any changed path is one of the inputs or inside one ('' is the whole repository). */
export function touches(changed: readonly string[], inputs: readonly string[]): boolean {
  return inputs.some((dir) => changed.some((c) => dir === '' || c === dir || c.startsWith(`${dir}/`)));
}

/**
 * The targets whose build inputs a change touches, and those it does not (`changed-only`): an image built from
 * the same files as the base is not built again. A target that names its head image, or reads something outside
 * the repository, is always kept.
 */
export function splitByChange(
  targets: readonly ImageTarget[],
  changed: readonly string[],
): { build: ImageTarget[]; unchanged: ImageTarget[] } {
  const build: ImageTarget[] = [];
  const unchanged: ImageTarget[] = [];
  for (const t of targets) {
    const inputs = t.headImage ? null : buildInputs(t.build);
    if (inputs === null || touches(changed, inputs)) build.push(t);
    else unchanged.push(t);
  }
  return { build, unchanged };
}
