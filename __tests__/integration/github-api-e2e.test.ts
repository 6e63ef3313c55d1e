/**
 * GitHub's REST API as GitHub answers it, through dist/index.js as the runner runs it: rate limits (403 and 429,
 * primary and secondary, with GitHub's headers) and the comment body limit. The images are archives saved from
 * the daemon, so nothing is built: these runs are about the API.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { BODY_LIMIT, FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, stepsIn } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-api-'));
const repo = join(tmp, 'repo');
const api = new FakeGitHub();
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
const { git, commit } = gitRepo(repo);
let sha = '';
let pr = 40;

function run(): ReturnType<typeof step> {
  pr += 1;
  api.pulls.set(pr, { state: 'open', head: { sha }, labels: [] });
  return step({
    eventName: 'pull_request',
    payload: pullRequestPayload(pr, sha, sha),
    inputs: {
      'base-image': 'docker-archive:busybox.tar',
      'head-image': 'docker-archive:busybox.tar',
      'comment-key': `api-${pr}`,
    },
  });
}

describe.skipIf(!ready)("GitHub's rate limits and limits, as GitHub answers them", () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    docker(CLASSIC, ['save', '-o', join(repo, 'busybox.tar'), 'busybox:latest']);
    sha = commit({ 'README.md': 'x\n' }, 'init');
  });
  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('waits out a secondary rate limit (429, retry-after) and posts the comment', async () => {
    api.rateLimits.push({ status: 429, kind: 'secondary', seconds: 1 });
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      "GitHub's secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}: retrying in 1 s.",
    );
    expect((api.comments.get(pr) ?? []).filter((c) => c.user.type === 'Bot')).toHaveLength(1);
  });

  it('says which limit was hit and when it resets, instead of blaming the permissions', async () => {
    // The labels' read and every comment call are refused: the primary limit resets in two hours.
    for (let i = 0; i < 12; i++) api.rateLimits.push({ status: 403, kind: 'primary', seconds: 7200 });
    const before = Date.now();
    const r = await run();
    api.rateLimits.length = 0;
    expect(r.code, r.stdout).toBe(0);
    const m =
      /::warning::The PR comment was not posted: GitHub's primary rate limit was exceeded \(HTTP 403\); it resets at (\S+)\./.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    const reset = Date.parse(m![1]!);
    expect(Math.abs(reset - (before + 7200_000))).toBeLessThan(60_000);
    expect(r.stdout).not.toContain('the token cannot write');
    expect(r.stdout).toMatch(/::warning::The PR's labels could not be read \(GitHub's primary rate limit/);
  });

  it('a 403 without rate-limit headers is the permission problem it is', async () => {
    api.readOnly = true;
    try {
      const r = await run();
      expect(r.stdout).toMatch(/::warning::The PR comment was not posted: the token cannot write to this pull request/);
    } finally {
      api.readOnly = false;
    }
  });

  it('the fake refuses what GitHub refuses: a body over 65,536 characters, a POST without one, broken JSON', async () => {
    const post = (body: string) =>
      fetch(`${api.url}/repos/acme/app/issues/${pr}/comments`, { method: 'POST', body }).then(async (r) => [
        r.status,
        (await r.json()) as { message: string },
      ]);
    expect((await post(JSON.stringify({ body: 'x'.repeat(BODY_LIMIT + 1) })))[0]).toBe(422);
    expect((await post(JSON.stringify({ body: 'x'.repeat(BODY_LIMIT) })))[0]).toBe(201);
    expect((await post(JSON.stringify({})))[0]).toBe(422);
    expect((await post('{'))[0]).toBe(400);
    // And the validator built on GitHub's OpenAPI document sees the requests GitHub would refuse.
    expect(api.violations.splice(0)).toEqual([
      `POST /repos/acme/app/issues/${pr}/comments: request body: (root) must have required property 'body'`,
      `POST /repos/acme/app/issues/${pr}/comments: request body: (root) must be object`,
      `POST /repos/acme/app/issues/${pr}/comments: status 400 is not one GitHub documents for /repos/{owner}/{repo}/issues/{issue_number}/comments`,
    ]);
  });

  it('the validator sees a planted violation: a wrong path, a wrong parameter, an answer the spec does not allow', async () => {
    const bad = [
      fetch(`${api.url}/repos/acme/app/issuez/${pr}/comments`),
      fetch(`${api.url}/repos/acme/app/issues/${pr}/comments`, { method: 'POST', body: JSON.stringify({ body: 5 }) }),
    ];
    await Promise.all(bad);
    const seen = api.violations.splice(0);
    // Sent at once: each request is judged with its own body, in whatever order they finish.
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/GET \/repos\/acme\/app\/issuez\/\d+\/comments: no such operation/),
        expect.stringMatching(/request body: \/body must be string/),
      ]),
    );
    // An answer missing a field GitHub always sends.
    const { violations } = await import('../helpers/openapi.js');
    expect(violations('GET', '/repos/acme/app/pulls/1', undefined, 200, { number: 1 })).toEqual([
      expect.stringMatching(/200 answer: \(root\) must have required property/),
    ]);
  });
});
