import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { mergeBase, revParse } from '../build/git.js';
import { adviseSide } from '../build/side-advice.js';
import { buildAndMeasureSides, dockerfileOf } from '../build/sides.js';
import { compare } from '../compare/compare.js';
import { measureImage } from '../engine.js';
import { LayerCache } from '../measure/layer-cache.js';
import { UserError, errorMessage } from '../errors.js';
import { upsertComment } from '../github/comment.js';
import { readEvent, type RunEvent } from '../github/event.js';
import type { Comparison } from '../model/comparison.js';
import { marker, renderComparisonMarkdown } from '../report/comparison-markdown.js';
import { getInputs, sensitiveValues, type ActionInputs } from './inputs.js';

type Cleanup = () => Promise<void>;

interface BaseChoice {
  sha: string | null;
  label: string;
  missing: string | null;
}

/** The base commit: base-ref if given, else the PR's merge base, else the commit before a push. */
async function chooseBase(root: string, inputs: ActionInputs, event: RunEvent): Promise<BaseChoice> {
  if (inputs.baseRef) return { sha: await revParse(root, inputs.baseRef), label: inputs.baseRef, missing: null };
  if (event.pr) {
    return { sha: await mergeBase(root, event.pr.baseSha, event.pr.headSha), label: event.pr.baseRef, missing: null };
  }
  if (event.beforeSha)
    return { sha: await revParse(root, event.beforeSha), label: event.beforeSha.slice(0, 7), missing: null };
  if (event.name === 'workflow_dispatch')
    throw new UserError(`Invalid input 'base-ref': a workflow_dispatch run needs a base-ref or a base-image`);
  return { sha: null, label: 'base', missing: `the ${event.name} event names no base commit` };
}

function shouldComment(mode: ActionInputs['comment'], c: Comparison): boolean {
  const t = c.rules.metric === 'compressed' ? c.compressed : c.uncompressed;
  switch (mode) {
    case 'never':
      return false;
    case 'on-failure':
      return c.verdict !== 'pass';
    case 'on-change':
      return t.delta !== 0 || c.verdict !== 'pass';
    case 'always':
      return true;
  }
}

async function postComment(inputs: ActionInputs, event: RunEvent, body: string): Promise<void> {
  if (!event.pr) {
    core.info('Not a pull request: no comment (the report is in the job summary and the comment-body output).');
    return;
  }
  if (!inputs.githubToken) {
    core.warning(
      'No github-token: the comment was not posted (the report is in the job summary and the comment-body output).',
    );
    return;
  }
  try {
    const octokit = github.getOctokit(inputs.githubToken, { retry: { doNotRetry: [400, 401, 403, 404, 422] } }, retry);
    const { owner, repo } = github.context.repo;
    const r = await upsertComment(
      octokit,
      { owner, repo, issue_number: event.pr.number },
      body,
      marker(inputs.commentKey),
    );
    core.info(`PR comment ${r.outcome} (id ${r.id}).`);
  } catch (err) {
    const status = (err as { status?: number }).status;
    const why =
      status === 403
        ? 'the token cannot write to this pull request (a fork PR, or missing pull-requests: write)'
        : errorMessage(err);
    core.warning(
      `The PR comment was not posted: ${why}. The report is in the job summary and the comment-body output.`,
    );
  }
}

function setOutputs(c: Comparison, body: string, reportPath: string): void {
  const t = c.rules.metric === 'compressed' ? c.compressed : c.uncompressed;
  core.setOutput('base-size', c.uncompressed.base ?? '');
  core.setOutput('head-size', c.uncompressed.head);
  core.setOutput('base-compressed-size', c.compressed.base ?? '');
  core.setOutput('head-compressed-size', c.compressed.head);
  core.setOutput('delta', t.delta ?? '');
  core.setOutput('delta-percent', t.percent === null ? '' : (t.percent * 100).toFixed(2));
  core.setOutput('verdict', c.verdict);
  core.setOutput('report', reportPath);
  core.setOutput('comment-body', body);
}

/** The action: build both sides, measure, compare, report everywhere, then fail on bloat. Errors are handled here, once. */
export async function run(): Promise<void> {
  const cleanups: Cleanup[] = [];
  try {
    const inputs = getInputs();
    for (const v of sensitiveValues(inputs)) core.setSecret(v);
    const event = readEvent(github.context.eventName, github.context.payload as Parameters<typeof readEvent>[1]);
    const root = process.env.GITHUB_WORKSPACE || process.cwd();
    const runnerTemp = process.env.RUNNER_TEMP || tmpdir();
    const tmp = await mkdtemp(join(runnerTemp, 'docker-size-guard-'));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const id = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`;

    if (event.privileged && !inputs.headImage && !inputs.allowUnsafePrBuild) {
      throw new UserError(
        `Refusing to build under ${event.name}: this event runs with a write token, and building the PR's code would let a fork run ` +
          `code with it. Measure in a pull_request workflow and comment from ${event.name} with the report, or set allow-unsafe-pr-build: true if the code is trusted.`,
      );
    }

    const base = inputs.baseImage ? null : await chooseBase(root, inputs, event);
    const cache = new LayerCache();
    const sides = await buildAndMeasureSides(
      {
        root,
        build: inputs.build,
        baseImage: inputs.baseImage || undefined,
        headImage: inputs.headImage || undefined,
        baseSha: base?.sha ?? null,
        baseMissing: base?.missing ?? null,
        tmp,
        id,
      },
      { group: core.group, warning: core.warning },
      async (ref, side) =>
        adviseSide(await measureImage(ref, { files: true, compressedEstimate: true, cache }), side, {
          root,
          build: inputs.build,
          baseSha: base?.sha ?? null,
          built: side === 'head' ? !inputs.headImage : !inputs.baseImage,
        }),
      cleanups,
    );
    const baseLabel = inputs.baseImage || base?.label || 'base';
    const approved = !!event.pr?.labels.includes(inputs.approveLabel);
    const comparison = compare(sides.base, sides.head, inputs.rules, {
      baseMissingReason: sides.baseMissing,
      approved,
    });
    const name = inputs.commentKey !== 'default' ? inputs.commentKey : dockerfileOf(inputs.build);
    const body = renderComparisonMarkdown(comparison, { name, baseLabel, commentKey: inputs.commentKey });

    const reportPath = join(runnerTemp, `docker-size-guard-${inputs.commentKey.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
    await writeFile(reportPath, JSON.stringify({ name, baseLabel, comparison }, null, 2));
    setOutputs(comparison, body, reportPath);
    if (inputs.summary) await core.summary.addRaw(body).write();
    if (shouldComment(inputs.comment, comparison)) await postComment(inputs, event, body);

    for (const v of comparison.violations)
      (v.level === 'fail' && !comparison.approved ? core.error : core.warning)(v.message);
    if (comparison.verdict === 'fail' && inputs.failOnBloat) {
      core.setFailed(
        `Docker image size check failed: ${comparison.violations
          .filter((v) => v.level === 'fail')
          .map((v) => v.message)
          .join('; ')}`,
      );
    }
  } catch (err) {
    core.setFailed(errorMessage(err));
  } finally {
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => core.warning(`Cleanup: ${errorMessage(err)}`));
  }
}
