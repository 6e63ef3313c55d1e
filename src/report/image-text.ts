import { hasLines, lineLabel } from './dockerfile-line.js';
import { findingsText } from './findings.js';
import { inventoryText } from './packages.js';
import type { ImageReport } from '../model/image-report.js';
import { formatBytes, formatPercent, clip } from '../util/format.js';

function pad(rows: string[][], right: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => {
        const fill = ' '.repeat(widths[c]! - [...cell].length);
        return right[c] ? fill + cell : c === r.length - 1 ? cell : cell + fill;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The `measure` report for a terminal: a summary, then one row per layer. */
export function renderImageText(r: ImageReport): string {
  const est = r.compressedIsEstimate ? ' (estimated, gzip)' : '';
  const store = r.source.store ? `, ${r.source.store} store` : '';
  const lines = [
    `Image         ${r.reference} (${r.platform}${store})`,
    `Config        ${r.configDigest}`,
    `Uncompressed  ${formatBytes(r.uncompressedBytes)}   (layer tars)`,
    `Compressed    ${formatBytes(r.compressedBytes)}${est}   (pull size)`,
    `Content       ${formatBytes(r.contentBytes)}   (file bytes)`,
    `Layers        ${r.layerCount}`,
    `User          ${r.user || 'root (no USER)'}`,
  ];
  if (r.waste) {
    const pct =
      r.waste.userWastedPercent === null ? '' : `, ${formatPercent(r.waste.userWastedPercent)} of user layers`;
    lines.push(
      `Waste         ${formatBytes(r.waste.wastedBytes)}${pct}; efficiency ${formatPercent(r.waste.efficiency, 2)} (dive's definitions)`,
    );
  }
  const withLines = hasLines(r.layers);
  const rows = [['#', 'Uncompressed', 'Compressed', 'Files', ...(withLines ? ['Line'] : []), 'Instruction']];
  for (const l of r.layers) {
    rows.push([
      String(l.index),
      formatBytes(l.uncompressedBytes),
      formatBytes(l.compressedBytes) + (l.compressedIsEstimate ? '*' : ''),
      l.files === null ? '—' : String(l.files),
      ...(withLines ? [lineLabel(l.dockerfile)] : []),
      clip(l.instruction, 100),
    ]);
  }
  lines.push('', ...pad(rows, [true, true, true, true, ...(withLines ? [false] : []), false]));
  const file = r.layers.find((l) => l.dockerfile)?.dockerfile?.file;
  if (file) lines.push('', `Line: of ${file}; ? where the history and the Dockerfile do not agree`);
  if (r.compressedIsEstimate) lines.push('', '* estimated: what docker push would store with gzip');
  if (r.waste && r.waste.files.length > 0) {
    const wrows = [['Count', 'Wasted', 'Path']];
    for (const f of r.waste.files.slice(0, 10)) wrows.push([String(f.count), formatBytes(f.wastedBytes), f.path]);
    lines.push('', `Inefficient files (top ${Math.min(10, r.waste.files.length)} of ${r.waste.fileCount})`);
    lines.push(...pad(wrows, [true, true, false]));
  }
  if (r.ignored)
    lines.push(
      '',
      `Ignored       ${r.ignored.patterns.join(', ')}: ${r.ignored.files} files, ${formatBytes(r.ignored.bytes)} left out of the waste numbers`,
    );
  if (r.packages) lines.push('', ...inventoryText(r.packages));
  if (r.findings && r.findings.length > 0)
    lines.push('', 'How to shrink (measured savings, uncompressed)', ...findingsText(r.findings));
  return lines.join('\n') + '\n';
}
