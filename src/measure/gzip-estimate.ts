import { availableParallelism } from 'node:os';
import { createGzip, gzipSync } from 'node:zlib';

/**
 * Go's compress/gzip at its default level (what BuildKit and `docker push` use) compresses about like zlib level 4;
 * measured against blobs pushed to a real registry in the integration tests.
 */
export const ESTIMATE_GZIP_LEVEL = 4;
/**
 * Independent chunks let every core compress at once and cost < 0.1 % of accuracy. 2 MiB rather than 4: the pool's
 * buffers are most of the estimate's memory, and the full measure of the many-small-files bench image peaked at
 * 116–124 MB against 121–128 MB with 4 MiB (7 runs each, interleaved), no slower; its estimate moved by 0.04 %.
 */
export const ESTIMATE_CHUNK_BYTES = 2 * 1024 * 1024;
/** A gzip member's own header (10 bytes) and trailer (8 bytes): one stream has them once, not once per chunk. */
const GZIP_MEMBER_OVERHEAD = 18;
/**
 * zlib's output buffer. The thread pool compresses until it is full, then hands back to the main thread, which is
 * busy reading the tar: zlib's default 16 KiB meant up to 128 waits for the main thread per 2 MiB chunk of
 * incompressible data, 256 KiB means 8. Each filled buffer is a new one (Node's zlib never rewinds it), so the
 * output is garbage of its own size until the GC runs: 1 MiB buffers left more of it, and were no faster (npm run
 * bench).
 */
const OUTPUT_BYTES = 256 * 1024;

/** The gzip size of `data`, compressed on the thread pool; the output is counted and dropped, never gathered. */
function gzipLength(data: Buffer, level: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const z = createGzip({ level, chunkSize: OUTPUT_BYTES });
    let length = 0;
    z.on('data', (out: Buffer) => (length += out.length));
    z.on('end', () => resolve(length));
    z.on('error', reject);
    z.end(data);
  });
}

/**
 * The thread-pool slots and the chunk buffers that the estimators of one process share: the layers of an image
 * overlap (one finishes while the next is read), and each keeping its own slots and buffers would put twice the
 * compressions on the cores and twice the buffers in memory, with three new chunk buffers a layer for the GC.
 */
export class EstimatePool {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly free: Buffer[] = [];

  constructor(
    readonly chunkBytes = ESTIMATE_CHUNK_BYTES,
    readonly parallelism = Math.max(2, availableParallelism()),
    readonly level = ESTIMATE_GZIP_LEVEL,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
  }

  give(buffer: Buffer): void {
    if (this.free.length <= this.parallelism) this.free.push(buffer);
  }

  /**
   * Compresses `chunk` (a view of `buffer`) and tells `done` its size. On a free slot it runs on the thread pool and
   * `buffer` comes back to the pool after; with every slot busy (one large write filling several chunks) it is
   * compressed here, synchronously, and `buffer` stays the caller's. Returns `buffer`'s fate and a wait when every
   * slot is now busy.
   */
  compress(
    chunk: Buffer,
    buffer: Buffer,
    done: (bytes: number) => void,
  ): { job: Promise<void> | null; wait: Promise<void> | undefined } {
    if (this.inFlight.size >= this.parallelism) {
      done(gzipSync(chunk, { level: this.level }).length);
      return { job: null, wait: Promise.race(this.inFlight) };
    }
    const job: Promise<void> = gzipLength(chunk, this.level).then(
      (bytes) => {
        this.inFlight.delete(job);
        this.give(buffer);
        done(bytes);
      },
      (err: unknown) => {
        this.inFlight.delete(job);
        throw err;
      },
    );
    this.inFlight.add(job);
    return { job, wait: this.inFlight.size >= this.parallelism ? Promise.race(this.inFlight) : undefined };
  }
}

const shared = new EstimatePool();

/**
 * Estimates the gzip size of a byte stream by compressing fixed-size chunks on the libuv thread pool, through the
 * process's one pool: at most `parallelism` chunks are in flight across all layers, and their buffers are reused,
 * so memory stays at (parallelism + layers being read) × chunk size. The bound holds inside one write too: a write
 * that fills a chunk while every slot is busy (one large write, as an inflated bomb gives) compresses that chunk
 * here, synchronously, instead of queueing a new buffer.
 */
export class GzipSizeEstimator {
  private buffer: Buffer;
  private filled = 0;
  private compressedBytes = 0;
  private chunks = 0;
  private readonly jobs: Promise<void>[] = [];

  constructor(private readonly pool: EstimatePool = shared) {
    this.buffer = pool.take();
  }

  /** Returns a promise only when the caller must wait for a free slot (backpressure). */
  write(data: Buffer): Promise<void> | undefined {
    let offset = 0;
    let wait: Promise<void> | undefined;
    while (offset < data.length) {
      const n = data.copy(this.buffer, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === this.pool.chunkBytes) {
        const p = this.flushChunk();
        if (p) wait = wait ? wait.then(() => p) : p;
      }
    }
    return wait;
  }

  async finish(): Promise<number> {
    if (this.filled > 0 || this.chunks === 0) this.flushChunk();
    this.pool.give(this.buffer);
    await Promise.all(this.jobs);
    return this.compressedBytes - (this.chunks - 1) * GZIP_MEMBER_OVERHEAD;
  }

  private flushChunk(): Promise<void> | undefined {
    const { job, wait } = this.pool.compress(this.buffer.subarray(0, this.filled), this.buffer, (bytes) => {
      this.compressedBytes += bytes;
    });
    this.filled = 0;
    this.chunks += 1;
    if (job) {
      this.jobs.push(job);
      this.buffer = this.pool.take();
    }
    return wait;
  }
}
