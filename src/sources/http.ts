import { UserError, errorMessage } from '../errors.js';
import { http1Get, readAll, requestHead, type Http1Error, type Http1Response, type Http1Target } from './http1.js';

/**
 * HTTP for a registry that may be hostile or broken: every request is bounded in time (headers, the gap between
 * bytes, a whole document, a floor on a blob's rate) and every document in size; redirects are followed by hand
 * so that credentials never travel to another host; only idempotent GETs are retried, and only before any byte of
 * the body was used.
 */
export interface HttpLimits {
  /** Until the response headers arrive, and the longest gap between two chunks of a body. */
  idleMs: number;
  /** A whole document (manifest, config, token), start to end. */
  documentMs: number;
  /** A blob must deliver at least this many bytes in every `idleMs * 2` window (a drip is a stall). */
  minBytesPerWindow: number;
  redirects: number;
  retries: number;
}

/** DSG_REGISTRY_TIMEOUT (seconds) scales every limit; the tests set it low to meet a stalling server quickly. */
export function defaultLimits(env: NodeJS.ProcessEnv = process.env): HttpLimits {
  const raw = Number(env.DSG_REGISTRY_TIMEOUT);
  const s = Number.isFinite(raw) && raw > 0 ? raw : 30;
  return { idleMs: s * 1000, documentMs: s * 2000, minBytesPerWindow: 64 * 1024, redirects: 5, retries: 2 };
}

/** An answer and the URL it came from, after redirects. */
export interface Fetched extends Http1Response {
  url: string;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** Where a URL's GET goes: TLS with the system's CAs for https. Pure. */
export function targetOf(url: URL): Http1Target {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const tls = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  return { kind: 'tcp', host, port, tls: tls ? {} : null };
}

async function once(url: string, headers: Record<string, string>, limits: HttpLimits, what: string): Promise<Fetched> {
  const u = new URL(url);
  let head: string;
  try {
    head = requestHead(u.pathname + u.search, u.host, headers);
  } catch (err) {
    throw new UserError(`${what}: ${errorMessage(err)}`);
  }
  try {
    const res = await http1Get(targetOf(u), head, limits.idleMs);
    return { ...res, url };
  } catch (err) {
    const e = err as Http1Error;
    throw new UserError(
      `${what}: registry ${u.host} unreachable (${e.code === 'ETIMEDOUT' ? e.message : (e.code ?? e.message)})`,
    );
  }
}

/**
 * GET with redirects followed by hand: `Authorization` goes only to the host it was meant for (a blob store a
 * registry redirects to gets none). Network errors and 5xx/429 are retried with a short backoff.
 */
export async function get(
  url: string,
  headers: Record<string, string>,
  limits: HttpLimits,
  what: string,
): Promise<Fetched> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const h = sameOrigin ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Authorization'));
    let res: Fetched;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await once(current, h, limits, what);
        if (!RETRYABLE.has(res.status) || attempt >= limits.retries) break;
        res.cancel();
      } catch (err) {
        if (attempt >= limits.retries) throw err;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      res.cancel();
      if (hop >= limits.redirects) throw new UserError(`${what}: more than ${limits.redirects} redirects`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new UserError(`${what}: redirected to something that is not a URL`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new UserError(`${what}: redirected to a ${next.protocol} URL`);
      current = next.href;
      continue;
    }
    return res;
  }
}

/**
 * A body's chunks, failing when the gap between two reads exceeds idleMs or the rate falls below the floor. A
 * chunk is valid until the next is asked for.
 */
export async function* bodyChunks(
  res: Fetched,
  limits: HttpLimits,
  what: string,
  deadlineMs?: number,
): AsyncGenerator<Buffer> {
  const started = Date.now();
  let windowStart = started;
  let windowBytes = 0;
  try {
    for await (const chunk of res.body) {
      const now = Date.now();
      if (deadlineMs !== undefined && now - started > deadlineMs)
        throw new UserError(`${what}: the registry took longer than ${deadlineMs / 1000} s to send a document`);
      windowBytes += chunk.length;
      if (now - windowStart > limits.idleMs * 2) {
        if (windowBytes < limits.minBytesPerWindow)
          throw new UserError(
            `${what}: the registry sends too slowly (${windowBytes} bytes in ${Math.round((now - windowStart) / 1000)} s)`,
          );
        windowStart = now;
        windowBytes = 0;
      }
      yield chunk;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as Http1Error;
    if (e.code === 'ETIMEDOUT')
      throw new UserError(`${what}: the registry stalled (no data for ${limits.idleMs / 1000} s)`);
    throw new UserError(
      `${what}: ${e.code === 'ECONNRESET' ? 'the registry closed the connection mid-answer' : errorMessage(e)}`,
    );
  } finally {
    res.cancel();
  }
}

/** A whole document, refused past `max` bytes (checked on Content-Length first, then as it arrives). */
export async function readDocument(res: Fetched, max: number, limits: HttpLimits, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    res.cancel();
    throw new UserError(`${what}: larger than ${max} bytes (${declared} declared)`);
  }
  const body = await readAll(bodyChunks(res, limits, what, limits.documentMs), max);
  if (!body) throw new UserError(`${what}: larger than ${max} bytes`);
  return body;
}
