import { Parser } from 'tar/parse';
import type { Header } from 'tar/header';
import type { ReadEntry } from 'tar/read-entry';
import type { ByteSink } from '../util/push.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarEntryHeader {
  /** As written in the archive (pax and GNU long names applied), not normalized. */
  name: string;
  type: TarEntryType;
  size: number;
  linkname: string;
}

const BLOCK = 512;

function typeOf(t: ReadEntry['type']): TarEntryType {
  switch (t) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'link';
    default:
      return 'other';
  }
}

/**
 * A synchronous tar reader: every byte written is consumed before `write` returns, so the caller may reuse its
 * buffer for the next read (the daemon's save is read into one reused buffer; nothing piles up for the GC).
 * Headers, pax and GNU long names are node-tar's; this adds two things. Writes reach the parser in whole 512-byte
 * blocks, because node-tar keeps a view of a partial block until the next write. And its warnings about a corrupt
 * or truncated archive are errors here, thrown from the `write` or `end` that met them.
 */
export class TarScanner {
  private readonly parser: Parser;
  private readonly sinks = new WeakMap<ReadEntry, ByteSink>();
  private readonly carry = Buffer.allocUnsafe(BLOCK);
  private carried = 0;
  private failure: Error | null = null;

  /** `onEntry` sees every entry's header in order; it returns a sink when it wants the body (views, valid during each call). */
  constructor(onEntry: (header: TarEntryHeader) => ByteSink | null) {
    this.parser = new Parser({
      // Whether a header is kept is decided here, where node-tar reads it; kept bodies come through 'entry'.
      filter: (_path, entry) => {
        const e = entry as ReadEntry;
        // GNU tar refuses a negative base-256 size ("out of off_t range"); node-tar leaves it unparsed and would
        // read the entry as empty. A size it did read is a number, zero included.
        const size = e.header.size;
        if (typeof size !== 'number' || !(size >= 0)) {
          this.failure ??= new Error(`entry ${JSON.stringify(e.path.slice(0, 100))} has an invalid size field`);
          return false;
        }
        const sink = onEntry({ name: e.path, type: typeOf(e.type), size: e.size, linkname: e.linkpath ?? '' });
        if (sink) this.sinks.set(e, sink);
        return sink !== null;
      },
      onwarn: (code, message, data) => {
        // An all-zero tar (an empty layer) is "unrecognized" to node-tar; whether bytes are a tar at all is decided
        // by the caller from the first block.
        if (code === 'TAR_BAD_ARCHIVE' && /unrecognized/i.test(String(message))) return;
        // Docker writes whiteouts (empty files) with a stray link name, which node-tar refuses and skips. An entry
        // without a body skipped that way leaves the archive in step: it is an entry like any other. With a body,
        // the rest of the archive would be read out of step, so it stays an error.
        const header = (data as { header?: Header }).header;
        if (
          code === 'TAR_ENTRY_INVALID' &&
          header?.path &&
          header.cksumValid &&
          !header.size &&
          /linkpath/.test(String(message))
        ) {
          const sink = onEntry({
            name: header.path,
            type: typeOf(header.type as ReadEntry['type']),
            size: 0,
            linkname: header.linkpath ?? '',
          });
          sink?.end();
          return;
        }
        this.failure ??= new Error(errorText(message));
      },
    });
    this.parser.on('entry', (entry: ReadEntry) => {
      const sink = this.sinks.get(entry);
      if (!sink) return entry.resume();
      entry.on('data', (chunk: Buffer) => sink.write(chunk));
      entry.on('end', () => sink.end());
    });
    this.parser.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  write(chunk: Buffer): void {
    this.check();
    let offset = 0;
    if (this.carried > 0) {
      offset = chunk.copy(this.carry, this.carried, 0, BLOCK - this.carried);
      this.carried += offset;
      if (this.carried < BLOCK) return;
      // The parser consumes the block before write returns, so the carry can be refilled afterwards.
      this.parser.write(this.carry);
      this.carried = 0;
      this.check();
    }
    const whole = offset + Math.floor((chunk.length - offset) / BLOCK) * BLOCK;
    if (whole > offset) this.parser.write(chunk.subarray(offset, whole));
    this.carried = chunk.copy(this.carry, 0, whole);
    this.check();
  }

  end(): void {
    this.check();
    // A tail shorter than a block: zeros are a cut in the end-of-archive blocks, which GNU tar accepts too;
    // anything else is a header cut short (node-tar would take it as the end of an empty archive).
    if (this.carried > 0 && this.carry.subarray(0, this.carried).some((b) => b !== 0))
      throw new Error(`truncated: the tar ends inside a header (${this.carried} bytes of a 512-byte block)`);
    this.parser.end();
    this.carried = 0;
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

function errorText(message: unknown): string {
  return message instanceof Error ? message.message : String(message);
}
