import type { ImageReport, LayerReport } from '../../src/model/image-report.js';

/** A report from layer sizes, for the pure compare/render tests. diffIds are derived from the ids given. */
export function report(
  layers: { id: string; size: number; compressed?: number; instruction?: string }[],
  extra: Partial<ImageReport> = {},
): ImageReport {
  const ls: LayerReport[] = layers.map((l, index) => ({
    index,
    diffId: `sha256:${l.id}`,
    digest: null,
    instruction: l.instruction ?? `RUN step ${l.id}`,
    uncompressedBytes: l.size,
    contentBytes: l.size,
    compressedBytes: l.compressed ?? Math.round(l.size / 2),
    compressedIsEstimate: true,
    files: 1,
  }));
  return {
    reference: 'docker-daemon:test',
    source: { transport: 'docker-daemon', store: 'classic' },
    platform: 'linux/amd64',
    configDigest: 'sha256:c',
    user: '',
    created: null,
    layerCount: ls.length,
    uncompressedBytes: ls.reduce((n, l) => n + l.uncompressedBytes!, 0),
    contentBytes: ls.reduce((n, l) => n + l.contentBytes!, 0),
    compressedBytes: ls.reduce((n, l) => n + l.compressedBytes!, 0) + 500,
    compressedIsEstimate: true,
    layers: ls,
    waste: null,
    ...extra,
  };
}
