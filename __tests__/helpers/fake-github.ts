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

export class FakeGitHub {
  readonly calls: Call[] = [];
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
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown, Record<string, string>?]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = text ? JSON.parse(text) : undefined;
    const url = new URL(req.url!, 'http://x');
    this.calls.push({ method: req.method!, path: url.pathname + url.search, body });
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
        const c = { id: this.nextId++, body: body.body, user: { login: 'github-actions[bot]', type: 'Bot' } };
        list.push(c);
        this.comments.set(issue, list);
        return [201, c];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname)) && req.method === 'PATCH') {
      if (this.readOnly) return forbidden;
      for (const list of this.comments.values()) {
        const c = list.find((x) => x.id === Number(m![1]));
        if (c) {
          c.body = body.body;
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
