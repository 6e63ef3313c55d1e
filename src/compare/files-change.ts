import type { LayerEntries } from '../model/contents.js';
import type { FilesChange, LayerRow, PathLines, PathLine } from '../model/comparison.js';
import type { ImageReport } from '../model/image-report.js';
import { stackContents, type FinalFile } from '../measure/filesystem.js';
import { pathMatcher } from '../measure/ignore.js';
import { diffFilesystems, layerFiles, type ChangedFile } from './filesystem.js';
import { rollUp } from '../util/rollup.js';

/** Lines per list: enough to account for most of a change, few enough to read. */
export const PATH_LINES = 10;
export const LAYER_PATH_LINES = 5;
/** Grown layers explained, largest growth first. */
export const EXPLAINED_LAYERS = 5;

function lines(changes: ChangedFile[], limit: number, report: ImageReport): PathLines {
  const { groups, rest } = rollUp(changes, limit);
  const withInstruction: PathLine[] = groups.map((g) => ({
    ...g,
    instruction: report.layers[g.layer]?.instruction ?? '',
  }));
  return {
    lines: withInstruction,
    files: changes.length,
    bytes: changes.reduce((sum, c) => sum + c.bytes, 0),
    rest,
  };
}

function asMap(entries: LayerEntries, layer: number): Map<string, FinalFile> {
  return new Map(layerFiles(entries, layer).map((f) => [f.path, { size: f.bytes, layer }]));
}

/**
 * Where a change is, down to the files: what the head's final filesystem gained and lost against the base's,
 * rolled up into directories, and for each grown layer what it writes beyond its matched base layer. Null when
 * either image was measured without its files (a registry image read for metadata only, a report from JSON).
 */
export function filesChange(base: ImageReport | null, head: ImageReport, rows: LayerRow[]): FilesChange | null {
  if (!base?.contents || !head.contents) return null;
  const baseLayers = base.contents.layers;
  const headLayers = head.contents.layers;
  const diff = diffFilesystems(stackContents(base.contents).final, stackContents(head.contents).final);
  // The paths the user ignores (either side's globs) are left out of where the bytes are.
  const match = pathMatcher([...new Set([...(base.ignored?.patterns ?? []), ...(head.ignored?.patterns ?? [])])]);
  const kept = (files: ChangedFile[]) => (match ? files.filter((f) => !match(f.path)) : files);
  const added = kept(diff.added);
  const removed = kept(diff.removed);

  const grown = rows
    .filter((r) => r.headIndex !== null && r.delta > 0 && (r.status === 'new' || r.status === 'changed'))
    .sort((a, b) => b.delta - a.delta)
    .slice(0, EXPLAINED_LAYERS);
  const layers = grown.map((r) => {
    const i = r.headIndex!;
    const own = asMap(headLayers[i]!, i);
    const matched = r.baseIndex !== null ? asMap(baseLayers[r.baseIndex]!, r.baseIndex) : new Map<string, FinalFile>();
    return {
      headIndex: i,
      status: r.status,
      instruction: r.instruction,
      ...lines(kept(diffFilesystems(matched, own).added), LAYER_PATH_LINES, head),
    };
  });

  return {
    added: lines(added, PATH_LINES, head),
    removed: lines(removed, PATH_LINES, base),
    layers,
  };
}
