/**
 * A fake GitHub REST API on loopback, for running dist/index.js as the Actions runner does. It keeps issue
 * comments in memory and records every call; `readOnly` answers writes with 403 as a fork PR's token gets.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { example, violations } from './openapi.js';

export interface Call {
  method: string;
  path: string;
  body?: unknown;
}

export interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

/** A comment as GitHub's REST API answers it: GitHub's own example, with this comment's fields. */
function restComment(c: Comment, issue: number): Record<string, unknown> {
  const base = example<Record<string, unknown> & { user: Record<string, unknown> }>('issue-comment');
  const url = `https://api.github.com/repos/acme/app/issues/comments/${c.id}`;
  return {
    ...base,
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    url,
    html_url: `https://github.com/acme/app/pull/${issue}#issuecomment-${c.id}`,
    issue_url: `https://api.github.com/repos/acme/app/issues/${issue}`,
    user: { ...base.user, login: c.user.login, type: c.user.type },
  };
}

/** A rate-limit answer the fake gives instead of the next request's, as GitHub sends it. */
export interface RateLimitAnswer {
  status: 403 | 429;
  kind: 'primary' | 'secondary';
  /** primary: seconds until x-ratelimit-reset; secondary: the retry-after value. */
  seconds: number;
}

const DOCS = 'https://docs.github.com/rest/issues/comments#create-an-issue-comment';

/** GitHub's limit on a comment body, in characters. */
export const BODY_LIMIT = 65536;

