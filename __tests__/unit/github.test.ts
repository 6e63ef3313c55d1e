import { payloadViolations, pullRequestPayload } from '../helpers/payloads.js';
import { describeApiError } from '../../src/github/client.js';
import { describe, expect, it } from 'vitest';
import { buildxArgs, secretEnv } from '../../src/buildx/buildx-args.js';
import { findMatchingComment } from '../../src/github/comment.js';
import { readEvent } from '../../src/github/event.js';
import { marker } from '../../src/report/comparison-markdown.js';

describe('sticky comment lookup', () => {
  const m = marker('api');
  const comments = [
    { id: 1, body: `quoting ${m}`, user: { login: 'alice', type: 'User' } },
    { id: 2, body: `report ${marker('web')}`, user: { login: 'github-actions[bot]', type: 'Bot' } },
    { id: 3, body: `report ${m}`, user: { login: 'github-actions[bot]', type: 'Bot' } },
  ];
  it('finds our own comment for the key, not a quote and not another key', () => {
    expect(findMatchingComment(comments, m, null)?.id).toBe(3);
    expect(findMatchingComment(comments, m, 'alice')?.id).toBe(1);
    expect(findMatchingComment(comments, marker('db'), null)).toBeUndefined();
  });
  it('keeps the key inside the HTML comment safe', () => {
    expect(marker('a --> <b>')).toBe('<!-- docker-size-guard:a_--___b_ -->');
  });
});

describe('events', () => {
  it('reads a pull_request payload, fork or not', () => {
    const e = readEvent('pull_request', {
      pull_request: {
        number: 3,
        base: { ref: 'main', sha: 'b', repo: { full_name: 'acme/app' } },
        head: { sha: 'h', repo: { full_name: 'mallory/app' } },
      },
    });
    expect(e).toEqual({
      name: 'pull_request',
      pr: { number: 3, baseRef: 'main', baseSha: 'b', headSha: 'h', isFork: true },
      beforeSha: null,
      privileged: false,
      ref: null,
      defaultBranch: null,
    });
  });
  it('reads push and merge_group bases, and marks privileged events', () => {
    expect(readEvent('push', { before: 'abc' }).beforeSha).toBe('abc');
    expect(readEvent('push', { before: '0000000000' }).beforeSha).toBeNull();
    expect(readEvent('merge_group', { merge_group: { base_sha: 'q' } }).beforeSha).toBe('q');
    expect(readEvent('pull_request_target', {}).privileged).toBe(true);
    expect(readEvent('workflow_run', {}).privileged).toBe(true);
  });
});

describe('buildx argv', () => {
  const inputs = {
    context: 'app',
    file: 'app/Dockerfile.prod',
    target: 'runtime',
    buildArgs: ['NPM_TOKEN=s3cr3t'],
    buildContexts: ['shared=../shared'],
    secrets: ['gh=token-value'],
    platforms: ['linux/amd64'],
    builder: 'ci',
    cacheFrom: ['type=gha'],
    cacheTo: ['type=gha,mode=max'],
    pull: true,
    noCache: false,
  };
  it('is a pure function of the inputs, with paths resolved in the checkout', () => {
    expect(buildxArgs(inputs, { root: '/ws', tag: 't:1', iidFile: '/tmp/iid', metadataFile: '/tmp/meta.json' })).toEqual([
      'buildx', 'build', '--builder', 'ci', '--progress', 'plain', '--provenance', 'false', '--tag', 't:1', '--load',
      '--iidfile', '/tmp/iid', '--metadata-file', '/tmp/meta.json', '--file', '/ws/app/Dockerfile.prod', '--target', 'runtime',
      '--platform', 'linux/amd64', '--build-arg', 'NPM_TOKEN=s3cr3t', '--build-context', 'shared=../shared',
      '--secret', 'id=gh,env=DSG_SECRET_GH', '--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max', '--pull', '/ws/app',
    ]); // prettier-ignore
  });
  it('writes an OCI archive instead of loading when asked', () => {
    const argv = buildxArgs(inputs, { root: '/ws', tag: 't', iidFile: 'i', metadataFile: 'm', ociDest: '/tmp/x.tar' });
    expect(argv).toContain('type=oci,dest=/tmp/x.tar');
    expect(argv).not.toContain('--load');
  });

  it('never puts a secret value on the command line', () => {
    const argv = buildxArgs(inputs, { root: '/ws', tag: 't', iidFile: 'i', metadataFile: 'm' });
    expect(argv.join(' ')).not.toContain('token-value');
    expect(secretEnv(inputs.secrets)).toEqual({ DSG_SECRET_GH: 'token-value' });
  });
});

describe('API failures in a warning', () => {
  const err = (status: number, headers: Record<string, string>, message = 'x') => ({
    status,
    message,
    response: { headers },
  });
  it('tells a primary, a secondary rate limit and a permission problem apart, as GitHub documents them', () => {
    const reset = 1_800_000_000;
    expect(describeApiError(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), 'P')).toBe(
      `GitHub's primary rate limit was exceeded (HTTP 403); it resets at ${new Date(reset * 1000).toISOString()}`,
    );
    expect(describeApiError(err(429, { 'retry-after': '30' }), 'P')).toBe(
      "GitHub's secondary rate limit was exceeded (HTTP 429); it allows requests again after 30 s",
    );
    expect(describeApiError(err(403, {}, 'You have exceeded a secondary rate limit'), 'P')).toMatch(
      /^GitHub's secondary/,
    );
    expect(describeApiError(err(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible'), 'P')).toBe('P');
    expect(describeApiError(err(404, {}, 'Not Found'), 'P')).toBe('Not Found');
  });
});

describe('event payloads as GitHub sends them', () => {
  it("start from GitHub's examples, pass its webhook schemas, and a missing required field is seen", () => {
    const p = pullRequestPayload(5, 'a'.repeat(40), 'b'.repeat(40), ['size-increase-approved']);
    expect(payloadViolations('pull_request', p)).toEqual([]);
    const e = readEvent('pull_request', p as Parameters<typeof readEvent>[1]);
    expect(e.pr).toMatchObject({ number: 5, baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40), baseRef: 'main' });
    const broken = structuredClone(p) as { pull_request: Record<string, unknown> };
    delete broken.pull_request.head;
    expect(payloadViolations('pull_request', broken)).toEqual([
      "pull-request-synchronize: /pull_request must have required property 'head'",
    ]);
  });
});
