import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildInputs } from '../build/buildx-args.js';
import { dockerfileOf } from '../build/sides.js';
import type { Rules } from '../model/comparison.js';
import { parseImages, type ImageTarget } from './images.js';

export const CONFIG_FILE = '.github/docker-size-guard.yml';

/**
 * The images this run judges: the `images` input, else the repository's config file, else the one image the
 * build inputs describe (named by the comment key, or by its Dockerfile).
 */
export async function resolveTargets(
  root: string,
  o: {
    images: string;
    build: BuildInputs;
    rules: Rules;
    rawRules: Record<string, string>;
    baseImage: string;
    headImage: string;
    commentKey: string;
    ignorePaths: string[];
  },
): Promise<{ targets: ImageTarget[]; from: string }> {
  const defaults = {
    build: o.build,
    rawRules: o.rawRules,
    baseImage: o.baseImage,
    headImage: o.headImage,
    ignorePaths: o.ignorePaths,
  };
  if (o.images.trim())
    return { targets: parseImages(o.images, "input 'images'", defaults), from: "the 'images' input" };
  const config = await readFile(join(root, CONFIG_FILE), 'utf8').catch(() => null);
  if (config !== null) return { targets: parseImages(config, CONFIG_FILE, defaults), from: CONFIG_FILE };
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