/** GitHub's 422 for a comment body that is missing or too long; null for a good one. */
function invalidBody(b: unknown): [number, unknown] | null {
  const value = (b as { body?: unknown } | undefined)?.body;
  if (typeof value !== 'string')
    return [422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' }];
  if (value.length > BODY_LIMIT)
    return [
      422,
      {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${BODY_LIMIT} characters)`,
          },
        ],
        documentation_url: DOCS,
        status: '422',
      },
    ];
  return null;
}

/** A review as the fake keeps it: GitHub's fields the action reads, and its comments. */
export interface Review {
  id: number;
  body: string;
  commit_id: string;
  user: { login: string; type: string };
  comments: ReviewComment[];
}

export interface ReviewComment {
  id: number;
  path: string;
  body: string;
  line: number;
  start_line: number | null;
  side: string;
}

const REVIEW_DOCS = 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request';

function restReview(r: Review, pr: number): Record<string, unknown> {
  const base = example<Record<string, unknown> & { user: Record<string, unknown> }>('pull-request-review');
  return {
    ...base,
    id: r.id,
    node_id: `PRR_${r.id}`,
    body: r.body,
    state: 'COMMENTED',
    commit_id: r.commit_id,
    html_url: `https://github.com/acme/app/pull/${pr}#pullrequestreview-${r.id}`,
    pull_request_url: `https://api.github.com/repos/acme/app/pulls/${pr}`,
    user: { ...base.user, login: r.user.login, type: r.user.type },
  };
}

function restReviewComment(c: ReviewComment, r: Review, pr: number): Record<string, unknown> {
  const base = example<(Record<string, unknown> & { user: Record<string, unknown> })[]>('review-comment-items')[0]!;
  // Not a reply: GitHub leaves in_reply_to_id out of a review's own comments.
  const rest: Record<string, unknown> = { ...base };
  delete rest.in_reply_to_id;
  delete rest.start_side;
  return {
    ...rest,
    id: c.id,
    node_id: `PRRC_${c.id}`,
    pull_request_review_id: r.id,
    url: `https://api.github.com/repos/acme/app/pulls/comments/${c.id}`,
    html_url: `https://github.com/acme/app/pull/${pr}#discussion_r${c.id}`,
    pull_request_url: `https://api.github.com/repos/acme/app/pulls/${pr}`,
    path: c.path,
    body: c.body,
    commit_id: r.commit_id,
    original_commit_id: r.commit_id,
    line: c.line,
    original_line: c.line,
    start_line: c.start_line,
    original_start_line: c.start_line,
    side: c.side,
    // GitHub's schema lists start_side as LEFT or RIGHT (null is not in its enum): a one-line comment has none.
    ...(c.start_line === null ? {} : { start_side: c.side }),
    user: { ...base.user, login: r.user.login, type: r.user.type },
  };
}

export class FakeGitHub {
  readonly calls: Call[] = [];
  /** Answered in turn, one per request, before the request is handled. */
  readonly rateLimits: RateLimitAnswer[] = [];
  /** Every request sent and answer given that GitHub's OpenAPI description does not allow; stop() fails on any. */
  readonly violations: string[] = [];
  private remaining = 5000;
  readonly comments = new Map<number, Comment[]>();
  readOnly = false;
  /** Pull requests GET /pulls/:n answers with (state and head commit). */
  readonly pulls = new Map<number, { state: string; head: { sha: string }; labels?: { name: string }[] }>();
  /** Reviews per pull request, and each PR's diff as GitHub shows it: the head side's hunks per path. */
  readonly reviews = new Map<number, Review[]>();
  readonly diffs = new Map<number, Map<string, { start: number; end: number }[]>>();
  /** A file's text at a commit, for GET /contents (the test answers from its own git repository). */
  fileAt: (ref: string, path: string) => string | null = () => null;
  private nextId = 1000;
  private server: Server | undefined;
  url = '';

  seed(issue: number, body: string, user = { login: 'someone', type: 'User' }): void {
    const list = this.comments.get(issue) ?? [];
    list.push({ id: this.nextId++, body, user });
    this.comments.set(issue, list);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body, headers]) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...this.rateHeaders(), ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops the server, and fails when any exchange broke GitHub's description of its API. */
  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    if (this.violations.length > 0)
      throw new Error(
        `the fake GitHub saw exchanges GitHub's OpenAPI document does not allow:\n${this.violations.join('\n')}`,
      );
  }

  /** The x-ratelimit-* headers GitHub sends with every REST answer. */
  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-used': String(5000 - this.remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    };
  }

  private rateLimited(limit: RateLimitAnswer): [number, unknown, Record<string, string>] {
    const doc = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';
    if (limit.kind === 'primary')
      return [
        limit.status,
        {
          message: 'API rate limit exceeded for installation ID 1.',
          documentation_url: doc,
          status: String(limit.status),
        },
        {
          ...this.rateHeaders(),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + limit.seconds),
        },
      ];
    return [
      limit.status,
      {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: doc,
        status: String(limit.status),
      },
      { 'retry-after': String(limit.seconds) },
    ];
  }

  /**
   * One exchange: the request read and recorded, answered, and both checked against GitHub's description of the
   * operation (each request with its own body, whatever else is in flight).
   */
  private async handle(req: IncomingMessage): Promise<[number, unknown, Record<string, string>?]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url!, 'http://x');
    let body: unknown;
    let parsed = true;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
      parsed = false;
    }
    this.calls.push({ method: req.method!, path: url.pathname + url.search, body });
    const answer: [number, unknown, Record<string, string>?] = parsed
      ? await this.answer(req.method!, url, body)
      : [400, { message: 'Problems parsing JSON', status: '400' }];
    this.violations.push(...violations(req.method!, url.pathname, body, answer[0], answer[1]));
    return answer;
  }

  private async answer(method: string, url: URL, body: unknown): Promise<[number, unknown, Record<string, string>?]> {
    const limit = this.rateLimits.shift();
    if (limit) return this.rateLimited(limit);
    this.remaining = Math.max(0, this.remaining - 1);
    if (process.env.FAKE_GITHUB_DEBUG) console.error(`fake github: ${method} ${url.pathname}${url.search}`);
    const forbidden: [number, unknown] = [403, { message: 'Resource not accessible by integration' }];
    let m: RegExpExecArray | null;
    if (method === 'GET' && url.pathname === '/user') return forbidden; // an installation token cannot read /user
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const issue = Number(m[1]);
      const list = this.comments.get(issue) ?? [];
      if (method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(list.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last)
          headers.link = `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next", <${this.url}${url.pathname}?per_page=${perPage}&page=${last}>; rel="last"`;
        return [200, list.slice((page - 1) * perPage, page * perPage).map((c) => restComment(c, issue)), headers];
      }
      if (method === 'POST') {
        if (this.readOnly) return forbidden;
        const bad = invalidBody(body);
        if (bad) return bad;
        const c = {
          id: this.nextId++,
          body: (body as { body: string }).body,
          user: { login: 'github-actions[bot]', type: 'Bot' },
        };
        list.push(c);
        this.comments.set(issue, list);
        return [201, restComment(c, issue)];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)) && method === 'PATCH') {
      if (this.readOnly) return forbidden;
      const bad = invalidBody(body);
      if (bad) return bad;
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m![1]));
        if (c) {
          c.body = (body as { body: string }).body;
          return [200, restComment(c, Number([...this.comments.entries()].find(([, l]) => l.includes(c))![0]))];
        }
      }
      return [404, { message: 'Not Found' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/.exec(url.pathname)) && method === 'GET') {
      const pr = this.pulls.get(Number(m[1]));
      if (!pr) return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
      // GitHub's example pull request, with this one's number, state, head commit and labels.
      const full = example<
        Record<string, unknown> & { head: Record<string, unknown>; labels: Record<string, unknown>[] }
      >('pull-request');
      const label = full.labels[0]!;
      return [
        200,
        {
          ...full,
          number: Number(m[1]),
          state: pr.state,
          // GitHub's example lists a team without its `type`, which its own schema requires.
          requested_teams: [],
          head: { ...full.head, sha: pr.head.sha },
          labels: (pr.labels ?? []).map((l, i) => ({ ...label, id: 1000 + i, node_id: `LA_${i}`, name: l.name })),
        },
      ];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(url.pathname)) && method === 'GET') {
      const path = decodeURIComponent(m[1]!);
      const text = this.fileAt(url.searchParams.get('ref') ?? 'HEAD', path);
      if (text === null)
        return [
          404,
          { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents', status: '404' },
        ];
      const base = example<Record<string, unknown>>('content-file');
      const bytes = Buffer.from(text);
      // GitHub wraps the base64 at 60 characters.
      const content = (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n';
      return [200, { ...base, name: path.split('/').at(-1), path, size: bytes.length, content, encoding: 'base64' }];
    }
    const review = this.reviewRoute(method, url.pathname, body, forbidden);
    if (review) return review;
    return [404, { message: `fake GitHub: no route for ${method} ${url.pathname}` }];
  }

  /** GitHub's 422 when a review comment's lines are not in one hunk of the PR's diff; null when they all are. */
  private outsideDiff(pr: number, comments: { path: string; line: number; start_line?: number }[]): string[] {
    const errors: string[] = [];
    const hunks = this.diffs.get(pr);
    for (const c of comments) {
      const start = c.start_line ?? c.line;
      if (c.start_line !== undefined && c.start_line >= c.line)
        errors.push('Pull request review thread start line must precede the end line.');
      const inOne = (hunks?.get(c.path) ?? []).some((h) => h.start <= start && c.line <= h.end);
      if (!inOne)
        errors.push(
          "Pull request review thread line must be part of the diff, Pull request review thread start line must be part of the same hunk as the line., and Pull request review thread diff hunk can't be blank",
        );
    }
    return errors;
  }

  private reviewRoute(
    method: string,
    path: string,
    body: unknown,
    forbidden: [number, unknown],
  ): [number, unknown, Record<string, string>?] | null {
    let m: RegExpExecArray | null;
    const notFound: [number, unknown] = [
      404,
      { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
    ];
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/reviews$/.exec(path))) {
      const pr = Number(m[1]);
      const list = this.reviews.get(pr) ?? [];
      if (method === 'GET') return [200, list.map((r) => restReview(r, pr))];
      if (method === 'POST') {
        if (this.readOnly) return forbidden;
        const b = body as {
          commit_id?: string;
          body?: string;
          event?: string;
          comments?: { path: string; body: string; line: number; side?: string; start_line?: number }[];
        };
        const errors = this.outsideDiff(pr, b.comments ?? []);
        if (errors.length > 0)
          return [422, { message: 'Unprocessable Entity', errors, documentation_url: REVIEW_DOCS, status: '422' }];
        const r: Review = {
          id: this.nextId++,
          body: b.body ?? '',
          commit_id: b.commit_id ?? this.pulls.get(pr)?.head.sha ?? '',
          user: { login: 'github-actions[bot]', type: 'Bot' },
          comments: (b.comments ?? []).map((c) => ({
            id: this.nextId++,
            path: c.path,
            body: c.body,
            line: c.line,
            start_line: c.start_line ?? null,
            side: c.side ?? 'RIGHT',
          })),
        };
        list.push(r);
        this.reviews.set(pr, list);
        return [200, restReview(r, pr)];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/reviews\/(\d+)(\/comments)?$/.exec(path))) {
      const pr = Number(m[1]);
      const r = (this.reviews.get(pr) ?? []).find((x) => x.id === Number(m![2]));
      if (!r) return notFound;
      if (m[3] && method === 'GET') return [200, r.comments.map((c) => restReviewComment(c, r, pr))];
      if (!m[3] && method === 'PUT') {
        if (this.readOnly) return forbidden;
        r.body = (body as { body: string }).body;
        return [200, restReview(r, pr)];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/comments\/(\d+)$/.exec(path)) && method === 'DELETE') {
      if (this.readOnly) return forbidden;
      for (const list of this.reviews.values())
        for (const r of list) {
          const at = r.comments.findIndex((c) => c.id === Number(m![1]));
          if (at >= 0) {
            r.comments.splice(at, 1);
            return [204, undefined];
          }
        }
      return notFound;
    }
    return null;
  }
}
