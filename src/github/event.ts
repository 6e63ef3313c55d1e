/** What a run needs from the event payload. Pure: tested on captured payload shapes. */
export interface PullRequestInfo {
  number: number;
  baseRef: string;
  baseSha: string;
  headSha: string;
  isFork: boolean;
}

export interface RunEvent {
  name: string;
  pr: PullRequestInfo | null;
  /** For push: the commit before the push (null for a new branch); for merge_group: its base. */
  beforeSha: string | null;
  /** Events whose token can write although the code under test may come from a fork. */
  privileged: boolean;
  /** For push: the pushed ref (refs/heads/main); the repository's default branch, when the payload says. */
  ref: string | null;
  defaultBranch: string | null;
}

interface Payload {
  pull_request?: {
    number: number;
    base: { ref: string; sha: string; repo?: { full_name?: string } };
    head: { sha: string; repo?: { full_name?: string } | null };
  };
  before?: string;
  ref?: string;
  repository?: { default_branch?: string };
  merge_group?: { base_sha?: string; base_ref?: string };
  workflow_run?: { pull_requests?: { number: number; base: { ref: string; sha: string }; head: { sha: string } }[] };
}

const ZERO = /^0+$/;

/**
 * Events whose token can write while the code they may check out comes from a pull request: the PR's own
 * workflow cannot run on them, but a workflow that checks out the PR's head there builds a stranger's code with
 * a write token. `issue_comment` and `discussion_comment` are how chat-ops workflows (`/size` comments) run.
 */
export const PRIVILEGED_EVENTS = [
  'pull_request_target',
  'workflow_run',
  'issue_comment',
  'pull_request_review_comment',
  'discussion_comment',
];

export function readEvent(name: string, payload: Payload): RunEvent {
  const pr = payload.pull_request;
  const info: PullRequestInfo | null = pr
    ? {
        number: pr.number,
        baseRef: pr.base.ref,
        baseSha: pr.base.sha,
        headSha: pr.head.sha,
        isFork: !!pr.head.repo?.full_name && pr.head.repo.full_name !== pr.base.repo?.full_name,
      }
    : null;
  let beforeSha: string | null = null;
  if (name === 'push' && payload.before && !ZERO.test(payload.before)) beforeSha = payload.before;
  if (name === 'merge_group' && payload.merge_group?.base_sha) beforeSha = payload.merge_group.base_sha;
  return {
    name,
    pr: info,
    beforeSha,
    privileged: PRIVILEGED_EVENTS.includes(name),
    ref: typeof payload.ref === 'string' ? payload.ref : null,
    defaultBranch: payload.repository?.default_branch ?? null,
  };
}

/**
 * Whether this run records its sizes in the history: a push to the default branch, or a manual run. Never a
 * pull request's run, whatever its token can do.
 */
export function writesHistory(event: RunEvent): boolean {
  if (event.name.startsWith('pull_request') || event.privileged) return false;
  if (event.name === 'workflow_dispatch') return true;
  return event.name === 'push' && !!event.defaultBranch && event.ref === `refs/heads/${event.defaultBranch}`;
}
