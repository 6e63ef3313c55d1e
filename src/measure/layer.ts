import { createHash } from 'node:crypto';
import { extract as tarExtract, type Header as TarHeaders } from 'tar-stream';
import type { CapturedFile, LayerEntry } from '../model/contents.js';
import type { Compression } from '../model/image-report.js';
import { peek } from '../util/streams.js';
import { decompress, looksLikeTar, sniffCompression } from './compression.js';
import { GzipSizeEstimator } from './gzip-estimate.js';
import { captureRule } from './packages/capture.js';

export type { EntryKind, LayerEntry } from '../model/contents.js';

export interface LayerStats {
  /** Bytes of the blob as the source holds it. */
  blobBytes: number;
  compression: Compression;
  uncompressedBytes: number;
  contentBytes: number;
  files: number;
  /** Whether the inner tar headers were read (contentBytes, files and entries are meaningful). */
  filesParsed: boolean;
  /** Estimated gzip size, for uncompressed blobs when an estimate was asked for. */
  estimatedGzipBytes: number | null;
  entries: LayerEntry[] | null;
  /** Package-database files of this layer, with their bodies (kept with the entries). */
  captured: CapturedFile[] | null;
  /** sha256 of the blob as stored and of its uncompressed tar, when hashing was asked for (untrusted sources). */
  blobDigest: string | null;
  diffDigest: string | null;
}

export interface AnalyzeOptions {
  /** Parse the inner tar headers (file counts, contentBytes, entries for the waste walk). */
  files: boolean;
  /** Estimate the gzip size of an uncompressed blob. */
  estimate: boolean;
  /** Keep the per-entry list (needed for the waste walk). */
  keepEntries: boolean;
  /** Hash the blob and its tar, for sources that must be checked against their digests. */
  hash?: boolean;
  /**
   * Bytes of package-database bodies the measuring pass may still keep (shared by the layers of one pass); the
   * bodies are kept with the entries. Without it, nothing is captured.
   */
  captureBudget?: { remaining: number };
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

export function normalizeEntryPath(name: string): string {
  let p = name;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return '/' + p;
}

export function classifyEntry(header: TarHeaders): LayerEntry {
  const path = normalizeEntryPath(header.name);
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { path: path.slice(0, slash) || '/', kind: 'opaque', size: 0 };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    return { path: path.slice(0, slash + 1) + base.slice(WHITEOUT_PREFIX.length), kind: 'whiteout', size: 0 };
  }
  const size = header.size ?? 0;
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return { path, kind: 'file', size };
    case 'directory':
      return { path, kind: 'dir', size: 0 };
    case 'symlink':
      return { path, kind: 'symlink', size: 0, target: header.linkname ?? '' };
    case 'link':
      return { path, kind: 'hardlink', size: 0 };
    default:
      return { path, kind: 'other', size: 0 };
  }
}

export class NotALayerError extends Error {}

/**
 * Reads one layer blob once: sniffs and undoes its compression, counts the tar bytes, walks the tar headers and,
 * for an uncompressed blob, estimates what it would weigh gzipped. Nothing is held beyond a few chunks.
 */
export async function analyzeLayer(blob: AsyncIterable<Buffer>, options: AnalyzeOptions): Promise<LayerStats> {
  const { head, stream } = await peek(blob, 512);
  const compression = sniffCompression(head);
  if (compression === 'none' && head.length > 0 && !looksLikeTar(head)) throw new NotALayerError('not a tar archive');

  let blobBytes = 0;
  const blobHash = options.hash ? createHash('sha256') : null;
  const diffHash = options.hash && compression !== 'none' ? createHash('sha256') : null;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      blobBytes += chunk.length;
      blobHash?.update(chunk);
      yield chunk;
    }
  }

  const estimator = options.estimate && compression === 'none' ? new GzipSizeEstimator() : null;
  const entries: LayerEntry[] | null = options.files && options.keepEntries ? [] : null;
  const budget = entries ? options.captureBudget : undefined;
  const captured: CapturedFile[] | null = entries ? [] : null;
  let files = 0;
  let contentBytes = 0;
  let uncompressedBytes = 0;

  const extract = options.files ? tarExtract() : null;
  let extractError: Error | null = null;
  const extractDone = extract
    ? new Promise<void>((resolve, reject) => {
        extract.on('entry', (header, body, next) => {
          files += 1;
          const entry = classifyEntry(header);
          if (entry.kind === 'file') contentBytes += entry.size;
          entries?.push(entry);
          const rule = budget && entry.kind === 'file' ? captureRule(entry.path) : null;
          if (rule) {
            const keep = Math.min(entry.size, rule.limit);
            const fits = (entry.size <= rule.limit || rule.prefix) && keep <= budget!.remaining;
            if (fits) {
              budget!.remaining -= keep;
              const chunks: Buffer[] = [];
              let held = 0;
              body.on('data', (data: unknown) => {
                const c = data as Buffer;
                if (held >= keep) return;
                const part = held + c.length > keep ? c.subarray(0, keep - held) : c;
                chunks.push(part);
                held += part.length;
              });
              body.on('end', () => captured!.push({ path: entry.path, body: Buffer.concat(chunks), size: entry.size }));
            } else {
              captured!.push({ path: entry.path, body: null, size: entry.size });
            }
          }
          body.on('end', () => next());
          // A truncated entry errors its body too; the extractor reports the same error once, below.
          body.on('error', () => {});
          body.resume();
        });
        extract.on('finish', resolve);
        extract.on('error', (err: Error) => {
          extractError = err;
          reject(err);
        });
      })
    : Promise.resolve();
  extractDone.catch(() => {});

  for await (const chunk of decompress(counted(), compression)) {
    uncompressedBytes += chunk.length;
    diffHash?.update(chunk);
    const waitEstimator = estimator?.write(chunk);
    // The extractor may fail inside write() itself (a corrupt first header): then no 'drain' ever comes.
    if (extract && !extract.write(chunk) && !extractError && !extract.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          extract.off('drain', done);
          extract.off('error', done);
          extract.off('close', done);
          resolve();
        };
        extract.once('drain', done);
        extract.once('error', done);
        extract.once('close', done);
      });
    }
    if (extractError) throw extractError;
    if (waitEstimator) await waitEstimator;
  }
  if (extract) {
    extract.end(() => {});
    await extractDone;
  }
  const estimatedGzipBytes = estimator ? await estimator.finish() : null;
  const blobDigest = blobHash ? `sha256:${blobHash.digest('hex')}` : null;
  return {
    blobBytes,
    compression,
    uncompressedBytes,
    contentBytes,
    files,
    filesParsed: options.files,
    estimatedGzipBytes,
    entries,
    captured,
    blobDigest,
    diffDigest: diffHash ? `sha256:${diffHash.digest('hex')}` : blobDigest,
  };
}
