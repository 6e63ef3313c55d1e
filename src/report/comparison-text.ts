import type { Comparison } from '../model/comparison.js';
import { filesChangeText } from './files-change.js';
import { findingsText } from './findings.js';
import { packagesText } from './packages.js';
import { formatBytes, formatSignedBytes, formatSignedPercent } from '../util/format.js';

/** `compare` output for a terminal. */
export function renderComparisonText(c: Comparison, names: { base: string; head: string }): string {
  const row = (label: string, b: string, h: string, d: string) =>
    `${label.padEnd(14)}${b.padStart(12)}${h.padStart(12)}  ${d}`;
  const t = (x: Comparison['uncompressed']) =>
    x.delta === null ? 'new' : `${formatSignedBytes(x.delta)} (${formatSignedPercent(x.percent)})`;
  const lines = [
    `Base  ${names.base}`,
    `Head  ${names.head}`,
    '',
    row('', 'base', 'head', 'change'),
    row('Uncompressed', formatBytes(c.uncompressed.base), formatBytes(c.uncompressed.head), t(c.uncompressed)),
    row(
      'Compressed' + (c.compressedIsEstimate ? '*' : ''),
      formatBytes(c.compressed.base),
      formatBytes(c.compressed.head),
      t(c.compressed),
    ),
    row('Layers', String(c.layers.base ?? '—'), String(c.layers.head), ''),
  ];
  if (c.split) {
    lines.push(
      row(
        '  base image',
        formatBytes(c.split.baseImage.base),
        formatBytes(c.split.baseImage.head),
        t(c.split.baseImage),
      ),
    );
    lines.push(row('  own layers', formatBytes(c.split.own.base), formatBytes(c.split.own.head), t(c.split.own)));
  }
  if (c.newToPull !== null)
    lines.push(row('New to pull', '', formatBytes(c.newToPull), '(compressed bytes a host with the base downloads)'));
  lines.push('', 'Layers (largest changes first)');
  const rows = [...c.layerRows].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  for (const r of rows.slice(0, 20)) {
    const idx = r.headIndex === null ? `(${r.baseIndex})` : String(r.headIndex);
    lines.push(
      `  ${idx.padStart(4)}  ${r.status.padEnd(8)} ${formatSignedBytes(r.delta).padStart(10)}  ${r.instruction.slice(0, 90)}`,
    );
  }
  const packages = c.packages ? packagesText(c.packages) : [];
  if (packages.length) lines.push('', ...packages);
  if (c.files) lines.push('', ...filesChangeText(c.files));
  if (c.newFindings && c.newFindings.length > 0)
    lines.push(
      '',
      `How to shrink (${c.base ? 'new or grown in head' : 'all'}, measured savings)`,
      ...findingsText(c.newFindings),
    );
  lines.push('', `Verdict: ${c.verdict.toUpperCase()}${c.approved ? ' (approved)' : ''}`);
  if (c.head.ignored)
    lines.push(
      `Ignored (${c.head.ignored.patterns.join(', ')}): ${c.head.ignored.files} files, ${formatBytes(c.head.ignored.bytes)} left out of waste and of where the change is`,
    );
  if (!c.significant) lines.push('  no significant change: below the min-change threshold, no relative rule applies');
  for (const v of c.violations) lines.push(`  ${v.level === 'fail' ? 'FAIL' : 'WARN'}  ${v.message}`);
  if (c.compressedIsEstimate) lines.push('', '* estimated: what docker push would store with gzip');
  return lines.join('\n') + '\n';
}
