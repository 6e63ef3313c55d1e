import type { LayerEntries } from './layer-entries.js';

export { LayerEntries, type EntryKind, type LayerEntry } from './layer-entries.js';

/** A changed path: bytes (always positive) added or removed, and the layer it is in (head for added, base for removed). */
export interface ChangedFile {
  path: string;
  bytes: number;
  layer: number;
}

/** The body of a small metadata file a package database keeps (docs/measuring.md "Packages"), as one layer wrote it. */
export interface CapturedFile {
  path: string;
  /** Null when the file was larger than its limit (`size` says how large): the reader names it and skips. */
  body: Buffer | null;
  size: number;
}

/**
 * Every layer's entries, kept in memory beside a report for the file-level diff and the advice, and left out of
 * its JSON (a large image has hundreds of thousands of entries): `toJSON` drops it.
 */
export class ImageContents {
  constructor(
    readonly layers: readonly LayerEntries[],
    /** Per layer, the package-database files it wrote (captured in the same pass). */
    readonly captured: readonly (readonly CapturedFile[])[] = layers.map(() => []),
  ) {}

  toJSON(): undefined {
    return undefined;
  }
}
