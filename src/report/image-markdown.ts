import { findingsMarkdown } from './findings.js';
import { inventoryMarkdown } from './packages.js';
import { markdownTable } from 'markdown-table';
import type { ImageReport } from '../model/image-report.js';
import { code, text } from './escape.js';
import { hasLines, lineLabel } from './dockerfile-line.js';
import { formatBytes, formatPercent } from './format-md.js';

export function renderImageMarkdown(r: ImageReport): string {
  const est = r.compressedIsEstimate ? ' (estimated)' : '';
  const summary = markdownTable(
    [
      ['Image', 'Platform', 'Uncompressed', 'Compressed', 'Layers'],
      [
        code(r.reference),
        text(r.platform),
        formatBytes(r.uncompressedBytes),
        formatBytes(r.compressedBytes) + est,
        String(r.layerCount),
      ],
    ],
    { align: ['l', 'l', 'r', 'r', 'r'] },
  );
  const lines = hasLines(r.layers);
  const layers = markdownTable(
    [
      ['#', 'Instruction', ...(lines ? ['Line'] : []), 'Uncompressed', 'Compressed', 'Files'],
      ...r.layers.map((l) => [
        String(l.index),
        code(l.instruction),
        ...(lines ? [text(lineLabel(l.dockerfile))] : []),
        formatBytes(l.uncompressedBytes),
        formatBytes(l.compressedBytes) + (l.compressedIsEstimate ? '*' : ''),
        l.files === null ? '—' : String(l.files),
      ]),
    ],
    { align: ['r', 'l', ...(lines ? ['l' as const] : []), 'r', 'r', 'r'] },
  );
  const parts = [
    `### 🐳 ${code(r.reference)}`,
    '',
    summary,
    '',
    '<details><summary>Layers</summary>',
    '',
    layers,
    '',
    '</details>',
  ];
  if (r.waste) {
    parts.push(
      '',
      `Waste (dive's definitions): ${formatBytes(r.waste.wastedBytes)} wasted, efficiency ${formatPercent(r.waste.efficiency, 2)}`,
    );
  }
  const packages = r.packages ? inventoryMarkdown(r.packages) : null;
  if (packages) parts.push('', '<details><summary>Packages (largest first)</summary>', '', packages, '', '</details>');
  if (r.findings && r.findings.length > 0) {
    parts.push(
      '',
      '<details><summary>How to shrink (measured)</summary>',
      '',
      findingsMarkdown(r.findings),
      '',
      '</details>',
    );
  }
  return parts.join('\n') + '\n';
}
