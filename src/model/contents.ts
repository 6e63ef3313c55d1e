export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other' | 'whiteout' | 'opaque';

/** One tar entry of a layer. Paths are absolute, without a trailing slash; size is a regular file's length. */
export interface LayerEntry {
  path: string;
  kind: EntryKind;
  size: number;
}

/**
 * Every layer's entries, kept in memory beside a report for the file-level diff and the advice, and left out of
 * its JSON (a large image has hundreds of thousands of entries): `toJSON` drops it.
 */
export class ImageContents {
  constructor(readonly layers: readonly (readonly LayerEntry[])[]) {}

  toJSON(): undefined {
    return undefined;
  }
}
