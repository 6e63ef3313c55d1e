import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { HTTPParser } from 'http-parser-js';

/**
 * One HTTP/1.1 GET over its own connection, read into one reused 256 KiB buffer (`onread`, on TLS too): the
 * engine's `docker save` and a registry's blobs. Through node:http or fetch every read is a new buffer outside
 * V8's heap, collected only once many of them wait, which is most of the measuring pass's memory on a large
 * image (docs/performance.md). Each body chunk is a view of that buffer, valid until the next one is asked for;
 * the socket is paused while the reader holds one, which is also the back-pressure. Framing is http-parser-js's
 * (its header block is bounded, 80 KiB).
 */
export type Http1Target =
  { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number; tls: ConnectionOptions | null };

/** SNI names a host by its name; RFC 6066 has no room for an address (Node warns, DEP0123). */
export function serverName(host: string): { servername?: string } {
  return isIP(host) ? {} : { servername: host };
}

export interface Http1Response {
  status: number;
  statusText: string;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Map<string, string>;
  /** The body, read once; a chunk is valid until the next is asked for. */
  body: AsyncIterable<Buffer>;
  /** Drops the connection: the body is not wanted, or not any more. */
  cancel(): void;
}

/** `code` is ETIMEDOUT (no byte for `idleMs`), ECONNRESET (closed mid-answer), EPROTO (not HTTP) or the socket's. */
export interface Http1Error extends Error {
  code?: string;
}

const READ_BUFFER = 256 * 1024;

function error(message: string, code: string): Http1Error {
  return Object.assign(new Error(message), { code });
}

/** A request head must not carry a line break or a control character from anything it was built of. */
function unsafe(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * The request's head, for `GET path` with `headers` and `Connection: close`. Pure; throws on an unsafe path or
 * header, naming the header but never its value (an Authorization).
 */
export function requestHead(path: string, host: string, headers: Record<string, string>): string {
  if (unsafe(path) || path.includes(' ') || !path.startsWith('/')) throw new Error('unsafe request path');
  const fields: [string, string][] = [
    ['Host', host],
    ['User-Agent', 'docker-size-guard'],
    ['Connection', 'close'],
  ];
  fields.push(...Object.entries(headers));
  for (const [name, value] of fields)
    if (unsafe(name) || unsafe(value)) throw new Error(`unsafe request header ${name}`);
  return [`GET ${path} HTTP/1.1`, ...fields.map(([name, value]) => `${name}: ${value}`)].join('\r\n') + '\r\n\r\n';
}

/**
 * Sends `head` and resolves with the answer once its headers are in. `idleMs` bounds every wait for the network
 * (connecting, the headers, each read the reader waits for); a reader that holds a chunk is not waiting for it.
 */
export function http1Get(target: Http1Target, head: string, idleMs: number): Promise<Http1Response> {
  return new Promise<Http1Response>((resolveHead, rejectHead) => {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    const queue: Buffer[] = [];
    let headed = false;
    let ended = false;
    let failure: Http1Error | null = null;
    let paused = false;
    let waiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
    let timer: NodeJS.Timeout | undefined;
    let socket: Socket;

    const wake = () => {
      clearTimeout(timer);
      const w = waiter;
      waiter = null;
      if (!w) return;
      if (failure) w.reject(failure);
      else w.resolve();
    };
    const fail = (err: Http1Error) => {
      if (failure || ended) return;
      failure = err;
      socket.destroy();
      if (!headed) {
        clearTimeout(timer);
        rejectHead(err);
      } else wake();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(error(`no answer in ${idleMs / 1000} s`, 'ETIMEDOUT')), idleMs);
    };

    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      headed = true;
      clearTimeout(timer);
      const headers = new Map<string, string>();
      for (let i = 0; i + 1 < info.headers.length; i += 2) {
        const name = info.headers[i]!.toLowerCase();
        const before = headers.get(name);
        headers.set(name, before === undefined ? info.headers[i + 1]! : `${before}, ${info.headers[i + 1]}`);
      }
      resolveHead({
        status: info.statusCode,
        statusText: info.statusMessage,
        headers,
        body: { [Symbol.asyncIterator]: chunks },
        cancel: () => {
          ended = true;
          clearTimeout(timer);
          socket.destroy();
        },
      });
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      queue.push(chunk);
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      ended = true;
      socket.destroy();
      wake();
    };

    /** Returns false, pausing the socket, when this read left chunks for the reader: they share the buffer. */
    const onRead = (n: number, buffer: Buffer): boolean => {
      if (failure) return false;
      const result = parser.execute(buffer.subarray(0, n));
      if (result instanceof Error) {
        fail(error(`malformed HTTP answer (${result.message})`, 'EPROTO'));
        return false;
      }
      if (queue.length === 0) return true;
      paused = true;
      wake();
      return false;
    };

    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for (;;) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (failure) throw failure;
          if (ended) return;
          await new Promise<void>((resolve, reject) => {
            waiter = { resolve, reject };
            arm();
            if (paused) {
              paused = false;
              socket.resume();
            }
          });
        }
      } finally {
        if (!ended && !failure) {
          ended = true;
          socket.destroy();
        }
        clearTimeout(timer);
      }
    }

    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: onRead };
    if (target.kind === 'unix') socket = netConnect({ path: target.path, onread });
    // tls.connect takes socket.connect's `onread` since Node 15.1 (nodejs/node#35753); @types/node lacks it.
    else if (target.tls)
      socket = tlsConnect({
        host: target.host,
        port: target.port,
        ...serverName(target.host),
        ...target.tls,
        onread,
      } as ConnectionOptions);
    else socket = netConnect({ host: target.host, port: target.port, onread });
    arm();
    socket.write(head);
    socket.on('error', (err: Http1Error) => fail(err));
    socket.on('end', () => {
      // A body without a length ends with the connection.
      if (parser.finish() instanceof Error) fail(error('connection closed mid-answer', 'ECONNRESET'));
    });
    socket.on('close', () => fail(error('connection closed mid-answer', 'ECONNRESET')));
  });
}

/** A whole body, copied out of the read buffer; past `max` bytes `null`, and the reading stops there. */
export async function readAll(chunks: AsyncIterable<Buffer>, max: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    length += chunk.length;
    if (length > max) return null;
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}
