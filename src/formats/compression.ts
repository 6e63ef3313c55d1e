import { constants, createGunzip } from 'node:zlib';
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
 * zstd has no bound on output per input (one 4-byte RLE block is 128 KiB), so fzstd is fed 256 bytes at a time:
 * at most 64 blocks (8 MiB) per push. fzstd accumulates a partial block without copying, so the small pushes cost
 * little, and it is pure JS and synchronous on every runtime.
 */
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

/** The part of node:zlib's handle this uses: the synchronous write into a buffer of ours, and its error report. */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inOff: number,
    inLen: number,
    out: Buffer,
    outOff: number,
    outLen: number,
  ): void;
  onerror: (message: string, errno: number, code: string) => void;
}

/** Decompressed bytes handed on at a time, from one buffer used again for every piece. */
const GUNZIP_OUT = 256 * 1024;

/**
 * gzip through node:zlib's own handle, written synchronously into one reused output buffer (what minizlib and
 * node's streams do, less the new buffer for every 256 KiB of output: garbage of the whole layer's size, which the
 * collector let grow by 30–60 MB of RSS when a registry's or an export's gzip layers were read). `sink` consumes
 * each piece before the next is written over it, as it does the reused read buffers. Concatenated members are read
 * whole (zlib starts the next member itself); a stream cut short fails at the end ("unexpected end of file").
 */
function gunzipping(sink: ByteSink): ByteSink {
  const stream = createGunzip();
  const handle = (stream as unknown as { _handle: ZlibHandle })._handle;
  const state = (stream as unknown as { _writeState: Uint32Array })._writeState;
  const out = Buffer.allocUnsafe(GUNZIP_OUT);
  let failure: Error | null = null;
  handle.onerror = (message) => {
    failure ??= new Error(`zlib: ${message}`);
  };
  const run = (flush: number, input: Buffer) => {
    let at = 0;
    let left = input.length;
    for (;;) {
      handle.writeSync(flush, input, at, left, out, 0, GUNZIP_OUT);
      if (failure) {
        stream.close();
        throw failure;
      }
      const outLeft = state[0]!;
      const inLeft = state[1]!;
      if (outLeft < GUNZIP_OUT) sink.write(out.subarray(0, GUNZIP_OUT - outLeft));
      at += left - inLeft;
      left = inLeft;
      if (outLeft !== 0) return; // room was left: zlib took all it could of the input
    }
  };
  return {
    write(chunk) {
      if (failure) throw failure;
      run(constants.Z_NO_FLUSH, chunk);
    },
    end() {
      run(constants.Z_FINISH, Buffer.alloc(0));
      stream.close();
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
