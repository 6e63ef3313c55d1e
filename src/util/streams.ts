import { Readable } from 'node:stream';

/** Reads from `source` until at least `bytes` are buffered (or it ends); yields them again, then the rest. */
export async function peek(
  source: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(parts);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: replay() };
}

/** Collects a small stream (JSON documents) into memory, refusing anything larger than `limit`. */
export async function collect(source: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.length;
    if (length > limit) throw new Error(`${what} is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export function toReadable(source: AsyncIterable<Buffer>): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}
