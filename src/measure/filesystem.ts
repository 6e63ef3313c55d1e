import type { ImageContents, LayerEntry } from '../model/contents.js';

/** A path on an image's final filesystem: its size and the layer that last wrote it. */
export interface FinalFile {
  size: number;
  layer: number;
  /** Set for a symlink: where it points, as stored. */
  target?: string;
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
      files.set(e.path, e.target === undefined ? { size: e.size, layer } : { size: 0, layer, target: e.target });
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
