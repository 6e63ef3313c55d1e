import type { ImageContents, LayerEntry } from '../model/contents.js';

/** A path on an image's final filesystem: its size and the layer that last wrote it. */
export interface FinalFile {
  size: number;
  layer: number;
}

function ancestorsOrSelf(path: string): string[] {
  const out = [path];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) out.push(path.slice(0, i));
  return out;
}

/**
 * The filesystem a container sees: layers stacked in order, a whiteout removing a path and everything below it,
 * an opaque directory hiding what lower layers put in it. Directories are left out (they weigh nothing); every
 * other entry is kept with its size (0 for links).
 */
export function finalFilesystem(
  layers: readonly (readonly LayerEntry[])[],
  onReplaced?: (path: string, file: FinalFile, by: number, how: 'deletes' | 'overwrites') => void,
): Map<string, FinalFile> {
  const files = new Map<string, FinalFile>();
  layers.forEach((entries, layer) => {
    // Deletions in a layer apply to the layers below it, whatever their order in the tar.
    const gone = new Set<string>();
    const emptied = new Set<string>();
    for (const e of entries) {
      if (e.kind === 'whiteout') gone.add(e.path);
      else if (e.kind === 'opaque') emptied.add(e.path);
    }
    if (gone.size > 0 || emptied.size > 0) {
      for (const [path, f] of [...files]) {
        const chain = ancestorsOrSelf(path);
        if (chain.some((p) => gone.has(p)) || chain.slice(1).some((p) => emptied.has(p)) || emptied.has('/')) {
          onReplaced?.(path, f, layer, 'deletes');
          files.delete(path);
        }
      }
    }
    for (const e of entries) {
      if (e.kind === 'dir' || e.kind === 'whiteout' || e.kind === 'opaque') continue;
      const before = onReplaced ? files.get(e.path) : undefined;
      if (before && before.layer !== layer) onReplaced!(e.path, before, layer, 'overwrites');
      files.set(e.path, { size: e.size, layer });
    }
  });
  return files;
}

/** A file a later layer deleted or wrote again: the first copy still ships in the image. */
export interface ReplacedFile {
  path: string;
  file: FinalFile;
  by: number;
  how: 'deletes' | 'overwrites';
}

export interface Stacked {
  final: Map<string, FinalFile>;
  /** Replaced files with bytes, in stacking order. */
  replaced: ReplacedFile[];
}

const stackedByContents = new WeakMap<ImageContents, Stacked>();

/**
 * An image's layers stacked once, whoever asks first (the advice or the file-level diff): the pass walks every entry
 * of every layer, so it is kept beside the contents it was computed from.
 */
export function stackContents(contents: ImageContents): Stacked {
  let s = stackedByContents.get(contents);
  if (!s) {
    const replaced: ReplacedFile[] = [];
    const final = finalFilesystem(contents.layers, (path, file, by, how) => {
      if (file.size > 0) replaced.push({ path, file, by, how });
    });
    s = { final, replaced };
    stackedByContents.set(contents, s);
  }
  return s;
}

/** A changed path: bytes (always positive) added or removed, and the layer it is in (head for added, base for removed). */
export interface ChangedFile {
  path: string;
  bytes: number;
  layer: number;
}

/**
 * Files that grew or appeared in head, and files that shrank or disappeared, by size. Contents are not compared
 * (layers are read for their headers only): a file rewritten at the same size is unchanged here.
 */
export function diffFilesystems(
  base: Map<string, FinalFile>,
  head: Map<string, FinalFile>,
): { added: ChangedFile[]; removed: ChangedFile[] } {
  const added: ChangedFile[] = [];
  const removed: ChangedFile[] = [];
  for (const [path, h] of head) {
    const b = base.get(path);
    const delta = h.size - (b?.size ?? 0);
    if (delta > 0 || (!b && h.size === 0)) added.push({ path, bytes: delta, layer: h.layer });
    else if (delta < 0) removed.push({ path, bytes: -delta, layer: b!.layer });
  }
  for (const [path, b] of base) {
    if (!head.has(path)) removed.push({ path, bytes: b.size, layer: b.layer });
  }
  return { added, removed };
}

/** What one layer writes, as changed files (regular files with their sizes). */
export function layerFiles(entries: readonly LayerEntry[], layer: number): ChangedFile[] {
  return entries.filter((e) => e.kind === 'file').map((e) => ({ path: e.path, bytes: e.size, layer }));
}
