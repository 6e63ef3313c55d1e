import { markdownTable } from 'markdown-table';
import type { FilesChange, PathLine } from '../model/comparison.js';
import { code } from './escape.js';
import { formatSignedBytes, layerName } from './format-md.js';
import * as plain from '../util/format.js';

const COMPACT = { alignDelimiters: false } as const;

type Signed = PathLine & { sign: 1 | -1 };

/** A comment's share of the per-layer lists (the JSON report has every line). */
const MAX_LAYERS = 20;
const PATHS_PER_LAYER = 8;

/** Added and removed lines together, largest first: the reader wants the biggest movements, whichever way. */
function merged(f: FilesChange, limit: number): Signed[] {
  return [
    ...f.added.lines.map((l) => ({ ...l, sign: 1 as const })),
    ...f.removed.lines.map((l) => ({ ...l, sign: -1 as const })),
  ]
    .filter((l) => l.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

const shownPath = (l: PathLine) => (l.dir ? `${l.path}/` : l.path);
const files = (l: PathLine) => (l.dir ? `${l.files} files` : '');
/** Head layers by index, base layers in parentheses (in the terminal's layer list). */
const layerOf = (l: Signed) => (l.sign > 0 ? String(l.layer) : `(${l.layer})`);

export function filesChangeMarkdown(f: FilesChange): string | null {
  const lines = merged(f, 15);
  if (lines.length === 0) return null;
  const parts = [
    `Final filesystem: ${formatSignedBytes(f.added.bytes)} in ${f.added.files} new or larger files, ${formatSignedBytes(-f.removed.bytes)} in ${f.removed.files} removed or smaller.`,
    '',
    markdownTable(
      [
        // The layer table carries each layer's instruction once; here the layer is named, as it names it.
        ['Path', 'Change', 'Files', 'Layer'],
        ...lines.map((l) => [
          code(shownPath(l)),
          formatSignedBytes(l.sign * l.bytes),
          files(l),
          layerName(l.sign > 0 ? 'head' : 'base', l.layer),
        ]),
      ],
      { align: ['l', 'r', 'r', 'l'], ...COMPACT },
    ),
  ];
  const layers = f.layers.filter((l) => l.lines.length > 0);
  for (const layer of layers.slice(0, MAX_LAYERS)) {
    const shown = layer.lines.slice(0, PATHS_PER_LAYER);
    const more = layer.lines.length - shown.length;
    const what =
      shown.map((l) => `${code(shownPath(l))} ${formatSignedBytes(l.bytes)}`).join(' · ') +
      (more > 0 ? ` · and ${more} more` : '');
    parts.push(
      '',
      `- Layer ${layer.headIndex} ${code(layer.instruction, 80)} (${layer.status}, ${formatSignedBytes(layer.bytes)} written): ${what}`,
    );
  }
  if (layers.length > MAX_LAYERS) parts.push('', `- and ${layers.length - MAX_LAYERS} more grown layers`);
  return parts.join('\n');
}

export function filesChangeText(f: FilesChange): string[] {
  const out = [
    `Where the change is (final filesystem: ${plain.formatSignedBytes(f.added.bytes)} in ${f.added.files} files added or grown, ${plain.formatSignedBytes(-f.removed.bytes)} in ${f.removed.files} removed or shrunk)`,
  ];
  for (const l of merged(f, 15)) {
    out.push(
      `  ${plain.formatSignedBytes(l.sign * l.bytes).padStart(10)}  ${shownPath(l)}${l.dir ? ` (${l.files} files)` : ''}  [layer ${layerOf(l)}: ${l.instruction.slice(0, 60)}]`,
    );
  }
  for (const layer of f.layers) {
    if (layer.lines.length === 0) continue;
    out.push(
      `  layer ${layer.headIndex} (${layer.status}, ${plain.formatBytes(layer.bytes)} written): ${layer.instruction.slice(0, 70)}`,
    );
    for (const l of layer.lines)
      out.push(
        `      ${plain.formatSignedBytes(l.bytes).padStart(10)}  ${shownPath(l)}${l.dir ? ` (${l.files} files)` : ''}`,
      );
  }
  return out;
}
