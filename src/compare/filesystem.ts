import type { ChangedFile, LayerEntries } from '../model/contents.js';

export type { ChangedFile } from '../model/contents.js';
import type { FinalFile } from '../measure/filesystem.js';

/**
 * Files that grew or appeared in head, and files that shrank or disappeared, by size. Contents are not compared
 * (layers are read for their headers only): a file rewritten at the same size is unchanged here.
 */
export function diffFilesystems(
  base: ReadonlyMap<string, FinalFile>,
  head: ReadonlyMap<string, FinalFile>,
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
export function layerFiles(entries: LayerEntries, layer: number): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (const e of entries) if (e.kind === 'file') out.push({ path: e.path, bytes: e.size, layer });
  return out;
}
