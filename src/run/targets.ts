import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildInputs } from '../buildx/buildx-args.js';
import { readAt } from '../git/git.js';
import { dockerfileOf } from '../buildx/sides.js';
import { UserError } from '../errors.js';
import type { Rules } from '../model/comparison.js';
import type { Policy } from '../model/run.js';
import { parseImages, type ImageTarget } from './images.js';
import { judgeByBase } from './policy.js';

export const CONFIG_FILE = '.github/docker-size-guard.yml';

export interface TargetOptions {
  images: string;
  build: BuildInputs;
  rules: Rules;
  rawRules: Record<string, string>;
  baseImage: string;
  headImage: string;
  commentKey: string;
  ignorePaths: string[];
}

export interface Targets {
  targets: ImageTarget[];
  from: string;
  /** Per image name: where its rules came from and what the PR proposes (runs judged by a base commit only). */
  policies: Map<string, Policy>;
  /** Images the base commit's config lists and the PR's does not: not built, named in the comment. */
  removed: string[];
}

function defaultsOf(o: TargetOptions) {
  return {
    build: o.build,
    rawRules: o.rawRules,
    baseImage: o.baseImage,
    headImage: o.headImage,
    ignorePaths: o.ignorePaths,
  };
}

/**
 * The images this run builds: the `images` input, else the repository's config file, else the one image the
 * build inputs describe (named by the comment key, or by its Dockerfile).
 */
async function buildTargets(root: string, o: TargetOptions): Promise<{ targets: ImageTarget[]; from: string }> {
  if (o.images.trim())
    return { targets: parseImages(o.images, "input 'images'", defaultsOf(o)), from: "the 'images' input" };
  const config = await readFile(join(root, CONFIG_FILE), 'utf8').catch(() => null);
  if (config !== null) return { targets: parseImages(config, CONFIG_FILE, defaultsOf(o)), from: CONFIG_FILE };
  const name = o.commentKey !== 'default' ? o.commentKey : dockerfileOf(o.build);
  return {
    targets: [
      {
        name,
        build: o.build,
        baseImage: o.baseImage,
        headImage: o.headImage,
        rules: o.rules,
        ignorePaths: o.ignorePaths,
      },
    ],
    from: 'the build inputs',
  };
}

/** The config file's images at a commit, read from git without checking it out; none when it has no such file. */
export async function configTargetsAt(
  root: string,
  sha: string,
  label: string,
  o: TargetOptions,
): Promise<ImageTarget[]> {
  const text = await readAt(root, sha, CONFIG_FILE);
  return text === null ? [] : parseImages(text, `${CONFIG_FILE} at ${label}`, defaultsOf(o));
}

/**
 * The images a run judges, and by which rules. Without `judgedAt` (a push, a manual run: the checkout is the
 * branch itself), the checkout's config sets them. With it (a pull request or a merge queue), the PR's config may
 * say how each image is built, but its rules, its ignore-paths and any image it names instead of a build come
 * from the config at `judgedAt` (the base commit), read from git without checking it out; where the workflow also
 * sets a rule, the stricter wins. What the PR's file would change is returned per image, to be shown.
 */
export async function resolveTargets(
  root: string,
  o: TargetOptions,
  judgedAt: { sha: string; label: string } | null = null,
): Promise<Targets> {
  const built = await buildTargets(root, o);
  if (!judgedAt) return { ...built, policies: new Map(), removed: [] };
  for (const t of built.targets) {
    const d = t.declared;
    if (d && d.source === CONFIG_FILE && (d.baseImage || d.headImage))
      throw new UserError(
        `Invalid ${CONFIG_FILE}: images[${d.index}].${d.headImage ? 'head-image' : 'base-image'}: a pull request's config cannot name the image that judges it (set it in the base branch's workflow)`,
      );
  }
  if (built.from === "the 'images' input") return { ...built, policies: new Map(), removed: [] };
  const source = `${CONFIG_FILE} at ${judgedAt.label}`;
  const baseTargets = await configTargetsAt(root, judgedAt.sha, judgedAt.label, o);
  // A PR that deletes the config file is built and judged by the base's list, not by the build inputs alone.
  const { targets: heads, from } =
    built.from === CONFIG_FILE || baseTargets.length === 0 ? built : { targets: baseTargets, from: source };
  const baseByName = new Map(baseTargets.map((t) => [t.name, t]));
  const workflow = { rules: o.rules, ignorePaths: o.ignorePaths };
  const policies = new Map<string, Policy>();
  const targets = heads.map((head) => {
    const j = judgeByBase(head, baseByName.get(head.name), workflow, { commit: judgedAt.sha, file: CONFIG_FILE });
    policies.set(head.name, j.policy);
    return j.target;
  });
  const names = new Set(targets.map((t) => t.name));
  return { targets, from, policies, removed: baseTargets.map((t) => t.name).filter((n) => !names.has(n)) };
}
