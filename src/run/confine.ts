import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ImageTarget } from './images.js';

/** The real path of `path`, or of its longest existing parent joined with the rest (the file may not exist yet). */
function realish(path: string): string {
  let p = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(p), ...rest.reverse());
    } catch {
      const parent = resolve(p, '..');
      if (parent === p) return resolve(path);
      rest.push(p.slice(parent.length + 1));
      p = parent;
    }
  }
}

function inside(root: string, path: string): boolean {
  const r = relative(realish(root), realish(resolve(root, path)));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

const REMOTE = /^(?:https?|git|ssh):\/\/|^git@|^docker-image:\/\/|^target:/;

/**
 * Build inputs from a PR (its config file) or a workflow must not reach outside the workspace: a context of
 * `../` or `/home/runner`, a Dockerfile elsewhere, a build context or an image archive on the runner's disk would
 * let the PR copy runner files into its image. Symlinks are followed before the check. Remote contexts (git URLs,
 * images, other targets) read nothing local and pass.
 */
export function confineTargets(root: string, targets: ImageTarget[], source: string): void {
  for (const t of targets) {
    const where = (field: string) => `Invalid ${source}: ${t.name}: ${field}`;
    const check = (field: string, path: string) => {
      if (/^file:/i.test(path) || !inside(root, path))
        throw new UserError(`${where(field)} '${path}' is outside the workspace`);
    };
    if (!REMOTE.test(t.build.context)) check('context', t.build.context || '.');
    if (t.build.file) check('file', t.build.file);
    for (const c of t.build.buildContexts) {
      const value = c.slice(c.indexOf('=') + 1);
      if (REMOTE.test(value)) continue;
      check('build-contexts', value.replace(/^oci-layout:\/\//, '').replace(/@sha256:[0-9a-f]+$/, ''));
    }
    for (const [field, ref] of [
      ['base-image', t.baseImage],
      ['head-image', t.headImage],
    ] as const) {
      const m = /^(docker-archive|oci-archive|oci):(.+)$/.exec(ref);
      if (m) check(field, m[2]!.replace(/:[^/:]+$/, ''));
    }
  }
}
