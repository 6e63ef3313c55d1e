import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { changedSince, checkRev, hasRemote, mergeBase, revParse } from '../git/git.js';
import { judgedTotals } from '../compare/compare.js';
import { UserError, errorMessage } from '../errors.js';
import { describeApiError, octokit } from '../github/client.js';
import { upsertComment } from '../github/comment.js';
import { lineAnnotations, notShownLine } from '../report/annotations.js';
import { readEvent, writesHistory, type RunEvent } from '../github/event.js';
import type { MeasurementLocation } from '../history/measurement-store.js';
import type { ImageReport } from '../model/image-report.js';
import { readStoredBase, storeHeads } from '../run/stored-base.js';
import type { ImageTarget } from '../run/images.js';
import { LayerCache } from '../measure/layer-cache.js';
import { REPORT_VERSION, type Entry, type RunReport, type Unchanged } from '../model/run.js';
import { COMMENT_LIMIT, marker, renderEntriesMarkdown } from '../report/comparison-markdown.js';
import { logLine } from '../report/escape.js';
import { measureTarget } from '../run/measure-target.js';
import { rederiveEntries } from '../run/rederive.js';
import { readReports, writeReport } from '../run/report-file.js';
import { confineTargets } from '../run/confine.js';
import { redactText, redactValues, secretValues } from '../run/redact.js';
import { splitByChange } from '../run/changed.js';
import { withHistory } from '../run/history.js';
import { CONFIG_FILE, configTargetsAt, resolveTargets } from '../run/targets.js';
import { cleanUpOnSignal } from '../util/interrupt.js';
import { yieldCpuToBuilds } from '../util/priority.js';
import { getInputs, sensitiveValues, type ActionInputs } from './inputs.js';
import { postReview, withRederivedSuggestions, withSuggestions } from './suggestions.js';

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
    const base = checkRev(event.pr.baseSha, 'event: pull_request.base.sha');
    const head = checkRev(event.pr.headSha, 'event: pull_request.head.sha');
    return { sha: await mergeBase(root, base, head), label: event.pr.baseRef, missing: null };
  }
  if (event.beforeSha) {
    const before = checkRev(event.beforeSha, 'event: before');
    return { sha: await revParse(root, before), label: before.slice(0, 7), missing: null };
  }
  if (event.name === 'workflow_dispatch')
    throw new UserError(`Invalid input 'base-ref': a workflow_dispatch run needs a base-ref or a base-image`);
  return { sha: null, label: 'base', missing: `the ${event.name} event names no base commit` };
}

function shouldComment(mode: ActionInputs['comment'], entries: Entry[]): boolean {
  const cs = entries.map((e) => e.comparison);
  switch (mode) {
    case 'never':
      return false;
    case 'on-failure':
      return cs.some((c) => c.verdict !== 'pass');
    case 'on-change':
      return cs.some((c) => (c.significant && judgedTotals(c).delta !== 0) || c.verdict !== 'pass');
    case 'always':
      return true;
  }
}

async function postComment(inputs: ActionInputs, pr: number | null, body: string): Promise<void> {
  if (pr === null) {
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
    const { owner, repo } = github.context.repo;
    const r = await upsertComment(
      octokit(inputs.githubToken, core.info),
      { owner, repo, issue_number: pr },
      body,
      marker(inputs.commentKey),
    );
    core.info(`PR comment ${r.outcome} (id ${r.id}).`);
  } catch (err) {
    const why = describeApiError(
      err,
      'the token cannot write to this pull request (a fork PR, or missing pull-requests: write)',
    );
    core.warning(
      `The PR comment was not posted: ${why}. The report is in the job summary and the comment-body output.`,
    );
  }
}

/** Size outputs describe the first entry (the only one in a one-image run); verdict covers them all. */
function setOutputs(entries: Entry[], body: string, reportPath: string): void {
  const c = entries[0]?.comparison;
  const t = c ? judgedTotals(c) : null;
  core.setOutput('base-size', c?.uncompressed.base ?? '');
  core.setOutput('head-size', c?.uncompressed.head ?? '');
  core.setOutput('base-compressed-size', c?.compressed.base ?? '');
  core.setOutput('head-compressed-size', c?.compressed.head ?? '');
  core.setOutput('delta', t?.delta ?? '');
  core.setOutput('delta-percent', t?.percent == null ? '' : (t.percent * 100).toFixed(2));
  core.setOutput('verdict', overallVerdict(entries));
  core.setOutput('report', reportPath);
  core.setOutput('comment-body', body);
}

