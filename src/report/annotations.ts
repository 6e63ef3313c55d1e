import { bytesIn } from '../compare/match.js';
import type { Comparison } from '../model/comparison.js';
import type { DockerfileLine } from '../model/image-report.js';
import { clip, formatBytes, formatSignedBytes } from '../util/format.js';

/** GitHub shows at most 10 annotations of each level per step; the rest would be dropped without a word. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** A check annotation on the Dockerfile lines that made a change (core.warning / core.error with a file). */
export interface LineAnnotation {
  level: 'error' | 'warning';
  file: string;
  startLine: number;
  endLine: number;
  title: string;
  message: string;
  /** What orders them: the bytes the layer added, or the finding's saving. */
  bytes: number;
  kind: 'layer' | 'finding';
}

export interface Annotations {
  shown: LineAnnotation[];
  /** What did not fit GitHub's limit, for the comment to say: how many, and the layer growth among them. */
  notShown: { count: number; bytes: number };
}

interface Judged {
  name: string;
  platform: string;
  comparison: Comparison;
}

/**
 * The annotations of a build run, decided from the numbers (text is redacted by the caller, at the sink): each
 * layer that is new or grew by at least `min-change` (1 byte without one), on its own Dockerfile lines, as an
 * error where the image failed a rule and a warning otherwise; each new finding on its layer's lines, as a
 * warning. Layers without a known line are not annotated. The largest first, ANNOTATIONS_PER_LEVEL of each level.
 * Pure.
 */
export function lineAnnotations(entries: readonly Judged[]): Annotations {
  const all: LineAnnotation[] = [];
  const several = entries.length > 1;
  for (const e of entries) {
    const c = e.comparison;
    const who = several ? `${e.name} (${e.platform}): ` : '';
    const failed = c.verdict === 'fail' && !c.approved;
    const floor = Math.max(1, c.rules.minChange ?? 1);
    const lineOf = (index: number | null): DockerfileLine | null =>
      index === null ? null : (c.head.layers[index]?.dockerfile ?? null);
    for (const row of c.layerRows) {
      if ((row.status !== 'new' && row.status !== 'changed') || row.delta < floor) continue;
      const line = lineOf(row.headIndex);
      if (!line) continue;
      const metric = c.rules.metric;
      const before = row.base ? formatBytes(bytesIn(row.base, metric)) : null;
      const after = row.head ? formatBytes(bytesIn(row.head, metric)) : '—';
      all.push({
        level: failed ? 'error' : 'warning',
        file: line.file,
        startLine: line.startLine,
        endLine: line.endLine,
        title:
          `${who}${formatSignedBytes(row.delta)}: ` +
          `${line.found === 'from' ? 'a layer of the base image' : clip(row.instruction, 80)} (layer PR ${row.headIndex})`,
        message:
          `${who}layer ${row.headIndex} ${row.status === 'new' ? `is new: ${after}` : `grew ${before} → ${after}`} ` +
          `(${metric})` +
          (failed ? '; the image failed a size rule' : ''),
        bytes: row.delta,
        kind: 'layer',
      });
    }
    for (const f of c.newFindings ?? []) {
      const line = lineOf(f.layer);
      if (!line) continue;
      all.push({
        level: 'warning',
        file: line.file,
        startLine: line.startLine,
        endLine: line.endLine,
        title: `${who}${f.estimate ? '~' : ''}${formatBytes(f.bytes)} to win back: ${clip(f.message, 80)}`,
        message: f.fix,
        bytes: f.bytes,
        kind: 'finding',
      });
    }
  }
  const shown: LineAnnotation[] = [];
  let count = 0;
  let bytes = 0;
  for (const level of ['error', 'warning'] as const) {
    const of = all.filter((a) => a.level === level).sort((a, b) => b.bytes - a.bytes);
    shown.push(...of.slice(0, ANNOTATIONS_PER_LEVEL));
    for (const a of of.slice(ANNOTATIONS_PER_LEVEL)) {
      count++;
      if (a.kind === 'layer') bytes += a.bytes;
    }
  }
  return { shown, notShown: { count, bytes } };
}

/** The comment's line for what GitHub's limit left out. Pure. */
export function notShownLine(n: Annotations['notShown']): string | null {
  if (n.count === 0) return null;
  return (
    `_${n.count} more annotation${n.count === 1 ? '' : 's'} on Dockerfile lines (layers that grew by ${formatSignedBytes(n.bytes)} in all) ` +
    `are not annotated: GitHub shows ${ANNOTATIONS_PER_LEVEL} annotations of each level per step._`
  );
}
