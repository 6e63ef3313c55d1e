/**
 * Event payloads as GitHub sends them: each starts from GitHub's published example (@octokit/webhooks-examples)
 * with only numbers, commits, refs and labels changed, and is checked against the webhook schema GitHub publishes
 * (@octokit/openapi-webhooks) before a test hands it to the action.
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Definition {
  name: string;
  examples: Json[];
}

let ajv: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();

/** The schema's name for an event and action: `pull-request-synchronize`, `push`, `workflow-run-completed`. */
const keyOf = (event: string, action?: string) => [event, action].filter(Boolean).join('-').replace(/_/g, '-');

/** What GitHub's webhook schema says is wrong with a payload; empty when nothing is. */
export function payloadViolations(event: string, payload: Json): string[] {
  const key = keyOf(event, typeof payload.action === 'string' ? payload.action : undefined);
  if (!ajv) {
    ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false });
    ajv.addSchema(require('@octokit/openapi-webhooks/generated/api.github.com.json') as object, 'webhooks');
  }
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile({ $ref: `webhooks#/webhooks/${key}/post/requestBody/content/application~1json/schema` });
    validators.set(key, v);
  }
  return v(payload)
    ? []
    : (v.errors ?? []).slice(0, 5).map((e) => `${key}: ${e.instancePath || '(root)'} ${e.message}`);
}

/** Repositories recorded before GitHub added `has_discussions` to them lack it; the schema requires it. */
function withDiscussions(v: unknown): void {
  if (Array.isArray(v)) v.forEach(withDiscussions);
  else if (v && typeof v === 'object') {
    const o = v as Json;
    if ('has_issues' in o && !('has_discussions' in o)) o.has_discussions = false;
    Object.values(o).forEach(withDiscussions);
  }
}

/**
 * A fresh copy of GitHub's example for an event (and action): the first one its schema accepts, as recorded or
 * with the one field added since (`has_discussions`).
 */
function exampleOf(event: string, action?: string): Json {
  const all = require('@octokit/webhooks-examples/api.github.com/index.json') as Definition[];
  const examples = all
    .find((d) => d.name === event)!
    .examples.filter((e) => action === undefined || e.action === action);
  for (const ex of examples) {
    const copy = structuredClone(ex);
    if (payloadViolations(event, copy).length === 0) return copy;
    withDiscussions(copy);
    if (payloadViolations(event, copy).length === 0) return copy;
  }
  throw new Error(`no example of ${keyOf(event, action)} passes GitHub's webhook schema`);
}

/** Checks a payload made here, so that no test runs on a shape GitHub never sends. */
function checked(event: string, payload: Json): Json {
  const wrong = payloadViolations(event, payload);
  if (wrong.length > 0) throw new Error(`test payload is not one GitHub sends:\n${wrong.join('\n')}`);
  return payload;
}

export function pullRequestPayload(pr: number, baseSha: string, headSha: string, labels: string[] = []): Json {
  const p = exampleOf('pull_request', 'synchronize');
  const label = p.pull_request.labels[0] ?? {
    id: 1,
    node_id: 'LA_1',
    url: '',
    name: '',
    color: 'ffffff',
    default: false,
    description: null,
  };
  p.number = pr;
  p.pull_request.number = pr;
  p.pull_request.base.ref = 'main';
  p.pull_request.base.sha = baseSha;
  p.pull_request.head.ref = 'feature';
  p.pull_request.head.sha = headSha;
  p.before = baseSha;
  p.after = headSha;
  p.pull_request.labels = labels.map((name, i) => ({ ...label, id: 100 + i, name }));
  p.repository.default_branch = 'main';
  return checked('pull_request', p);
}

export function pushPayload(before: string, after: string, ref = 'refs/heads/main'): Json {
  const p = exampleOf('push');
  Object.assign(p, { ref, before, after, base_ref: null, created: /^0+$/.test(before) });
  p.repository.default_branch = 'main';
  p.head_commit = p.head_commit ? { ...p.head_commit, id: after, tree_id: after } : null;
  p.commits = p.head_commit ? [p.head_commit] : [];
  return checked('push', p);
}

export function workflowRunPayload(headSha: string): Json {
  const p = exampleOf('workflow_run', 'completed');
  p.workflow_run.head_sha = headSha;
  p.workflow_run.pull_requests = [];
  return checked('workflow_run', p);
}

export function issueCommentPayload(issue: number): Json {
  const p = exampleOf('issue_comment', 'created');
  p.issue.number = issue;
  return checked('issue_comment', p);
}