function overallVerdict(entries: Entry[]): 'pass' | 'warn' | 'fail' {
  const vs = entries.map((e) => e.comparison.verdict);
  return vs.includes('fail') ? 'fail' : vs.includes('warn') ? 'warn' : 'pass';
}

/**
 * What a run publishes: the entries as measured and judged (every verdict, level, exit code and number is decided
 * from these), and the same entries with the secret values taken out of their text, for the sinks.
 */
interface Published {
  entries: Entry[];
  shown: Entry[];
  secrets: readonly string[];
}

/** The PR's head commit on GitHub, as the runner names the server and repository; none outside a PR. */
function blobUrl(event: RunEvent): string | undefined {
  const sha = event.pr?.headSha;
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
  if (!process.env.GITHUB_REPOSITORY?.includes('/')) return undefined;
  const { owner, repo } = github.context.repo;
  const server = github.context.serverUrl.replace(/\/+$/, '');
  return `${server}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/blob/${sha}`;
}

/** Everything a run reports, in this order: outputs, summary, comment, then the failure that blocks the merge. */
async function publish(
  inputs: ActionInputs,
  { entries, shown, secrets }: Published,
  pr: number | null,
  reportPath: string,
  fail: boolean,
  unchanged: Unchanged[] = [],
  /**
   * This run measured the images (mode: build): annotations on their Dockerfile lines, and links to them at the
   * PR's head commit (`blob`). A report's lines are another job's claim and get neither.
   */
  measuredHere?: { blob: string | undefined },
  /** The PR's head commit, where a review with the suggested fixes goes (`suggest: review`). */
  headSha: string | null = null,
): Promise<void> {
  const annotations = measuredHere ? lineAnnotations(entries) : null;
  const reviewed = inputs.suggest === 'review' ? await postReview(inputs, pr, headSha, shown) : undefined;
  const rendered = renderEntriesMarkdown(shown, inputs.commentKey, unchanged, measuredHere?.blob, reviewed);
  const more = annotations ? notShownLine(annotations.notShown) : null;
  const body = more && rendered.length + more.length + 2 <= COMMENT_LIMIT ? `${rendered}\n\n${more}` : rendered;
  setOutputs(entries, body, reportPath);
  for (const a of annotations?.shown ?? []) {
    // The text comes from the image and the Dockerfile: redacted here; @actions/core escapes it for the command.
    (a.level === 'error' ? core.error : core.warning)(redactText(a.message, secrets), {
      title: redactText(a.title, secrets),
      file: a.file,
      startLine: a.startLine,
      endLine: a.endLine,
    });
  }
  if (inputs.summary) await core.summary.addRaw(body).write();
  if (shouldComment(inputs.comment, entries)) await postComment(inputs, pr, body);
  const failures: string[] = [];
  for (const e of entries) {
    for (const v of e.comparison.violations) {
      const where = entries.length > 1 ? `${e.name} (${e.platform}): ` : '';
      const blocking = v.level === 'fail' && !e.comparison.approved;
      const line = redactText(where + v.message, secrets);
      (blocking ? core.error : core.warning)(line);
      if (blocking) failures.push(line);
    }
  }
  if (fail && inputs.failOnBloat && overallVerdict(entries) === 'fail') {
    core.setFailed(`Docker image size check failed: ${failures.join('; ')}`);
  }
}

/** The trusted commit whose config judges this run: the PR's base (or the merge queue's), none for a push. */
async function judgingCommit(root: string, event: RunEvent): Promise<{ sha: string; label: string } | null> {
  if (event.pr) {
    const sha = checkRev(event.pr.baseSha, 'event: pull_request.base.sha');
    return { sha: await revParse(root, sha), label: event.pr.baseRef };
  }
  if (event.name === 'merge_group' && event.beforeSha) {
    const sha = checkRev(event.beforeSha, 'event: merge_group.base_sha');
    return { sha: await revParse(root, sha), label: sha.slice(0, 7) };
  }
  return null;
}

/**
 * The PR's labels as they are now, read through the API: the event's payload is as old as the event ("Re-run"
 * replays it, and adding a label starts no run unless the workflow asks for `labeled`). Without a token or an
 * answer, no label is known, so no approval.
 */
