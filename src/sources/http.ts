import { UserError, errorMessage } from '../errors.js';

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

export interface Fetched {
  status: number;
  statusText: string;
  headers: Headers;
  url: string;
  body: ReadableStream<Uint8Array> | null;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

async function once(url: string, headers: Record<string, string>, limits: HttpLimits, what: string): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer in ${limits.idleMs / 1000} s`)), limits.idleMs);
  try {
    return await fetch(url, { headers, redirect: 'manual', signal: controller.signal });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError(
      `${what}: registry ${new URL(url).host} unreachable (${cause?.code ?? cause?.message ?? errorMessage(err)})`,
    );
  } finally {
    clearTimeout(timer);
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
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await once(current, h, limits, what);
        if (!RETRYABLE.has(res.status) || attempt >= limits.retries) break;
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        if (attempt >= limits.retries) throw err;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel().catch(() => {});
      if (hop >= limits.redirects) throw new UserError(`${what}: more than ${limits.redirects} redirects`);
      const next = new URL(res.headers.get('location')!, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new UserError(`${what}: redirected to a ${next.protocol} URL`);
      current = next.href;
      continue;
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, url: current, body: res.body };
  }
}

/** A body's chunks, failing when the gap between two chunks exceeds idleMs or the rate falls below the floor. */
export async function* bodyChunks(
  body: ReadableStream<Uint8Array> | null,
  limits: HttpLimits,
  what: string,
  deadlineMs?: number,
): AsyncGenerator<Buffer> {
  if (!body) return;
  const reader = body.getReader();
  const started = Date.now();
  let windowStart = started;
  let windowBytes = 0;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new UserError(`${what}: the registry stalled (no data for ${limits.idleMs / 1000} s)`)),
          limits.idleMs,
        );
      });
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await Promise.race([reader.read(), idle]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) return;
      const now = Date.now();
      if (deadlineMs !== undefined && now - started > deadlineMs)
        throw new UserError(`${what}: the registry took longer than ${deadlineMs / 1000} s to send a document`);
      windowBytes += next.value.length;
      if (now - windowStart > limits.idleMs * 2) {
        if (windowBytes < limits.minBytesPerWindow)
          throw new UserError(
            `${what}: the registry sends too slowly (${windowBytes} bytes in ${Math.round((now - windowStart) / 1000)} s)`,
          );
        windowStart = now;
        windowBytes = 0;
      }
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** A whole document, refused past `max` bytes (checked on Content-Length first, then as it arrives). */
export async function readDocument(res: Fetched, max: number, limits: HttpLimits, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new UserError(`${what}: larger than ${max} bytes (${declared} declared)`);
  }
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of bodyChunks(res.body, limits, what, limits.documentMs)) {
    length += chunk.length;
    if (length > max) throw new UserError(`${what}: larger than ${max} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
