/** What a run needs from the event payload. Pure: tested on captured payload shapes. */
export interface PullRequestInfo {
  number: number;
  baseRef: string;
  baseSha: string;
  headSha: string;
  isFork: boolean;
  labels: string[];
}

export interface RunEvent {
  name: string;
  pr: PullRequestInfo | null;
  /** For push: the commit before the push (null for a new branch); for merge_group: its base. */
  beforeSha: string | null;
  /** Events whose token can write although the code under test may come from a fork. */
  privileged: boolean;
}

interface Payload {
  pull_request?: {
    number: number;
    base: { ref: string; sha: string; repo?: { full_name?: string } };
    head: { sha: string; repo?: { full_name?: string } | null };
    labels?: { name: string }[];
  };
  before?: string;
  merge_group?: { base_sha?: string; base_ref?: string };
  workflow_run?: { pull_requests?: { number: number; base: { ref: string; sha: string }; head: { sha: string } }[] };
}

const ZERO = /^0+$/;

export function readEvent(name: string, payload: Payload): RunEvent {
  const pr = payload.pull_request;
  const info: PullRequestInfo | null = pr
    ? {
        number: pr.number,
        baseRef: pr.base.ref,
        baseSha: pr.base.sha,
        headSha: pr.head.sha,
        isFork: !!pr.head.repo?.full_name && pr.head.repo.full_name !== pr.base.repo?.full_name,
        labels: (pr.labels ?? []).map((l) => l.name),
      }
    : null;
  let beforeSha: string | null = null;
  if (name === 'push' && payload.before && !ZERO.test(payload.before)) beforeSha = payload.before;
  if (name === 'merge_group' && payload.merge_group?.base_sha) beforeSha = payload.merge_group.base_sha;
  return { name, pr: info, beforeSha, privileged: name === 'pull_request_target' || name === 'workflow_run' };
}
