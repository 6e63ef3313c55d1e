import * as core from '@actions/core';
import { parseRules, RULE_NAMES } from '../compare/parse-rules.js';
import { checkRev } from '../git/git.js';
import { UserError } from '../errors.js';
import { secretValues } from '../run/redact.js';
import { checkIgnorePaths } from '../measure/ignore.js';
import { checkHistoryRef } from '../history/store.js';
import { DEFAULT_HISTORY_REF } from '../model/history.js';
import type { BuildInputs } from '../buildx/buildx-args.js';
import type { Rules } from '../model/comparison.js';

export type CommentMode = 'always' | 'on-change' | 'on-failure' | 'never';
/** build: build and measure here; report: combine reports from other jobs; comment: post reports (workflow_run). */
export type RunMode = 'build' | 'report' | 'comment';

/** Every input, read once and validated here; nothing else calls core.getInput. */
export interface ActionInputs {
  mode: RunMode;
  build: BuildInputs;
  /** The `images` input as written (YAML), empty when not given. */
  images: string;
  /** Directory of JSON reports for mode report / comment. */
  reports: string;
  /** The rule inputs as written, the defaults of every image in `images`. */
  rawRules: Record<string, string>;
  baseRef: string;
  baseImage: string;
  headImage: string;
  rules: Rules;
  comment: CommentMode;
  commentKey: string;
  summary: boolean;
  failOnBloat: boolean;
  approveLabel: string;
  githubToken: string;
  allowUnsafePrBuild: boolean;
  /** Globs left out of the waste numbers and of "Where the bytes are" (docs/action.md "Monorepos and noise"). */
  ignorePaths: string[];
  /** `history`: auto (read on PRs, write on pushes to the default branch), read, or off. */
  history: 'auto' | 'read' | 'off';
  historyRef: string;
  /** Full measurements kept per image (0: none stored). */
  historyMeasurements: number;
  /** `changed-only`; null when not given (on with several images, off with one). */
  changedOnly: boolean | null;
  /** Fixes proved by a rebuild (docs/suggestions.md): not made, in the comment, or as a pull-request review. */
  suggest: 'off' | 'comment' | 'review';
}

const describe = (name: string) => `input '${name}'`;

function list(name: string, commas: boolean): string[] {
  const raw = core.getInput(name);
  return raw
    .split(commas ? /[\n,]/ : /\n/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

function bool(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name).trim();
  if (!raw) return fallback;
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new UserError(`Invalid ${describe(name)}: '${raw}' must be true or false`);
}

function count(name: string, fallback: number, max: number): number {
  const raw = core.getInput(name).trim();
  if (raw === '') return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) > max)
    throw new UserError(`Invalid ${describe(name)}: '${raw.slice(0, 40)}' must be a whole number from 0 to ${max}`);
  return Number(raw);
}

function historyMode(): ActionInputs['history'] {
  const v = (core.getInput('history') || 'auto').trim();
  if (v !== 'auto' && v !== 'read' && v !== 'off')
    throw new UserError(`Invalid ${describe('history')}: '${v}' must be auto, read or off`);
  return v;
}

export function getInputs(): ActionInputs {
  const secrets = list('secrets', false);
  for (const s of secrets) {
    if (!/^[A-Za-z0-9_.-]+=/.test(s)) throw new UserError(`Invalid ${describe('secrets')}: each line must be id=value`);
  }
  const comment = (core.getInput('comment') || 'always').trim();
  if (!['always', 'on-change', 'on-failure', 'never'].includes(comment)) {
    throw new UserError(`Invalid ${describe('comment')}: '${comment}' must be always, on-change, on-failure or never`);
  }
  const ruleNames = RULE_NAMES;
  const rawRules = Object.fromEntries(ruleNames.map((n) => [n, core.getInput(n)]));
  const rules = parseRules(rawRules, describe);
  const mode = (core.getInput('mode') || 'build').trim();
  if (!['build', 'report', 'comment'].includes(mode)) {
    throw new UserError(`Invalid ${describe('mode')}: '${mode}' must be build, report or comment`);
  }
  const suggest = (core.getInput('suggest') || 'comment').trim();
  if (!['off', 'comment', 'review'].includes(suggest)) {
    throw new UserError(`Invalid ${describe('suggest')}: '${suggest.slice(0, 40)}' must be off, comment or review`);
  }
  const commentKey = core.getInput('comment-key').trim() || 'default';
  if (!/^[A-Za-z0-9_./:@-]{1,100}$/.test(commentKey)) {
    throw new UserError(`Invalid ${describe('comment-key')}: use letters, digits and _ . / : @ - (at most 100)`);
  }
  const baseRef = core.getInput('base-ref').trim();
  return {
    mode: mode as RunMode,
    images: core.getInput('images'),
    reports: core.getInput('reports').trim() || 'docker-size-guard-reports',
    rawRules,
    build: {
      context: core.getInput('context') || '.',
      file: core.getInput('file'),
      target: core.getInput('target'),
      buildArgs: list('build-args', false),
      buildContexts: list('build-contexts', false),
      secrets,
      platforms: list('platforms', true),
      builder: core.getInput('builder'),
      cacheFrom: list('cache-from', false),
      cacheTo: list('cache-to', false),
      pull: bool('pull', false),
      noCache: bool('no-cache', false),
    },
    baseRef: baseRef ? checkRev(baseRef, describe('base-ref')) : '',
    baseImage: core.getInput('base-image').trim(),
    headImage: core.getInput('head-image').trim(),
    rules,
    comment: comment as CommentMode,
    commentKey,
    suggest: suggest as ActionInputs['suggest'],
    summary: bool('summary', true),
    failOnBloat: bool('fail-on-bloat', true),
    approveLabel: core.getInput('approve-label').trim() || 'size-increase-approved',
    githubToken: core.getInput('github-token'),
    allowUnsafePrBuild: bool('allow-unsafe-pr-build', false),
    ignorePaths: checkIgnorePaths(list('ignore-paths', true), describe('ignore-paths')),
    changedOnly: core.getInput('changed-only').trim() === '' ? null : bool('changed-only', false),
    history: historyMode(),
    historyMeasurements: count('history-measurements', 100, 10_000),
    historyRef: checkHistoryRef(core.getInput('history-ref').trim() || DEFAULT_HISTORY_REF, describe('history-ref')),
  };
}

/** Build-arg and secret values, to be masked in logs before anything else runs. */
export function sensitiveValues(inputs: ActionInputs): string[] {
  return secretValues([...inputs.build.buildArgs, ...inputs.build.secrets]);
}
