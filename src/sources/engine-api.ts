import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import { UserError } from '../errors.js';
import { Waits } from '../util/push.js';
import { resolveEngine } from './docker-context.js';

/**
 * The Docker Engine API, as the docker CLI finds it: DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH for TLS, or ssh://), the current docker context (docker-context.ts), or the default socket.
 * Control calls go through dockerode (engine-client.ts).
 *
 * Why `engineGet` and not dockerode's stream for a `docker save` over a socket: it is read here into one reused
 * 256 KiB buffer (`onread`), and the measuring pass consumes each read before the next. Through node:http, which
 * dockerode uses, every read is a new buffer outside V8's heap, collected only once many of them wait: `npm run
 * bench` prints both readers side by side (docs/performance.md). HTTP/1.1 framing is http-parser-js's.
 */
export type EngineEndpoint =
  | { kind: 'unix'; path: string; address: string; from: string }
  | { kind: 'ssh'; host: string; port: number; user: string; address: string; from: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      tls: { ca?: Buffer; cert: Buffer; key: Buffer; rejectUnauthorized: boolean } | null;
      address: string;
      from: string;
    };

/** Pure but for reading the docker CLI's config, its context store and the TLS files they name. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const target = resolveEngine(env);
  const { address, from } = target;
  if (address.startsWith('unix://')) return { kind: 'unix', path: address.slice('unix://'.length), address, from };
  const where = from === 'DOCKER_HOST' ? 'DOCKER_HOST' : `Docker host of ${from}`;
  if (address.startsWith('ssh://')) return sshEndpoint(address, from, where, env);
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(address);
  if (!tcp) throw new UserError(`${where} ${address}: only unix://, tcp:// and ssh:// hosts are supported`);
  const dir = target.tlsDir;
  const port = tcp[2] ? Number(tcp[2]) : dir ? 2376 : 2375;
  const host = tcp[1]!.replace(/^\[|\]$/g, '');
  if (!dir) return { kind: 'tcp', host, port, tls: null, address, from };
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      const where = from === 'DOCKER_HOST' ? `DOCKER_CERT_PATH ${dir}` : `docker ${from} (${dir})`;
      throw new UserError(`${where}: cannot read ${name} for the TLS connection to ${address}`);
    }
  };
  const ca = target.skipVerify ? undefined : read('ca.pem');
  return {
    kind: 'tcp',
    host,
    port,
    tls: {
      ...(ca ? { ca } : {}),
      cert: read('cert.pem'),
      key: read('key.pem'),
      rejectUnauthorized: !target.skipVerify,
    },
    address,
    from,
  };
}

/** `ssh://[user@]host[:port]`, as the docker CLI takes it (no path). */
function sshEndpoint(address: string, from: string, where: string, env: NodeJS.ProcessEnv): EngineEndpoint {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new UserError(`${where} ${address}: not a valid ssh:// address`);
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.password)
    throw new UserError(`${where} ${address}: an ssh:// host takes only a user, a host and a port`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const user = decodeURIComponent(url.username) || env.USER || env.LOGNAME || 'root';
  return { kind: 'ssh', host, port: url.port ? Number(url.port) : 22, user, address, from };
}

/** A push reader of a response body; a returned promise holds the next read until it settles. */
export interface BodySink {
  write(chunk: Buffer): Promise<void> | void;
}

export interface EngineError extends Error {
  statusCode?: number;
  code?: string;
}

const READ_BUFFER = 256 * 1024;
/** A daemon that sends nothing for this long is stuck (a save of a large image streams from its first second). */
const IDLE_MS = 120_000;
/** Error bodies are small. */
const DOCUMENT_LIMIT = 16 * 1024 * 1024;

/**
 * GET `path` and hand the body, as it arrives, to `sink` when the status is 200. Any other status rejects with
 * `statusCode` and the daemon's message.
 */
export function engineGet(
  endpoint: Exclude<EngineEndpoint, { kind: 'ssh' }>,
  path: string,
  sink: BodySink,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    let status = 0;
    let errorBody: Buffer[] | null = null;
    let errorBytes = 0;
    let settled = false;
    let socket: Socket;
    const fail = (err: EngineError) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (errorBody) reject(statusError(status, Buffer.concat(errorBody)));
      else resolve();
    };
    const waits = new Waits();
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      status = info.statusCode;
      if (status !== 200) errorBody = [];
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      if (errorBody) {
        errorBytes += chunk.length;
        if (errorBytes <= DOCUMENT_LIMIT) errorBody.push(Buffer.from(chunk));
        return;
      }
      waits.add(sink.write(chunk));
    };
    parser[HTTPParser.kOnMessageComplete] = done;

    /** Returns false to hold the next read while the sink catches up. */
    const feed = (bytes: Buffer): boolean => {
      let result: number | Error;
      try {
        result = parser.execute(bytes);
      } catch (err) {
        fail(err as Error); // the sink threw (a corrupt archive): the reading stops here
        return false;
      }
      if (result instanceof Error) {
        fail(Object.assign(new Error(`malformed HTTP answer (${result.message})`), { code: 'EPROTO' }));
        return false;
      }
      const held = waits.take();
      if (!held) return true;
      held.then(
        () => {
          if (!settled) socket.resume();
        },
        (err: Error) => fail(err),
      );
      return false;
    };

    const request =
      `GET ${path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: docker-size-guard\r\n` + `Connection: close\r\n\r\n`;
    if (endpoint.kind === 'tcp' && endpoint.tls) {
      socket = tlsConnect({ host: endpoint.host, port: endpoint.port, ...endpoint.tls, servername: endpoint.host });
      socket.on('data', (bytes: Buffer) => {
        if (!feed(bytes)) socket.pause();
      });
      socket.once('secureConnect', () => socket.write(request));
    } else {
      const buffer = Buffer.allocUnsafe(READ_BUFFER);
      const onread = { buffer, callback: (n: number, b: Buffer) => feed(b.subarray(0, n)) };
      socket =
        endpoint.kind === 'unix'
          ? netConnect({ path: endpoint.path, onread })
          : netConnect({ host: endpoint.host, port: endpoint.port, onread });
      socket.once('connect', () => socket.write(request));
    }
    socket.setTimeout(IDLE_MS, () =>
      fail(Object.assign(new Error(`no answer in ${IDLE_MS / 1000} s`), { code: 'ETIMEDOUT' })),
    );
    socket.on('error', (err: EngineError) => fail(err));
    socket.on('end', () => {
      // A body without a length ends with the connection.
      const result = parser.finish();
      if (result instanceof Error)
        fail(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }));
      else if (!settled && status === 200 && !errorBody) done();
    });
    socket.on('close', () => fail(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' })));
  });
}

function statusError(status: number, body: Buffer): EngineError {
  let message = body.toString('utf8').trim();
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // plain-text error bodies are kept as they are
  }
  return Object.assign(new Error(message || `HTTP ${status}`), { statusCode: status });
}
