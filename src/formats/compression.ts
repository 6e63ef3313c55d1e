import { Gunzip } from 'minizlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import type { Compression } from '../model/image-report.js';
import type { ByteSink } from '../util/push.js';

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

/**
 * Decompressed output per call is bounded by the input given per call: gzip expands at most about 1032:1, so a
 * 16 KiB slice is at most 16 MiB out. zstd has no such bound (one 4-byte RLE block is 128 KiB), so fzstd is fed
 * 256 bytes at a time: at most 64 blocks (8 MiB) per push. fzstd accumulates a partial block without copying,
 * so the small pushes cost little, and it is pure JS and synchronous on every runtime.
 */
const GZIP_SLICE = 16 * 1024;
const ZSTD_SLICE = 256;

/** `sink`, fed the decompressed bytes of what is written. gzip streams with several members (estargz) are read whole. */
export function inflating(compression: Compression, sink: ByteSink): ByteSink {
  switch (compression) {
    case 'none':
      return sink;
    case 'gzip':
      return gunzipping(sink);
    case 'zstd':
      return unzstding(sink);
  }
}

function gunzipping(sink: ByteSink): ByteSink {
  let failure: Error | null = null;
  // Handed on to node:zlib (minizlib's types leave it out): fewer, larger output chunks.
  const gunzip = new Gunzip({ chunkSize: 256 * 1024 } as ConstructorParameters<typeof Gunzip>[0]);
  gunzip.on('data', (out: Buffer) => sink.write(out));
  gunzip.on('error', (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    write(chunk) {
      for (let i = 0; i < chunk.length; i += GZIP_SLICE) {
        // minizlib holds no reference to its input once write returns (its output is copied).
        gunzip.write(chunk.subarray(i, i + GZIP_SLICE));
        check();
      }
    },
    end() {
      gunzip.end();
      check();
      sink.end();
    },
  };
}

function unzstding(sink: ByteSink): ByteSink {
  // fzstd may hand out views of its own window, which it overwrites later: each is consumed before the next push.
  const decoder = new ZstdDecompress((out) => sink.write(Buffer.from(out.buffer, out.byteOffset, out.length)));
  return {
    write(chunk) {
      // fzstd keeps the pieces of a partial block until the block is whole: they must not be the reader's buffer.
      const own = Buffer.from(chunk);
      for (let i = 0; i < own.length; i += ZSTD_SLICE) decoder.push(own.subarray(i, i + ZSTD_SLICE));
    },
    end() {
      decoder.push(new Uint8Array(0), true);
      sink.end();
    },
  };
}
