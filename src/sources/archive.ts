import { posix } from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import { inflating, sniffCompression } from '../formats/compression.js';
import { TarScanner, type TarEntryHeader } from '../formats/tar-scan.js';
import { afterHead, scanAll, Waits, type ByteSink, type Scanner } from '../util/push.js';
import { matchesNamedDigest } from '../util/digest.js';
import type { LayoutAccess } from './layout.js';

/** One metadata document, and all of them together: the rest of an archive is streamed, never kept. */
const DOCUMENT_LIMIT = 8 * 1024 * 1024;
const DOCUMENTS_TOTAL_LIMIT = 32 * 1024 * 1024;

/**
 * How the archive reader has the layer blobs it meets measured. The measuring side gives it: a source knows formats
 * and transports, not what is measured of a layer (`L`).
 */
export interface LayerReading<L> {
  /** A layer measured before, by the digest its blob is stored under (`sha256:HEX`): its body is skipped. */
  known(digest: string): L | undefined;
  /** Measures one layer blob from its bytes; `digest` when the blob is stored under one. */
  scanner(digest: string | null): Scanner<L>;
}

/** What one pass over a `docker save` / OCI archive leaves: small documents, and what was measured of each layer blob. */
export class ArchiveContents<L> implements LayoutAccess {
  readonly documents = new Map<string, Buffer>();
  readonly layers = new Map<string, L>();
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

  layer(path: string, what: string): L {
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

export interface ReadArchiveOptions<L> {
  what: string;
  /** Documents stored under their digest must hash to it (false for the local engine's own saves). */
  verify: boolean;
  layers: LayerReading<L>;
}

/** Enough of a blob to tell a JSON document from a layer, and of the archive to tell its compression. */
const HEAD_BYTES = 512;

/**
 * Reads a whole image archive in one pass, as it is written: every chunk is consumed before `write` returns (the
 * daemon's save arrives in one reused buffer). Metadata comes after the blobs in every writer, so each blob is
 * classified on sight (JSON document or layer, by its first bytes) and resolved against the manifests at the end.
 */
export class ArchiveScanner<L> implements Scanner<ArchiveContents<L>> {
  private readonly contents: ArchiveContents<L>;
  private readonly tar = new TarScanner((h) => this.onEntry(h));
  // `docker save | gzip` is common.
  private readonly pipeline = afterHead(HEAD_BYTES, (head) => inflating(sniffCompression(head), this.tar));
  private bytes = 0;
  /** Layers whose bytes are all read but whose gzip estimate may still be running. */
  /**
   * Every layer in archive order, measured or known, put into the contents when all are done: layers finish in
   * whatever order their estimates do, and the contents list them as the archive does.
   */
  private readonly finishing: Promise<readonly [string, L] | null>[] = [];
  private readonly waits = new Waits();

  constructor(private readonly options: ReadArchiveOptions<L>) {
    this.contents = new ArchiveContents<L>(options.what, options.verify);
  }

  /** Returns a promise only when the caller must wait before the next write (a gzip estimate is busy). */
  write(chunk: Buffer): Promise<void> | undefined {
    this.bytes += chunk.length;
    this.guard(() => this.pipeline.write(chunk));
    return this.waits.take();
  }

  async finish(): Promise<ArchiveContents<L>> {
    if (this.bytes === 0) throw new UserError(`${this.options.what}: the archive is empty`);
    this.guard(() => this.pipeline.end());
    for (const done of await Promise.all(this.finishing)) if (done) this.contents.layers.set(done[0], done[1]);
    return this.contents;
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${this.options.what}: truncated or corrupt archive (${errorMessage(err)})`);
    }
  }

  private onEntry(header: TarEntryHeader): ByteSink | null {
    const path = normalize(header.name);
    switch (header.type) {
      case 'symlink':
        this.contents.links.set(path, posix.normalize(posix.join(posix.dirname(path), header.linkname)));
        return null;
      case 'link':
        this.contents.links.set(path, normalize(header.linkname));
        return null;
      case 'file': {
        this.contents.sizes.set(path, header.size);
        // A layer already measured (in another save, or another image's export) is known by its name: its body
        // is skipped by the tar reader, not read.
        const digest = blobDigest(path);
        const known = digest ? this.options.layers.known(digest) : undefined;
        if (known !== undefined) {
          this.finishing.push(Promise.resolve([path, known] as const));
          return null;
        }
        return afterHead(HEAD_BYTES, (head) => this.blobSink(path, digest, header.size, head));
      }
      default:
        return null;
    }
  }

  /** The first bytes decide what a blob is: a JSON document, or a layer. */
  private blobSink(path: string, digest: string | null, size: number, head: Buffer): ByteSink {
    const first = head.toString('latin1', 0, 1);
    if (isMetadataName(path) || first === '{' || first === '[') {
      if (head.length > 0 && first !== '{' && first !== '[') return IGNORE; // VERSION, oci-layout: nothing to keep
      return this.document(path, size);
    }
    return this.layer(path, digest);
  }

  /**
   * One metadata document, copied into one buffer of the size its tar header gives; refused by that size, before a
   * byte is kept, past its limit or past what all documents may take together.
   */
  private document(path: string, size: number): ByteSink {
    const limit = Math.min(DOCUMENT_LIMIT, DOCUMENTS_TOTAL_LIMIT - this.contents.documentBytes);
    if (size > limit) {
      this.contents.unreadable.set(path, `${path} is larger than ${limit} bytes`);
      return IGNORE;
    }
    // Counted now: the limit of the next document is known before this one ends.
    this.contents.documentBytes += size;
    const doc = Buffer.allocUnsafeSlow(size);
    let length = 0;
    return {
      write: (chunk) => {
        // The tar reader never gives an entry more than its header's size.
        length += chunk.copy(doc, length);
      },
      end: () => {
        this.contents.documents.set(path, length === size ? doc : doc.subarray(0, length));
      },
    };
  }

  /** A layer blob: a corrupt one is noted as unreadable (an error only if the image references it). */
  private layer(path: string, digest: string | null): ByteSink {
    const scanner = this.options.layers.scanner(digest);
    let failed = false;
    const fail = (err: unknown) => {
      failed = true;
      this.contents.unreadable.set(path, errorMessage(err));
    };
    return {
      write: (chunk) => {
        if (failed) return;
        try {
          this.waits.add(scanner.write(chunk));
        } catch (err) {
          fail(err);
        }
      },
      end: () => {
        if (failed) return;
        this.finishing.push(
          scanner.finish().then(
            (measured) => [path, measured] as const,
            (err: unknown) => {
              fail(err);
              return null;
            },
          ),
        );
      },
    };
  }
}

const IGNORE: ByteSink = { write: () => {}, end: () => {} };

/** The digest a blob is stored under (`blobs/ALG/HEX`). */
function blobDigest(path: string): string | null {
  const digest = /^blobs\/([a-z0-9]+)\/([0-9a-f]{32,})$/.exec(path);
  return digest ? `${digest[1]}:${digest[2]}` : null;
}

/** Reads a whole image archive from an async source (a file, a stream). */
export async function readArchive<L>(
  source: AsyncIterable<Buffer>,
  options: ReadArchiveOptions<L>,
): Promise<ArchiveContents<L>> {
  return scanAll(source, new ArchiveScanner(options));
}
