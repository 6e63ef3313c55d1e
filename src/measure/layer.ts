import { createHash } from 'node:crypto';
import { LayerEntries, type CapturedFile, type LayerEntry } from '../model/contents.js';
import type { Compression } from '../model/image-report.js';
import { inflating, looksLikeTar, sniffCompression } from '../formats/compression.js';
import { afterHead, scanAll, Waits, type ByteSink, type Scanner } from '../util/push.js';
import { GzipSizeEstimator } from './gzip-estimate.js';
import { captureRule } from './packages/capture.js';
import { TarScanner, type TarEntryHeader } from '../formats/tar-scan.js';

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
  entries: LayerEntries | null;
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

export function classifyEntry(header: TarEntryHeader): LayerEntry {
  const path = normalizeEntryPath(header.name);
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { path: path.slice(0, slash) || '/', kind: 'opaque', size: 0 };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    return { path: path.slice(0, slash + 1) + base.slice(WHITEOUT_PREFIX.length), kind: 'whiteout', size: 0 };
  }
  switch (header.type) {
    case 'file':
      return { path, kind: 'file', size: header.size };
    case 'directory':
      return { path, kind: 'dir', size: 0 };
    case 'symlink':
      return { path, kind: 'symlink', size: 0, target: header.linkname };
    case 'link':
      return { path, kind: 'hardlink', size: 0 };
    default:
      return { path, kind: 'other', size: 0 };
  }
}

export class NotALayerError extends Error {}

/** Enough of a blob to tell its compression, and whether it is a tar at all. */
const HEAD_BYTES = 512;

/**
 * Reads one layer blob once, as it is written: undoes its compression, counts the tar bytes, walks the tar headers,
 * hashes and estimates what it was asked to. Every stage is synchronous, so each chunk is consumed before `write`
 * returns and the caller may reuse its buffer; only the gzip estimate, which runs on the thread pool, may ask the
 * caller to wait. Nothing is held beyond the estimator's chunks and the package bodies it was asked to keep.
 */
export class LayerScanner implements Scanner<LayerStats> {
  private readonly pipeline = afterHead(HEAD_BYTES, (head) => this.start(head));
  private compression: Compression = 'none';
  private blobBytes = 0;
  private uncompressedBytes = 0;
  private contentBytes = 0;
  private files = 0;
  private readonly blobHash;
  private diffHash: ReturnType<typeof createHash> | null = null;
  private estimator: GzipSizeEstimator | null = null;
  private readonly waits = new Waits();
  private readonly entries: LayerEntries | null;
  private readonly captured: CapturedFile[] | null;

  constructor(private readonly options: AnalyzeOptions) {
    this.blobHash = options.hash ? createHash('sha256') : null;
    this.entries = options.files && options.keepEntries ? new LayerEntries() : null;
    this.captured = this.entries ? [] : null;
  }

  /** Returns a promise only when the caller must wait before the next write (the estimator is busy). */
  write(chunk: Buffer): Promise<void> | undefined {
    this.blobBytes += chunk.length;
    this.blobHash?.update(chunk);
    this.pipeline.write(chunk);
    return this.waits.take();
  }

  async finish(): Promise<LayerStats> {
    this.pipeline.end();
    const estimatedGzipBytes = this.estimator ? await this.estimator.finish() : null;
    const blobDigest = this.blobHash ? `sha256:${this.blobHash.digest('hex')}` : null;
    return {
      blobBytes: this.blobBytes,
      compression: this.compression,
      uncompressedBytes: this.uncompressedBytes,
      contentBytes: this.contentBytes,
      files: this.files,
      filesParsed: this.options.files,
      estimatedGzipBytes,
      entries: this.entries?.trim() ?? null,
      captured: this.captured,
      blobDigest,
      diffDigest: this.diffHash ? `sha256:${this.diffHash.digest('hex')}` : blobDigest,
    };
  }

  /** The first block tells the compression, and whether this is a tar at all. */
  private start(head: Buffer): ByteSink {
    this.compression = sniffCompression(head);
    if (this.compression === 'none' && head.length > 0 && !looksLikeTar(head))
      throw new NotALayerError('not a tar archive');
    if (this.options.hash && this.compression !== 'none') this.diffHash = createHash('sha256');
    if (this.options.estimate && this.compression === 'none') this.estimator = new GzipSizeEstimator();
    const tar = this.options.files ? new TarScanner((h) => this.onEntry(h)) : null;
    const tarSide: ByteSink = {
      write: (chunk) => {
        this.uncompressedBytes += chunk.length;
        this.diffHash?.update(chunk);
        this.waits.add(this.estimator?.write(chunk));
        tar?.write(chunk);
      },
      end: () => tar?.end(),
    };
    return inflating(this.compression, tarSide);
  }

  private onEntry(header: TarEntryHeader): ByteSink | null {
    this.files += 1;
    const entry = classifyEntry(header);
    if (entry.kind === 'file') this.contentBytes += entry.size;
    this.entries?.push(entry);
    const budget = this.entries ? this.options.captureBudget : undefined;
    const rule = budget && entry.kind === 'file' ? captureRule(entry.path) : null;
    if (!rule) return null;
    const keep = Math.min(entry.size, rule.limit);
    const fits = (entry.size <= rule.limit || rule.prefix) && keep <= budget!.remaining;
    if (!fits) {
      this.captured!.push({ path: entry.path, body: null, size: entry.size });
      return null;
    }
    budget!.remaining -= keep;
    const body = Buffer.allocUnsafe(keep);
    let held = 0;
    return {
      write: (chunk) => {
        if (held < keep) held += chunk.copy(body, held, 0, keep - held);
      },
      end: () => this.captured!.push({ path: entry.path, body: body.subarray(0, held), size: entry.size }),
    };
  }
}

/** Reads a whole layer blob from an async source (a registry blob, a file). */
export async function analyzeLayer(blob: AsyncIterable<Buffer>, options: AnalyzeOptions): Promise<LayerStats> {
  return scanAll(blob, new LayerScanner(options));
}
