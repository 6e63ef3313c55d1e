import { parseRules, RULE_INPUTS } from '../compare/parse-rules.js';
import type { Rules } from '../model/comparison.js';
import type { BuildChange, Policy, RuleProposal } from '../model/run.js';
import type { ImageTarget } from './images.js';

type RuleKey = Exclude<keyof Rules, 'metric' | 'judge'>;

/**
 * Pairs that are one rule: `max-increase 10 MB and 5 %` fails only when both are crossed, and a change below
 * either `min-change` is no change. Adding the other half of a pair loosens it, so a half the base does not set
 * is never added to one it sets.
 */
const PAIRS: [RuleKey, RuleKey][] = [
  ['maxIncrease', 'maxIncreasePercent'],
  ['warnIncrease', 'warnIncreasePercent'],
  ['minChange', 'minChangePercent'],
];

/** The stricter of two limits: a lower ceiling, or a higher floor (`min-efficiency`). */
function stricter(key: RuleKey, a: number, b: number): number {
  return key === 'minEfficiency' ? Math.max(a, b) : Math.min(a, b);
}

const KEY_OF = Object.fromEntries(Object.entries(RULE_INPUTS).map(([name, [key]]) => [key, name])) as Record<
  RuleKey,
  string
>;

/**
 * The rules an image is judged by when a trusted commit's config file sets some of them (`declared`) and the
 * workflow inputs set others (`workflow`): the file's rules, made stricter where the workflow also sets them;
 * where the file sets nothing, the workflow's. Whatever the workflow says, nothing the file sets is loosened.
 */
export function strictest(workflow: Rules, declared: Record<string, string>, describe: (n: string) => string): Rules {
  const own = parseRules(declared, describe);
  const has = (key: RuleKey) => declared[KEY_OF[key]] !== undefined && declared[KEY_OF[key]]!.trim() !== '';
  const out: Rules = {
    ...workflow,
    metric: declared.metric ? own.metric : workflow.metric,
    judge: declared.judge ? own.judge : workflow.judge,
  };
  const merge = (key: RuleKey) => {
    const w = workflow[key];
    const d = own[key];
    out[key] = d === null ? null : w === null ? d : stricter(key, w, d);
  };
  const paired = new Set(PAIRS.flat());
  for (const key of Object.keys(KEY_OF) as RuleKey[]) {
    if (paired.has(key) || !has(key)) continue;
    merge(key);
  }
  for (const [a, b] of PAIRS) {
    if (!has(a) && !has(b)) continue; // the workflow's pair stands
    for (const key of [a, b]) {
      if (has(key)) merge(key);
      else out[key] = null;
    }
  }
  return out;
}

/** Glob lists: fewer paths left out is stricter, so where both set one, only the globs both name. */
export function strictestIgnore(workflow: string[], declared: string[] | null): string[] {
  if (declared === null) return workflow;
  if (workflow.length === 0) return declared;
  return declared.filter((g) => workflow.includes(g));
}

const UNIT = (key: RuleKey): RuleProposal['unit'] =>
  key.endsWith('Percent') || key === 'minEfficiency' ? 'percent' : key === 'maxLayers' ? 'count' : 'bytes';

/** Every rule on which two rule sets differ, as inputs name them. */
export function ruleDifferences(judged: Rules, proposed: Rules): RuleProposal[] {
  const out: RuleProposal[] = [];
  if (judged.metric !== proposed.metric)
    out.push({ rule: 'metric', unit: 'text', judged: judged.metric, proposed: proposed.metric });
  if (judged.judge !== proposed.judge)
    out.push({ rule: 'judge', unit: 'text', judged: judged.judge, proposed: proposed.judge });
  for (const key of Object.keys(KEY_OF) as RuleKey[])
    if (judged[key] !== proposed[key])
      out.push({ rule: KEY_OF[key], unit: UNIT(key), judged: judged[key], proposed: proposed[key] });
  return out;
}

function argNames(args: string[]): Map<string, string> {
  return new Map(args.map((a) => [a.includes('=') ? a.slice(0, a.indexOf('=')) : a, a]));
}

/**
 * How the PR's item builds its image differently from the base's: file, context, target and platforms as
 * written; build args by name only (a value is never shown, only that it changed).
 */
export function buildDifferences(base: ImageTarget, head: ImageTarget): BuildChange[] {
  const out: BuildChange[] = [];
  const field = (name: string, a: string, b: string) => {
    if (a !== b) out.push({ field: name, base: a || null, head: b || null });
  };
  field('context', base.build.context, head.build.context);
  field('file', base.build.file, head.build.file);
  field('target', base.build.target, head.build.target);
  field('platforms', base.build.platforms.join(', '), head.build.platforms.join(', '));
  field('build-contexts', base.build.buildContexts.join(', '), head.build.buildContexts.join(', '));
  const a = argNames(base.build.buildArgs);
  const b = argNames(head.build.buildArgs);
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (x === y) continue;
    out.push({
      field: `build-arg ${name}`,
      base: x === undefined ? null : 'set',
      head: y === undefined ? null : x === undefined ? 'set' : 'another value',
    });
  }
  return out;
}

/** The workflow's side of the rules: what every image starts from before a config file names its own. */
export interface WorkflowRules {
  rules: Rules;
  ignorePaths: string[];
}

/**
 * One PR image judged by the base commit's config (`base`: its item of the same name, or undefined when the
 * base's file has none): the rules and ignore-paths it is judged by, and what the PR's own item would change
 * once merged.
 */
export function judgeByBase(
  head: ImageTarget,
  base: ImageTarget | undefined,
  workflow: WorkflowRules,
  from: Policy['rulesFrom'],
): { target: ImageTarget; policy: Policy } {
  const describe = (source: string | undefined) => (n: string) => `${source ?? 'config'}: ${head.name}.${n}`;
  const judge = (t: ImageTarget | undefined) => ({
    rules: t?.declared ? strictest(workflow.rules, t.declared.rules, describe(t.declared.source)) : workflow.rules,
    ignorePaths: strictestIgnore(workflow.ignorePaths, t?.declared?.ignorePaths ?? null),
  });
  const judged = judge(base);
  const proposed = judge(head);
  const proposals = ruleDifferences(judged.rules, proposed.rules);
  if (judged.ignorePaths.join('\n') !== proposed.ignorePaths.join('\n'))
    proposals.push({
      rule: 'ignore-paths',
      unit: 'text',
      judged: judged.ignorePaths.join(', ') || null,
      proposed: proposed.ignorePaths.join(', ') || null,
    });
  return {
    target: { ...head, rules: judged.rules, ignorePaths: judged.ignorePaths },
    policy: {
      rulesFrom: base ? from : null,
      newInConfig: !base && !!head.declared,
      proposed: proposals,
      buildChanges: base ? buildDifferences(base, head) : [],
    },
  };
}
