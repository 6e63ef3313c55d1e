import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';

const gzip = promisify(gzipCallback);

/**
 * Go's compress/gzip at its default level (what BuildKit and `docker push` use) compresses about like zlib level 4;
 * measured against blobs pushed to a real registry in the integration tests.
 */
export const ESTIMATE_GZIP_LEVEL = 4;
/** Independent chunks cost < 0.05 % of accuracy and let every core compress at once. */
export const ESTIMATE_CHUNK_BYTES = 4 * 1024 * 1024;
/** A gzip member's own header (10 bytes) and trailer (8 bytes): one stream has them once, not once per chunk. */
const GZIP_MEMBER_OVERHEAD = 18;

/**
 * Estimates the gzip size of a byte stream by compressing fixed-size chunks on the libuv thread pool.
 * At most `parallelism` chunks are in flight, and their buffers are reused: memory stays at (parallelism + 1) ×
 * chunk size, with no 4 MiB buffer per chunk left for the GC to find. The bound holds inside one write too: a
 * write that fills a chunk while every slot is busy (one large write, as an inflated bomb gives) compresses that
 * chunk here, synchronously, instead of queueing a new buffer.
 */
export class GzipSizeEstimator {
  private buffer: Buffer;
  private filled = 0;
  private compressedBytes = 0;
  private chunks = 0;
  private readonly inFlight: Promise<void>[] = [];
  private readonly free: Buffer[] = [];

  constructor(
    private readonly chunkBytes = ESTIMATE_CHUNK_BYTES,
    private readonly parallelism = Math.max(2, availableParallelism()),
    private readonly level = ESTIMATE_GZIP_LEVEL,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** Returns a promise only when the caller must wait for a free slot (backpressure). */
  write(data: Buffer): Promise<void> | undefined {
    let offset = 0;
    let wait: Promise<void> | undefined;
    while (offset < data.length) {
      const n = data.copy(this.buffer, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === this.chunkBytes) {
        const p = this.flushChunk();
        if (p) wait = wait ? wait.then(() => p) : p;
      }
    }
    return wait;
  }

  async finish(): Promise<number> {
    if (this.filled > 0 || this.chunks === 0) this.flushChunk();
    await Promise.all(this.inFlight);
    return this.compressedBytes - (this.chunks - 1) * GZIP_MEMBER_OVERHEAD;
  }

  private flushChunk(): Promise<void> | undefined {
    if (this.inFlight.length >= this.parallelism) {
      this.compressedBytes += gzipSync(this.buffer.subarray(0, this.filled), { level: this.level }).length;
      this.filled = 0;
      this.chunks += 1;
      return this.inFlight[0];
    }
    const full = this.buffer;
    const chunk = full.subarray(0, this.filled);
    this.buffer = this.free.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.filled = 0;
    this.chunks += 1;
    const job = gzip(chunk, { level: this.level }).then((out) => {
      this.compressedBytes += out.length;
      this.free.push(full);
      this.inFlight.splice(this.inFlight.indexOf(job), 1);
    });
    this.inFlight.push(job);
    if (this.inFlight.length >= this.parallelism) return this.inFlight[0];
    return undefined;
  }
}
