import { ImageContents, type LayerEntries } from '../model/contents.js';
import type { ImageReport, LayerReport } from '../model/image-report.js';
import type { ResolvedImage } from '../sources/layout.js';
import { formatPlatform } from '../sources/platform.js';
import { instructionsForLayers } from './history.js';
import { imagePackages } from './packages/inventory.js';
import type { LayerStats } from './layer.js';
import { computeWaste } from './waste.js';

export interface MeasureInput {
  reference: string;
  source: ImageReport['source'];
  image: ResolvedImage;
  /** Stats per layer, in layer order; null where only the manifest was read (registry metadata). */
  stats: (LayerStats | null)[];
}

/** What a pull downloads: the config, and each distinct blob once; null when a blob's size is unknown. */
function pullSize(
  configSize: number,
  layers: Pick<LayerReport, 'digest' | 'diffId' | 'compressedBytes'>[],
): number | null {
  const seen = new Set<string>();
  let total = configSize;
  for (const l of layers) {
    const key = l.digest ?? l.diffId;
    if (seen.has(key)) continue;
    seen.add(key);
    if (l.compressedBytes === null) return null;
    total += l.compressedBytes;
  }
  return total;
}

function sumOrNull(values: (number | null)[]): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}

function layerReport(input: MeasureInput, i: number, instruction: string): LayerReport {
  const layer = input.image.layers[i]!;
  const stats = input.stats[i] ?? null;
  const descriptor = layer.descriptor;
  // A compressed blob is what a registry stores: its size is exact. An uncompressed one is estimated.
  const storedCompressed = stats
    ? stats.compression !== 'none'
    : !!descriptor && !/\.tar$/.test(descriptor.mediaType ?? '');
  let compressedBytes: number | null;
  let compressedIsEstimate = false;
  if (storedCompressed) {
    compressedBytes = stats?.blobBytes ?? descriptor?.size ?? null;
  } else {
    compressedBytes = stats?.estimatedGzipBytes ?? null;
    compressedIsEstimate = compressedBytes !== null;
  }
  const uncompressedFromDescriptor = descriptor && /\.tar$/.test(descriptor.mediaType ?? '') ? descriptor.size : null;
  return {
    index: i,
    diffId: layer.diffId,
    digest: storedCompressed ? (descriptor?.digest ?? null) : null,
    instruction,
    uncompressedBytes: stats?.uncompressedBytes ?? uncompressedFromDescriptor,
    contentBytes: stats?.filesParsed ? stats.contentBytes : null,
    compressedBytes,
    compressedIsEstimate,
    files: stats?.filesParsed ? stats.files : null,
  };
}

/** Turns a resolved image and its layer stats into the report: totals, per-layer numbers and waste. */
export function buildImageReport(input: MeasureInput, withWaste: boolean): ImageReport {
  const { image } = input;
  const instructions = instructionsForLayers(image.config.history, image.layers.length);
  const layers = image.layers.map((_, i) => layerReport(input, i, instructions[i]!));

  const compressed = pullSize(image.configSize, layers);

  const entries = input.stats.map((s) => s?.entries ?? null);
  const complete = entries.every((e): e is LayerEntries => e !== null) ? entries : null;
  const waste =
    withWaste && complete
      ? computeWaste(
          complete,
          layers.map((l) => l.contentBytes ?? 0),
        )
      : null;

  const contents = complete
    ? new ImageContents(
        complete,
        input.stats.map((s) => s?.captured ?? []),
      )
    : null;
  return {
    reference: input.reference,
    source: input.source,
    platform: formatPlatform(image.platform),
    configDigest: image.configDigest,
    user: image.config.config?.User ?? '',
    created: image.config.created ?? null,
    layerCount: layers.length,
    uncompressedBytes: sumOrNull(layers.map((l) => l.uncompressedBytes)),
    contentBytes: sumOrNull(layers.map((l) => l.contentBytes)),
    compressedBytes: compressed,
    compressedIsEstimate: layers.some((l) => l.compressedIsEstimate),
    layers,
    waste,
    ...(contents ? { packages: imagePackages(contents).inventory, contents } : {}),
  };
}
