import * as github from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type Octokit = ReturnType<typeof github.getOctokit>;

/** The longest wait for a rate limit to reset that the step takes on; a longer one is reported instead. */
export const MAX_RATE_LIMIT_WAIT_S = 60;
const RETRIES = 2;

/**
 * The REST client: rate limits handled as GitHub asks (primary: wait for `x-ratelimit-reset`; secondary: wait
 * `retry-after`), by @octokit/plugin-throttling, within MAX_RATE_LIMIT_WAIT_S and RETRIES; server errors retried
 * by @octokit/plugin-retry (never 400, 401, 403, 404, 410, 422, 451, nor a rate limit's 429).
 */
export function octokit(token: string, log: (m: string) => void): Octokit {
  const onLimit =
    (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, count: number) => {
      const what = `${options.method ?? 'GET'} ${options.url ?? ''}`;
      if (count < RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_S) {
        log(`GitHub's ${kind} rate limit on ${what}: retrying in ${retryAfter} s.`);
        return true;
      }
      return false;
    };
  return github.getOctokit(
    token,
    {
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
      // plugin-retry's own list, plus 429: a rate limit is the throttling plugin's to wait out, not a retry's.
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    },
    retry,
    throttling,
  );
}

interface ApiError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * What an API failure means, in the words of a warning: a rate limit (which one, and when it resets) or a
 * permission problem are told apart as GitHub documents them (403 or 429, with `x-ratelimit-remaining: 0` for the
 * primary limit, `retry-after` or "secondary rate limit" for the secondary one). Pure.
 */
export function describeApiError(err: unknown, permission: string): string {
  const e = err as ApiError;
  const headers = e.response?.headers ?? {};
  const status = e.status;
  if (status === 403 || status === 429) {
    if (String(headers['x-ratelimit-remaining']) === '0') {
      const reset = Number(headers['x-ratelimit-reset']);
      const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : 'an unknown time';
      return `GitHub's primary rate limit was exceeded (HTTP ${status}); it resets at ${when}`;
    }
    if (headers['retry-after'] !== undefined || /secondary rate limit/i.test(e.message ?? '')) {
      const after = headers['retry-after'] !== undefined ? ` after ${String(headers['retry-after'])} s` : '';
      return `GitHub's secondary rate limit was exceeded (HTTP ${status}); it allows requests again${after}`;
    }
    if (status === 403) return permission;
  }
  return e.message ?? String(err);
}

/**
 * The login of the token's user, to tell our comments and reviews from others'; null for an installation token
 * (GITHUB_TOKEN), which cannot read /user: then what a bot wrote with our marker is ours.
 */
export async function viewerLogin(octokit: Octokit): Promise<string | null> {
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch {
    return null;
  }
}

/** Written by this token's identity when it is known, else by a bot. Pure. */
export function byUs(user: { login?: string; type?: string } | null | undefined, viewer: string | null): boolean {
  return viewer ? user?.login === viewer : user?.type === 'Bot';
}
