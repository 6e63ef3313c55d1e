/**
 * A fake GitHub REST API on loopback, for running dist/index.js as the Actions runner does. It keeps issue
 * comments in memory and records every call; `readOnly` answers writes with 403 as a fork PR's token gets.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** A rate-limit answer the fake gives instead of the next request's, as GitHub sends it. */
export interface RateLimitAnswer {
  status: 403 | 429;
  kind: 'primary' | 'secondary';
  /** primary: seconds until x-ratelimit-reset; secondary: the retry-after value. */
  seconds: number;
}

/** GitHub's limit on a comment body, in characters. */
export const BODY_LIMIT = 65536;

export class FakeGitHub {
  readonly calls: Call[] = [];
  /** Answered in turn, one per request, before the request is handled. */
  readonly rateLimits: RateLimitAnswer[] = [];
  private remaining = 5000;
  readonly comments = new Map<number, Comment[]>();
  readOnly = false;
  /** Pull requests GET /pulls/:n answers with (state and head commit). */
  readonly pulls = new Map<number, { state: string; head: { sha: string }; labels?: { name: string }[] }>();
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

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
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

  private async handle(req: IncomingMessage): Promise<[number, unknown, Record<string, string>?]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url!, 'http://x');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      this.calls.push({ method: req.method!, path: url.pathname + url.search, body: text });
      return [400, { message: 'Problems parsing JSON', status: '400' }];
    }
    this.calls.push({ method: req.method!, path: url.pathname + url.search, body });
    const limit = this.rateLimits.shift();
    if (limit) return this.rateLimited(limit);
    this.remaining = Math.max(0, this.remaining - 1);
    const invalidBody = (b: unknown): [number, unknown] | null => {
      const value = (b as { body?: unknown } | undefined)?.body;
      if (typeof value !== 'string')
        return [422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' }];
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
            status: '422',
          },
        ];
      return null;
    };
    if (process.env.FAKE_GITHUB_DEBUG) console.error(`fake github: ${req.method} ${url.pathname}${url.search}`);
    const forbidden: [number, unknown] = [403, { message: 'Resource not accessible by integration' }];
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && url.pathname === '/user') return forbidden; // an installation token cannot read /user
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const issue = Number(m[1]);
      const list = this.comments.get(issue) ?? [];
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(list.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last)
          headers.link = `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next", <${this.url}${url.pathname}?per_page=${perPage}&page=${last}>; rel="last"`;
        return [200, list.slice((page - 1) * perPage, page * perPage), headers];
      }
      if (req.method === 'POST') {
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
        return [201, c];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)) && req.method === 'PATCH') {
      if (this.readOnly) return forbidden;
      const bad = invalidBody(body);
      if (bad) return bad;
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m![1]));
        if (c) {
          c.body = (body as { body: string }).body;
          return [200, c];
        }
      }
      return [404, { message: 'Not Found' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)$/.exec(url.pathname)) && req.method === 'GET') {
      const pr = this.pulls.get(Number(m[1]));
      return pr ? [200, { number: Number(m[1]), ...pr }] : [404, { message: 'Not Found' }];
    }
    return [404, { message: `fake GitHub: no route for ${req.method} ${url.pathname}` }];
  }
}
