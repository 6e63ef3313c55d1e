import { posix } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { UserError, errorMessage } from '../errors.js';
import { analyzeLayer, type AnalyzeOptions, type LayerStats } from '../measure/layer.js';
import { decompress, sniffCompression } from '../measure/compression.js';
import { matchesNamedDigest } from '../util/digest.js';
import { collect, peek } from '../util/streams.js';
import type { LayoutAccess } from './layout.js';
import type { LayerCache } from '../measure/layer-cache.js';

/** One metadata document, and all of them together: the rest of an archive is streamed, never kept. */
const DOCUMENT_LIMIT = 8 * 1024 * 1024;
const DOCUMENTS_TOTAL_LIMIT = 32 * 1024 * 1024;

/** What one pass over a `docker save` / OCI archive leaves: small documents, and the stats of every layer blob. */
export class ArchiveContents implements LayoutAccess {
  readonly documents = new Map<string, Buffer>();
  readonly layers = new Map<string, LayerStats>();
  /** Blobs that were neither JSON nor a readable layer; an error only if the image references them. */
  readonly unreadable = new Map<string, string>();
  readonly links = new Map<string, string>();
  readonly sizes = new Map<string, number>();
  documentBytes = 0;

  /** `verify`: documents stored under their digest must hash to it (false for the local engine's own saves). */
  constructor(
    private readonly what: string,
    private readonly verify: boolean,
  ) {}

  resolve(path: string): string {
    let p = normalize(path);
    for (let i = 0; i < 16 && this.links.has(p); i++) p = this.links.get(p)!;
    return p;
  }

  async readJson(path: string): Promise<unknown | undefined> {
    const p = this.resolve(path);
    const doc = this.documents.get(p);
    if (!doc) {
      const why = this.unreadable.get(p);
      if (why) throw new UserError(`${this.what}: ${path}: ${why}`);
      return undefined;
    }
    if (this.verify && !matchesNamedDigest(p, doc))
      throw new UserError(`${this.what}: ${path} does not match its digest`);
    try {
      return JSON.parse(doc.toString('utf8'));
    } catch {
      throw new UserError(`${this.what}: ${path}: not JSON`);
    }
  }

  layer(path: string, what: string): LayerStats {
    const p = this.resolve(path);
    const stats = this.layers.get(p);
    if (stats) return stats;
    const why = this.unreadable.get(p);
    if (why) throw new UserError(`${what}: layer ${path} is unreadable (${why})`);
    throw new UserError(`${what}: layer ${path} is missing from the archive`);
  }
}

function normalize(path: string): string {
  return posix.normalize(path.replace(/^(\.\/)+/, '')).replace(/^\/+/, '');
}

/** Names of the small metadata files a save writes; every other regular file is sniffed. */
function isMetadataName(path: string): boolean {
  const base = posix.basename(path);
  return (
    base.endsWith('.json') || base === 'json' || base === 'VERSION' || base === 'repositories' || base === 'oci-layout'
  );
}

export interface ReadArchiveOptions extends AnalyzeOptions {
  what: string;
  cache?: LayerCache;
}

/**
 * Reads a whole image archive in one streaming pass. Metadata comes after the blobs in every writer, so each
 * blob is classified on sight (JSON document or layer, by its first bytes) and resolved against the manifests
 * at the end.
 */
export async function readArchive(
  source: AsyncIterable<Buffer>,
  options: ReadArchiveOptions,
): Promise<ArchiveContents> {
  const contents = new ArchiveContents(options.what, options.hash ?? false);
  const { head, stream } = await peek(source, 512);
  if (head.length === 0) throw new UserError(`${options.what}: the archive is empty`);
  const outer = decompress(stream, sniffCompression(head)); // `docker save | gzip` is common

  const extract = tarExtract();
  const feeding = (async () => {
    try {
      for await (const chunk of outer) {
        if (!extract.write(chunk)) await new Promise<void>((resolve) => extract.once('drain', () => resolve()));
      }
      extract.end(() => {});
    } catch (err) {
      extract.destroy(err as Error);
    }
  })();

  try {
    for await (const entry of extract) {
      const path = normalize(entry.header.name);
      const iterator = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      // No `return` on this iterable: an early exit must not destroy the entry, which the outer tar still needs drained.
      const body: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }) };
      const drainRest = async () => {
        while (!(await iterator.next()).done);
      };
      switch (entry.header.type) {
        case 'symlink':
          contents.links.set(path, posix.normalize(posix.join(posix.dirname(path), entry.header.linkname ?? '')));
          break;
        case 'link':
          contents.links.set(path, normalize(entry.header.linkname ?? ''));
          break;
        case 'file':
        case 'contiguous-file':
          contents.sizes.set(path, entry.header.size ?? 0);
          await readBlob(contents, path, body, options);
          break;
        default:
          break;
      }
      await drainRest();
    }
    await feeding;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${options.what}: truncated or corrupt archive (${errorMessage(err)})`);
  }
  return contents;
}

async function readBlob(
  contents: ArchiveContents,
  path: string,
  body: AsyncIterable<Buffer>,
  options: ReadArchiveOptions,
): Promise<void> {
  const { head, stream } = await peek(body, 512);
  const first = head.toString('latin1', 0, 1);
  if (isMetadataName(path) || first === '{' || first === '[') {
    if (head.length > 0 && first !== '{' && first !== '[') return; // VERSION, oci-layout: nothing to keep
    try {
      const left = DOCUMENTS_TOTAL_LIMIT - contents.documentBytes;
      const doc = await collect(stream, Math.min(DOCUMENT_LIMIT, left), path);
      contents.documentBytes += doc.length;
      contents.documents.set(path, doc);
    } catch (err) {
      contents.unreadable.set(path, errorMessage(err));
    }
    return;
  }
  const digest = /^blobs\/([a-z0-9]+)\/([0-9a-f]{32,})$/.exec(path);
  const key = digest ? `${digest[1]}:${digest[2]}` : null;
  const cached = key ? options.cache?.get(key, options) : undefined;
  if (cached) {
    contents.layers.set(path, cached);
    return;
  }
  try {
    const stats = await analyzeLayer(stream, options);
    contents.layers.set(path, stats);
    if (key) options.cache?.set(key, options, stats);
  } catch (err) {
    contents.unreadable.set(path, errorMessage(err));
  }
}