async function currentPull(
  inputs: ActionInputs,
  pr: number,
): Promise<{ state: string; headSha: string; labels: string[] } | null> {
  if (!inputs.githubToken) return null;
  const { owner, repo } = github.context.repo;
  const { data } = await octokit(inputs.githubToken, core.info).rest.pulls.get({ owner, repo, pull_number: pr });
  return { state: data.state, headSha: data.head.sha, labels: (data.labels ?? []).map((l) => l.name ?? '') };
}

async function approvalOf(inputs: ActionInputs, event: RunEvent): Promise<boolean> {
  if (!event.pr) return false;
  try {
    const pull = await currentPull(inputs, event.pr.number);
    if (!pull) core.info(`No github-token: the '${inputs.approveLabel}' label cannot be read, so it approves nothing.`);
    return !!pull?.labels.includes(inputs.approveLabel);
  } catch (err) {
    const why = describeApiError(err, 'the token cannot read this pull request');
    core.warning(`The PR's labels could not be read (${why}): no approval label is taken into account.`);
    return false;
  }
}

/**
 * The stored measurements around a run (docs/action.md "One build per pull request"): a base commit's is read
 * when the history is on and there is an origin (`contents: read` is enough, so forks' runs use it too); a push to
 * the default branch or a manual run stores each head's, never a pull request's run. Failing to store is a warning.
 */
async function measurementsStep(root: string, inputs: ActionInputs, event: RunEvent, base: BaseChoice | null) {
  const none = { ctx: {}, store: async () => {} };
  if (inputs.history === 'off') {
    if (base?.sha) core.info('Stored measurements: history: off, so the base is built.');
    return none;
  }
  if (!(await hasRemote(root, 'origin'))) {
    core.info('Stored measurements: this checkout has no origin remote; the base is built.');
    return none;
  }
  const loc: MeasurementLocation = { root, remote: 'origin', historyRef: inputs.historyRef };
  const baseSha = base?.sha;
  const label = base?.label ?? 'base';
  const storedBase = baseSha ? (t: ImageTarget) => readStoredBase(loc, t, baseSha, label) : undefined;
  const writes = inputs.history === 'auto' && writesHistory(event) && inputs.historyMeasurements > 0;
  const heads: { target: ImageTarget; raw: ImageReport[] }[] = [];
  const keepRaw = writes
    ? (target: ImageTarget, raw: ImageReport[]) => {
        // An image given as it is was not built from the inputs a fingerprint names.
        if (!target.headImage) heads.push({ target, raw });
      }
    : undefined;
  const store = async () => {
    if (heads.length === 0) return;
    const commit = await revParse(root, 'HEAD');
    for (const { target, raw } of heads) {
      try {
        const r = await storeHeads(loc, target, commit, raw, inputs.historyMeasurements);
        if (typeof r === 'string') core.info(`Stored measurements: ${target.name} not stored (${r}).`);
        else
          core.info(
            `Stored measurements: ${target.name} at ${commit.slice(0, 12)} pushed to ${r.ref}` +
              (r.attempts > 1 ? ` (after ${r.attempts - 1} concurrent write(s))` : '') +
              (r.pruned > 0 ? `; ${r.pruned} older one(s) pruned` : ''),
          );
      } catch (err) {
        core.warning(`Stored measurements: ${target.name} not stored: ${errorMessage(err)}`);
      }
    }
  };
  return { ctx: { ...(storedBase ? { storedBase } : {}), ...(keepRaw ? { keepRaw } : {}) }, store };
}

