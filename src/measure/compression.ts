import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { Compression } from '../model/image-report.js';
import { toReadable } from '../util/streams.js';

/** Media types lie (and Docker ≤24 archives have none): decide by the magic bytes. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** True when `head` is the start of a tar archive: a ustar/gnu magic, or the all-zero end blocks of an empty tar. */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length >= 263 && head.toString('latin1', 257, 262) === 'ustar') return true;
  if (head.length >= 512 && head.subarray(0, 512).every((b) => b === 0)) return true;
  // Old (v7) tars have no magic; accept a header whose checksum field is octal digits.
  if (head.length >= 512) {
    const checksum = head
      .toString('latin1', 148, 156)
      .replace(/[\0 ]+$/, '')
      .trim();
    return /^[0-7]+$/.test(checksum) && head[0] !== 0;
  }
  return false;
}

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: () => NodeJS.ReadWriteStream };

/**
 * fzstd decodes every block a push completes before it returns, and one input byte can stand for 128 KiB of
 * output (an RLE block is 4 bytes), so a 64 KiB chunk of a zstd bomb is gigabytes at once. Fed 256 bytes at a
 * time, one push yields at most 64 blocks (8 MiB), and what it yielded is consumed before the next push.
 * fzstd accumulates a partial block without copying, so the small pushes cost little.
 */
const FZSTD_SLICE = 256;

async function* zstdWithFzstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  const decoder = new ZstdDecompress((chunk) => {
    out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  });
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += FZSTD_SLICE) {
      decoder.push(chunk.subarray(i, i + FZSTD_SLICE));
      if (out.length) {
        yield* out;
        out = [];
      }
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* out;
}

/** The decompressed bytes of `source`. gzip streams with several members (estargz) are read whole. */
export function decompress(source: AsyncIterable<Buffer>, compression: Compression): AsyncIterable<Buffer> {
  switch (compression) {
    case 'none':
      return source;
    case 'gzip':
      return through(source, zlib.createGunzip({ chunkSize: 256 * 1024 }));
    case 'zstd': {
      // Node ≥ 22.15 has a native zstd decoder; the action's node20 fallback and older runtimes use fzstd (pure JS).
      const native = (zlib as ZlibWithZstd).createZstdDecompress;
      if (native) return through(source, native());
      return zstdWithFzstd(source);
    }
  }
}

/** Pipes `source` through `transform` so that an error on either side surfaces when the output is read. */
function through(source: AsyncIterable<Buffer>, transform: NodeJS.ReadWriteStream): Readable {
  return pipeline(toReadable(source), transform, () => {}) as unknown as Readable;
}
