import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http1Get, readAll, requestHead, type Http1Error, type Http1Target } from '../../src/sources/http1.js';
import { randomBytes } from '../helpers/archives.js';
import { makeCa, signCertificate } from '../helpers/certs.js';

/**
 * The reused-buffer GET against node:http and node:https (independent HTTP and TLS implementations): bodies with a
 * length, chunked in uneven writes, and ended by the connection; servers that stall, die or speak no HTTP.
 */
const dir = mkdtempSync(join(tmpdir(), 'dsg-http1-'));
const body = randomBytes(6_000_000, 11);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let plain: Server;
let tls: Server;
let ca: Buffer;
const closed: string[] = [];

function serve(req: IncomingMessage, res: ServerResponse): void {
  res.on('close', () => closed.push(req.url!));
  const uneven = () => {
    let offset = 0;
    const next = () => {
      if (offset >= body.length) return void res.end();
      const n = Math.min(body.length - offset, 700 + ((offset * 7919) % 120_000));
      const more = res.write(body.subarray(offset, offset + n));
      offset += n;
      if (more) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  };
  switch (req.url) {
    case '/length':
      res.writeHead(200, { 'Content-Length': body.length, 'X-Twice': ['a', 'b'] }).end(body);
      return;
    case '/chunked':
      res.writeHead(200);
      return uneven();
    case '/until-close':
      // HTTP/1.0's framing, which node:http does not write itself: no length, no chunks, the end is the close.
      res.socket!.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      res.socket!.end(body.subarray(0, 1_000_000));
      return;
    case '/stall-body':
      res.writeHead(200, { 'Content-Length': body.length });
      res.write(body.subarray(0, 300_000));
      return; // and nothing more
    case '/dies':
      res.writeHead(200, { 'Content-Length': body.length });
      res.write(body.subarray(0, 300_000), () => res.socket!.destroy());
      return;
    case '/not-http':
      res.socket!.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
      return;
    case '/stall-head':
      return;
    default:
      res.writeHead(404).end('no');
  }
}

beforeAll(async () => {
  makeCa(dir);
  signCertificate(dir, 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ca = readFileSync(join(dir, 'ca.pem'));
  plain = createServer(serve);
  tls = createTlsServer(
    { key: readFileSync(join(dir, 'server-key.pem')), cert: readFileSync(join(dir, 'server.pem')) },
    serve,
  );
  await Promise.all([plain, tls].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
});
afterAll(async () => {
  for (const s of [plain, tls]) s.closeAllConnections();
  await Promise.all([plain, tls].map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

const targets = (): [string, Http1Target][] => [
  ['plain', { kind: 'tcp', host: '127.0.0.1', port: (plain.address() as AddressInfo).port, tls: null }],
  ['TLS', { kind: 'tcp', host: '127.0.0.1', port: (tls.address() as AddressInfo).port, tls: { ca } }],
];
const get = (target: Http1Target, path: string, idleMs = 5_000) =>
  http1Get(target, requestHead(path, 'test', {}), idleMs);

describe('one GET read into one reused buffer', () => {
  it('hands over every byte of a body with a length, chunked, or ended by the connection, through one buffer', async () => {
    for (const [, target] of targets()) {
      for (const [path, want] of [
        ['/length', body],
        ['/chunked', body],
        ['/until-close', body.subarray(0, 1_000_000)],
      ] as const) {
        const res = await get(target, path);
        expect(res.status).toBe(200);
        if (path === '/length') expect(res.headers.get('x-twice')).toBe('a, b');
        const hash = createHash('sha256');
        const buffers = new Set<ArrayBufferLike>();
        let bytes = 0;
        for await (const chunk of res.body) {
          hash.update(chunk);
          bytes += chunk.length;
          buffers.add(chunk.buffer);
        }
        expect(bytes).toBe(want.length);
        expect(hash.digest('hex')).toBe(sha(want));
        expect(buffers.size).toBe(1); // every chunk a view of the same memory: nothing allocated per read
      }
    }
  });

  it('a reader that holds a chunk longer than the idle limit is not a stalled server', async () => {
    for (const [, target] of targets()) {
      const res = await get(target, '/chunked', 300);
      const hash = createHash('sha256');
      let n = 0;
      for await (const chunk of res.body) {
        hash.update(chunk);
        if (n++ === 2) await new Promise((resolve) => setTimeout(resolve, 700));
      }
      expect(hash.digest('hex')).toBe(sha(body));
    }
  });

  it('a server that stalls, dies mid-body or speaks no HTTP is an error with its code', async () => {
    const codeOf = async (target: Http1Target, path: string) => {
      try {
        const res = await get(target, path, 400);
        await readAll(res.body, Infinity);
        return 'no error';
      } catch (err) {
        return (err as Http1Error).code;
      }
    };
    for (const [, target] of targets()) {
      expect(await codeOf(target, '/stall-head')).toBe('ETIMEDOUT');
      expect(await codeOf(target, '/stall-body')).toBe('ETIMEDOUT');
      expect(await codeOf(target, '/dies')).toBe('ECONNRESET');
      expect(await codeOf(target, '/not-http')).toBe('EPROTO');
    }
    const refused = { kind: 'tcp', host: '127.0.0.1', port: 1, tls: null } as const;
    expect(await codeOf(refused, '/length')).toBe('ECONNREFUSED');
  });

  it('TLS checks the certificate: another CA is refused before a byte is sent', async () => {
    const [, target] = targets()[1]!;
    const other = join(dir, 'other');
    makeCa(other);
    const wrong = { ...target, tls: { ca: readFileSync(join(other, 'ca.pem')) } } as Http1Target;
    await expect(get(wrong, '/length')).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('cancel drops the connection; the status and body of an error are there to read', async () => {
    for (const [name, target] of targets()) {
      const res = await get(target, '/chunked');
      for await (const chunk of res.body) {
        expect(chunk.length).toBeGreaterThan(0);
        break; // the reader stops: the connection goes
      }
      await expect.poll(() => closed.filter((p) => p === '/chunked').length).toBeGreaterThan(0);
      const missing = await get(target, '/nothing');
      expect([name, missing.status]).toEqual([name, 404]);
      const parts: Buffer[] = [];
      for await (const chunk of missing.body) parts.push(Buffer.from(chunk));
      expect(Buffer.concat(parts).toString()).toBe('no');
    }
  });

  it('a request head is built only of safe lines', () => {
    expect(requestHead('/v2/a/blobs/sha256:1', 'r.example:5000', { Accept: '*/*' })).toBe(
      'GET /v2/a/blobs/sha256:1 HTTP/1.1\r\nHost: r.example:5000\r\nUser-Agent: docker-size-guard\r\n' +
        'Connection: close\r\nAccept: */*\r\n\r\n',
    );
    // The header is named, its value never printed.
    expect(() => requestHead('/x', 'h', { Authorization: 'Bearer secret\r\nX-Evil: 1' })).toThrow(
      /^unsafe request header Authorization$/,
    );
    expect(() => requestHead('/x', 'h\nX: 1', {})).toThrow(/^unsafe request header Host$/);
    for (const path of ['/x HTTP/1.0\r\n', '/a b', 'http://other/', '/a\0'])
      expect(() => requestHead(path, 'h', {})).toThrow(/^unsafe request path$/);
  });
});
