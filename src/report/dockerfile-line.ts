import type { DockerfileLine, LayerReport } from '../model/image-report.js';

/** "L12", "L11–12", "L5 (FROM)", or "?" where the line could not be told. Pure. */
export function lineLabel(d: DockerfileLine | null | undefined): string {
  if (!d) return '?';
  const range = d.startLine === d.endLine ? `L${d.startLine}` : `L${d.startLine}–${d.endLine}`;
  return d.found === 'from' ? `${range} (FROM)` : range;
}

/** Whether the layers were matched to a Dockerfile at all (a Line column is worth showing). */
export function hasLines(layers: readonly LayerReport[]): boolean {
  return layers.some((l) => l.dockerfile !== undefined);
}
