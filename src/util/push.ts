/**
 * Synchronous push stages: the measuring pass hands each chunk down a chain of `write` calls that consume it before
 * they return (what a stage keeps, it copies), so a reader may reuse its buffer for the next read.
 */
export interface ByteSink {
  write(chunk: Buffer): void;
  end(): void;
}

/**
 * Holds the first `bytes` of a stream (copied), then hands them and everything after to the sink `decide` picks
 * for them: compression, JSON or tar is told by the first block.
 */
export function afterHead(bytes: number, decide: (head: Buffer) => ByteSink): ByteSink {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let rest: ByteSink | null = null;
  const start = () => {
    const head = Buffer.concat(held);
    held = [];
    rest = decide(head);
    if (head.length > 0) rest.write(head);
  };
  return {
    write(chunk) {
      if (rest) return rest.write(chunk);
      if (heldBytes === 0 && chunk.length >= bytes) {
        // The whole chunk is the head: nothing is copied (a chunk is 1 MiB, the head 512 bytes).
        rest = decide(chunk);
        return rest.write(chunk);
      }
      held.push(Buffer.from(chunk));
      heldBytes += chunk.length;
      if (heldBytes >= bytes) start();
    },
    end() {
      if (!rest) start();
      rest!.end();
    },
  };
}

/** What a synchronous stage asks its reader to wait for (a busy gzip estimate) before the next read. */
export class Waits {
  private pending: Promise<void> | undefined;

  add(wait: Promise<void> | undefined | void): void {
    if (!wait) return;
    const before = this.pending;
    this.pending = before ? before.then(() => wait) : wait;
  }

  /** The wait gathered since the last call, if any. */
  take(): Promise<void> | undefined {
    const wait = this.pending;
    this.pending = undefined;
    return wait;
  }
}

/** A push reader with an end: a layer or an archive scanner. */
export interface Scanner<T> {
  write(chunk: Buffer): Promise<void> | undefined;
  finish(): Promise<T>;
}

/**
 * Hands an async source's chunks (a file, a registry blob, a save) to `sink`, asking for the next only once the
 * sink's promise, if it returned one, settles: a source may reuse its buffer.
 */
export async function pump(
  source: AsyncIterable<Buffer>,
  sink: { write(chunk: Buffer): Promise<void> | void },
): Promise<void> {
  for await (const chunk of source) {
    const wait = sink.write(chunk);
    if (wait) await wait;
  }
}

/** Feeds an async source to `scanner`, waiting where it asks, and returns its result. */
export async function scanAll<T>(source: AsyncIterable<Buffer>, scanner: Scanner<T>): Promise<T> {
  await pump(source, scanner);
  return scanner.finish();
}
