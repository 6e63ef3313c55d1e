import { parse } from 'yaml';
import { z } from 'zod';
import type { BuildInputs } from '../buildx/buildx-args.js';
import { parseRules, RULE_NAMES } from '../compare/parse-rules.js';
import { UserError } from '../errors.js';
import { checkIgnorePaths } from '../measure/ignore.js';
import type { Rules } from '../model/comparison.js';

/** One image to build and judge: the action's inputs, with what the `images` list overrides for it. */
export interface ImageTarget {
  name: string;
  build: BuildInputs;
  baseImage: string;
  headImage: string;
  rules: Rules;
  ignorePaths: string[];
  /** What a config file's item names itself, for judging it by another commit's file (run/policy.ts). */
  declared?: Declared;
}

/** The keys one item of a config file sets, as written: rules (by input name), ignore-paths and images. */
export interface Declared {
  source: string;
  index: number;
  rules: Record<string, string>;
  ignorePaths: string[] | null;
  baseImage: boolean;
  headImage: boolean;
}

const lines = z.union([z.string(), z.array(z.string())]);
const ruleKeys = Object.fromEntries(RULE_NAMES.map((k) => [k, z.union([z.string(), z.number()]).optional()]));
const ImageSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@/-]{1,60}$/, 'use letters, digits and _ . @ / - (at most 60)'),
    context: z.string().optional(),
    file: z.string().optional(),
    target: z.string().optional(),
    'build-args': lines.optional(),
    platforms: lines.optional(),
    'base-image': z.string().optional(),
    'head-image': z.string().optional(),
    'ignore-paths': lines.optional(),
    ...ruleKeys,
  })
  .strict();
const ImagesSchema = z.array(ImageSchema);

function asList(v: string | string[] | undefined, commas: boolean): string[] | undefined {
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v : v.split(commas ? /[\n,]/ : /\n/);
  return items.map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
}

/** The first problem zod found, as `images[1].platforms: …`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `images${path}: ${issue.message}`;
}

/**
 * Reads the `images` list (YAML: a list, or `images:` holding one) into build targets. Each item starts from the
 * action's own inputs and overrides what it names; its rule keys replace the action's for that image.
 */
export function parseImages(
  text: string,
  source: string,
  defaults: {
    build: BuildInputs;
    rawRules: Record<string, string>;
    baseImage: string;
    headImage: string;
    ignorePaths: string[];
  },
): ImageTarget[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UserError(`Invalid ${source}: not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  // Either the list itself, or a document whose `images` holds it.
  const list = doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'images' in doc ? doc.images : doc;
  const parsed = ImagesSchema.safeParse(list);
  if (!parsed.success) throw new UserError(`Invalid ${source}: ${firstIssue(parsed.error)}`);
  const items = parsed.data;
  if (items.length === 0) throw new UserError(`Invalid ${source}: the list of images is empty`);
  const seen = new Set<string>();
  return items.map((item, i) => {
    if (seen.has(item.name)) throw new UserError(`Invalid ${source}: images[${i}].name '${item.name}' is used twice`);
    seen.add(item.name);
    const own: Record<string, string> = {};
    for (const k of RULE_NAMES) {
      const v = (item as Record<string, unknown>)[k];
      if (v !== undefined) own[k] = String(v);
    }
    const raw: Record<string, string> = { ...defaults.rawRules, ...own };
    const ignorePaths = item['ignore-paths']
      ? checkIgnorePaths(asList(item['ignore-paths'], true)!, `${source}: images[${i}].ignore-paths`)
      : null;
    return {
      name: item.name,
      build: {
        ...defaults.build,
        context: item.context ?? defaults.build.context,
        file: item.file ?? defaults.build.file,
        target: item.target ?? defaults.build.target,
        buildArgs: asList(item['build-args'], false) ?? defaults.build.buildArgs,
        platforms: asList(item.platforms, true) ?? defaults.build.platforms,
      },
      baseImage: item['base-image'] ?? defaults.baseImage,
      headImage: item['head-image'] ?? defaults.headImage,
      rules: parseRules(raw, (n) => `${source}: images[${i}].${n}`),
      ignorePaths: ignorePaths ?? defaults.ignorePaths,
      declared: {
        source,
        index: i,
        rules: own,
        ignorePaths,
        baseImage: item['base-image'] !== undefined,
        headImage: item['head-image'] !== undefined,
      },
    };
  });
}
