import type { Trend } from '../model/history.js';
import { code, text } from './escape.js';
import { formatBytes, formatSignedBytes } from './format-md.js';
import * as plain from '../util/format.js';

/** Mermaid reads the block as its own language: only characters with no meaning there reach it. */
function mermaidText(s: string): string {
  return s.replace(/[^A-Za-z0-9 _./:()-]/g, '_').slice(0, 80);
}

/** Megabytes with six decimals: the bytes exactly, so the chart can be read back to the records. */
const mb = (bytes: number) => (bytes / 1e6).toFixed(6);

/**
 * The trend as a Mermaid `xychart-beta` block (GitHub renders it as a chart): the base branch's records, oldest
 * first, then this PR's image. X labels are short commits; values are uncompressed MB.
 */
export function trendMermaid(t: Trend): string {
  const labels = t.records.map((r) => `"${r.commit.slice(0, 7)}"`);
  const values = t.records.map((r) => mb(r.uncompressed));
  if (t.pr) {
    labels.push('"PR"');
    values.push(mb(t.pr.uncompressed));
  }
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${mermaidText(`${t.image} (${t.platform})`)}, uncompressed MB"`,
    `  x-axis [${labels.join(', ')}]`,
    '  y-axis "MB"',
    `  line [${values.join(', ')}]`,
    '```',
  ].join('\n');
}

/** The trend in words, so the comment reads without the chart too. */
export function trendWords(t: Trend, baseLabel: string): string {
  const first = t.records[0];
  const last = t.records.at(-1);
  if (!first || !last) {
    return `No size history for ${code(baseLabel)} yet: run this action on pushes to ${code(baseLabel)} (with \`contents: write\`) and each push adds a point (docs/action.md "History and trends").`;
  }
  const over = t.records.length === 1 ? 'one build' : `the last ${t.records.length} builds`;
  const parts = [
    `${text(t.image)} on ${code(baseLabel)}: ${formatBytes(first.uncompressed)} (${code(first.commit.slice(0, 7))}, ${first.date.slice(0, 10)}) → ${formatBytes(last.uncompressed)} (${code(last.commit.slice(0, 7))}, ${last.date.slice(0, 10)}) over ${over}, ${formatSignedBytes(last.uncompressed - first.uncompressed)}`,
  ];
  if (t.pr)
    parts.push(
      `this PR: ${formatBytes(t.pr.uncompressed)}, ${formatSignedBytes(t.pr.uncompressed - last.uncompressed)} against the last build`,
    );
  return parts.join('; ') + '.';
}

export function trendMarkdown(t: Trend, baseLabel: string): string {
  const words = trendWords(t, baseLabel);
  return t.records.length === 0 ? words : `${words}\n\n${trendMermaid(t)}`;
}

/** A terminal chart: one bar per record, scaled to the largest. */
export function trendText(t: Trend, width = 40): string[] {
  const points = [
    ...t.records.map((r) => ({ label: `${r.date.slice(0, 10)} ${r.commit.slice(0, 7)}`, bytes: r.uncompressed })),
    ...(t.pr ? [{ label: 'this PR           ', bytes: t.pr.uncompressed }] : []),
  ];
  if (points.length === 0) return [`${t.image} (${t.platform}): no history yet`];
  const max = Math.max(...points.map((p) => p.bytes), 1);
  return [
    `${t.image} (${t.platform}), uncompressed`,
    ...points.map(
      (p) =>
        `  ${p.label}  ${plain.formatBytes(p.bytes).padStart(10)}  ${'█'.repeat(Math.max(1, Math.round((p.bytes / max) * width)))}`,
    ),
  ];
}