/** mode: build — build and measure every image here, write the report, publish. */
async function buildMode(inputs: ActionInputs, event: RunEvent, cleanups: Cleanup[]): Promise<void> {
  await yieldCpuToBuilds();
  const root = process.env.GITHUB_WORKSPACE || process.cwd();
  const runnerTemp = process.env.RUNNER_TEMP || tmpdir();
  const judgedAt = await judgingCommit(root, event);
  const { targets, from, policies, removed } = await resolveTargets(root, inputs, judgedAt);
  confineTargets(root, targets, from);
  if (event.privileged && !inputs.allowUnsafePrBuild && targets.some((t) => !t.headImage)) {
    throw new UserError(
      `Refusing to build under ${event.name}: its token can write and the code may come from a pull request; measure in a pull_request workflow and post with mode: comment, or set allow-unsafe-pr-build: true for trusted code`,
    );
  }
  // Image references a PR's config file names get no registry credentials under a write token.
  const credentials = !(event.privileged && from === CONFIG_FILE);
  if (!credentials) core.info(`${CONFIG_FILE} under ${event.name}: its images are read without registry credentials.`);
  for (const t of targets) for (const v of secretValues(t.build.buildArgs)) core.setSecret(v);
  if (targets.length > 1) core.info(`${targets.length} images from ${from}: ${targets.map((t) => t.name).join(', ')}`);
  if (judgedAt && [...policies.values()].some((p) => p.rulesFrom))
    core.info(`Rules from ${CONFIG_FILE} at ${judgedAt.label} (${judgedAt.sha.slice(0, 12)}), never from the PR.`);
  const tmp = await mkdtemp(join(runnerTemp, 'docker-size-guard-'));
  cleanups.push(() => rm(tmp, { recursive: true, force: true }));
  const id = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(4).toString('hex')}`;
  const base = targets.every((t) => t.baseImage) ? null : await chooseBase(root, inputs, event);
  // changed-only: an image built from the same files and inputs as at the base is not built again.
  const notBuilt: { name: string; reason: string }[] = removed.map((name) => ({
    name,
    reason: `removed from ${CONFIG_FILE} by this PR: not built or judged`,
  }));
  let toBuild = targets;
  if ((inputs.changedOnly ?? targets.length > 1) && base?.sha) {
    const baseTargets = from === CONFIG_FILE ? await configTargetsAt(root, base.sha, base.label, inputs) : null;
    const split = splitByChange(targets, await changedSince(root, base.sha), {
      root,
      baseTargets: baseTargets && new Map(baseTargets.map((t) => [t.name, t])),
    });
    toBuild = split.build;
    for (const u of split.unchanged) {
      notBuilt.push({ name: u.target.name, reason: u.reason });
      core.info(`changed-only: ${u.target.name} not built (${u.reason}, since ${base.label})`);
    }
  }
  const approved = await approvalOf(inputs, event);
  const stored = await measurementsStep(root, inputs, event, base);
  // Every build-arg and secret value, wherever in an image's text or a build's output it surfaced, is gone before
  // any sink (the runner also masks those registered with setSecret, but only in its log).
  const secrets = secretValues([
    ...inputs.build.buildArgs,
    ...inputs.build.secrets,
    ...targets.flatMap((t) => t.build.buildArgs),
  ]);
  const cache = new LayerCache();
  const entries: Entry[] = [];
  for (const [i, target] of toBuild.entries()) {
    const log = {
      group: <T>(name: string, fn: () => Promise<T>) =>
        core.group(targets.length > 1 ? `${target.name}: ${name}` : name, fn),
      warning: (m: string) => core.warning(targets.length > 1 ? `${target.name}: ${m}` : m),
      info: (m: string) => core.info(targets.length > 1 ? `${target.name}: ${m}` : m),
      // buildx's own progress as it runs, inside the build's collapsed group.
      progress: (line: string) => core.info(logLine(redactText(line, secrets))),
      measuring: (m: string) => core.info(targets.length > 1 ? `${target.name}: ${m}` : m),
    };
    const ctx = {
      root,
      baseSha: base?.sha ?? null,
      baseMissing: base?.missing ?? null,
      baseLabel: base?.label ?? 'base',
      approved,
      tmp,
      id: targets.length > 1 ? `${id}-${i}` : id,
      cache,
      credentials,
      ...stored.ctx,
    };
    const measured = await core.group(`Image ${target.name}`, () => measureTarget(target, ctx, log, cleanups));
    const policy = policies.get(target.name);
    const judged = measured.map((e) => (policy ? { ...e, policy } : e));
    entries.push(...(inputs.suggest !== 'off' && event.pr ? await withSuggestions(judged, target, ctx, log) : judged));
  }
  const history = await withHistory(
    { root, ref: inputs.historyRef, mode: inputs.history, event, log: { info: core.info, warning: core.warning } },
    entries,
    notBuilt,
  );
  const unchanged = history.unchanged;
  await stored.store();
  // Decided on the measured entries; only the copies that go to a sink lose the secret values.
  const published = { entries: history.entries, shown: redactValues(history.entries, secrets), secrets };
  const report: RunReport = {
    tool: 'docker-size-guard',
    version: REPORT_VERSION,
    key: inputs.commentKey,
    pr: event.pr?.number ?? null,
    headSha: event.pr?.headSha ?? null,
    entries: published.shown,
    ...(unchanged.length > 0 ? { unchanged } : {}),
  };
  const reportPath = await writeReport(runnerTemp, report);
  await publish(
    inputs,
    published,
    event.pr?.number ?? null,
    reportPath,
    true,
    unchanged,
    { blob: blobUrl(event) },
    event.pr?.headSha ?? null,
  );
}

/**
 * mode: report / comment — combine the reports other jobs wrote (matrix jobs, or a pull_request workflow for
 * `workflow_run`) into one comment. Nothing is checked out or built. For `comment`, the PR comes from the reports
 * and must be open with the head commit they were measured on, so a report cannot aim at another PR.
 */
async function reportMode(inputs: ActionInputs, event: RunEvent, payloadHeadSha: string | null): Promise<void> {
  const reports = await readReports(inputs.reports, 'reports');
  let pr = event.pr?.number ?? null;
  let approved = inputs.mode === 'report' ? await approvalOf(inputs, event) : false;
  if (inputs.mode === 'comment') {
    const prs = [...new Set(reports.map((r) => r.pr))];
    const shas = [...new Set(reports.map((r) => r.headSha))];
    if (prs.length !== 1 || prs[0] === null || shas.length !== 1 || shas[0] === null) {
      throw new UserError(`Invalid input 'reports': the reports must all be for one pull request and head commit`);
    }
    pr = prs[0];
    if (payloadHeadSha && payloadHeadSha !== shas[0]) {
      throw new UserError(
        `Invalid input 'reports': measured on ${shas[0].slice(0, 12)}, but the workflow run is for ${payloadHeadSha.slice(0, 12)}`,
      );
    }
    const pull = await currentPull(inputs, pr);
    if (pull && (pull.state !== 'open' || pull.headSha !== shas[0])) {
      throw new UserError(
        `Invalid input 'reports': pull request #${pr} is ${pull.state} at ${pull.headSha.slice(0, 12)}, not open at the measured ${shas[0].slice(0, 12)}`,
      );
    }
    // Without the API, no approval can be verified.
    approved = !!pull?.labels.includes(inputs.approveLabel);
  }
  // Never a verdict or an approval copied from a report: both are computed again here.
  const headSha = reports[0]?.headSha ?? null;
  const entries = await withRederivedSuggestions(inputs, rederiveEntries(reports, approved), reports, pr, headSha);
  const unchanged = reports.flatMap((r) => r.unchanged ?? []);
  const runnerTemp = process.env.RUNNER_TEMP || tmpdir();
  const reportPath = await writeReport(runnerTemp, {
    tool: 'docker-size-guard',
    version: REPORT_VERSION,
    key: inputs.commentKey,
    pr,
    headSha,
    entries,
    ...(unchanged.length > 0 ? { unchanged } : {}),
  });
  // The measuring jobs carry the required check; a comment run only reports.
  // Reports are written redacted by the jobs that knew the values; nothing is known to redact here.
  await publish(
    inputs,
    { entries, shown: entries, secrets: [] },
    pr,
    reportPath,
    inputs.mode === 'report',
    unchanged,
    undefined,
    headSha,
  );
}

/** The action: dispatch on mode; errors are handled here, once; cleanups run also on failure. */
export async function run(): Promise<void> {
  const cleanups: Cleanup[] = [];
  // A cancelled run (the runner sends SIGINT, then SIGTERM) still removes its worktree, images and temp dir.
  const release = cleanUpOnSignal(cleanups, (m) => core.warning(m));
  try {
    const inputs = getInputs();
    for (const v of sensitiveValues(inputs)) core.setSecret(v);
    const payload = github.context.payload as Parameters<typeof readEvent>[1] & {
      workflow_run?: { head_sha?: string };
    };
    const event = readEvent(github.context.eventName, payload);
    if (inputs.mode === 'build') await buildMode(inputs, event, cleanups);
    else await reportMode(inputs, event, payload.workflow_run?.head_sha ?? null);
  } catch (err) {
    core.setFailed(errorMessage(err));
  } finally {
    release();
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => core.warning(`Cleanup: ${errorMessage(err)}`));
  }
}
