import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { pump } from '../util/push.js';
import { resolveEngine } from './docker-context.js';
import { http1Get, readAll, requestHead, type Http1Target } from './http1.js';

/**
 * The Docker Engine API, as the docker CLI finds it: DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH for TLS, or ssh://), the current docker context (docker-context.ts), or the default socket.
 * Control calls go through dockerode (engine-client.ts).
 *
 * Why `engineGet` and not dockerode's stream for a `docker save` over a socket: it is read into one reused buffer
 * (http1.ts), and the measuring pass consumes each read before the next; `npm run bench` prints both readers side
 * by side (docs/performance.md).
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

/** A daemon that sends nothing for this long is stuck (a save of a large image streams from its first second). */
const IDLE_MS = 120_000;
/** Error bodies are small. */
const DOCUMENT_LIMIT = 16 * 1024 * 1024;

/**
 * GET `path` and hand the body, as it arrives, to `sink` when the status is 200 (each chunk is valid until the
 * sink returns or its promise settles). Any other status rejects with `statusCode` and the daemon's message.
 */
export async function engineGet(
  endpoint: Exclude<EngineEndpoint, { kind: 'ssh' }>,
  path: string,
  sink: BodySink,
): Promise<void> {
  const target: Http1Target =
    endpoint.kind === 'unix'
      ? { kind: 'unix', path: endpoint.path }
      : { kind: 'tcp', host: endpoint.host, port: endpoint.port, tls: endpoint.tls };
  const res = await http1Get(target, requestHead(path, 'docker', {}), IDLE_MS);
  if (res.status !== 200) throw statusError(res.status, (await readAll(res.body, DOCUMENT_LIMIT)) ?? Buffer.alloc(0));
  await pump(res.body, sink);
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
