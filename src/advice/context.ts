import { stackContents, type FinalFiles, type ReplacedFiles } from '../measure/filesystem.js';
import { imagePackages, type ImagePackages } from '../measure/packages/inventory.js';
import { formatBytes } from '../util/format.js';
import { collectChanges, rollUp, type Changed } from '../util/rollup.js';
import type { ImageContents, LayerEntries } from '../model/contents.js';
import type { Finding } from '../model/finding.js';
import type { ImageReport } from '../model/image-report.js';
import type { DockerfileFacts, DockerfileStage } from './dockerfile.js';

/** Below this a finding is noise (a rewritten dpkg status, a stray cache index): not reported. */
export const MIN_FINDING_BYTES = 1_000_000;

export interface AdviceInput {
  report: ImageReport;
  dockerfile: DockerfileFacts | null;
  /** The build context's .dockerignore: its text, null when there is none, undefined when the context is unknown. */
  dockerignore?: string | null;
  /** Uncompressed sizes of images present on this machine (slim variants), by reference. */
  localSizes?: ReadonlyMap<string, number>;
}

/** What every rule reads, computed once. */
export class ImageFacts {
  readonly layers: readonly LayerEntries[];
  readonly final: FinalFiles;
  /** Files a later layer deleted or wrote again (the first copy still ships), found in the same stacking pass. */
  readonly replaced: ReplacedFiles;
  readonly finalStage: DockerfileStage | null;
  private readonly contents: ImageContents;

  constructor(
    readonly input: AdviceInput,
    contents: ImageContents,
  ) {
    this.contents = contents;
    this.layers = contents.layers;
    ({ final: this.final, replaced: this.replaced } = stackContents(contents));
    this.finalStage = input.dockerfile?.stages.at(-1) ?? null;
  }

  /** A layer's regular-file bytes, as measured (the report's contentBytes). */
  contentBytes(layer: number): number {
    return this.input.report.layers[layer]?.contentBytes ?? 0;
  }

  /** The regular-file bytes of layers 0..count-1: what the FROM image brings. */
  bottomBytes(count: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) total += this.contentBytes(i);
    return total;
  }

  get packages(): ImagePackages {
    return imagePackages(this.contents);
  }

  /**
   * The packages that own these final files (nodes), largest share first: each file counts for the first
   * ecosystem whose package owns it (system packages before language ones).
   */
  owningPackages(nodes: readonly number[]): { name: string; bytes: number }[] {
    const owners = [...this.packages.owners.values()];
    const bytes = new Map<string, number>();
    for (const n of nodes) {
      for (const o of owners) {
        const i = o.owner.at(n);
        if (i === undefined) continue;
        const name = o.packages[i]!.name;
        bytes.set(name, (bytes.get(name) ?? 0) + this.final.sizeAt(n));
        break;
      }
    }
    return [...bytes]
      .map(([name, b]) => ({ name, bytes: b }))
      .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  }

  /** `summarize` of final files (nodes) for a finding: below MIN_FINDING_BYTES, only their bytes. */
  summarizeFinal(nodes: readonly number[]): ReturnType<typeof summarize> {
    const { final } = this;
    return summarize(
      (function* () {
        for (const node of nodes) yield { node, bytes: final.sizeAt(node), layer: final.layerAt(node) };
      })(),
      MIN_FINDING_BYTES,
    );
  }

  instruction(layer: number | null): string | null {
    return layer === null ? null : (this.input.report.layers[layer]?.instruction ?? null);
  }
}

/** "gcc-12 (69.8 MB), cpp-12 (34.6 MB) and 3 more packages", or '' when no package owns them. */
export function namePackages(packages: { name: string; bytes: number }[], limit = 3): string {
  if (packages.length === 0) return '';
  const shown = packages.slice(0, limit).map((p) => `${p.name} (${formatBytes(p.bytes)})`);
  const more = packages.length - limit;
  return more > 0 ? `${shown.join(', ')} and ${more} more package${more === 1 ? '' : 's'}` : shown.join(', ');
}

/**
 * The bytes of these files, the layer that holds most of them and the three lines of "where the bytes went". Under
 * `minBytes` only the bytes are given (no finding is made of them, so no roll-up is made either).
 */
export function summarize(
  files: Iterable<Changed>,
  minBytes = 0,
): {
  bytes: number;
  layer: number | null;
  paths: string[];
} {
  const changes = collectChanges(files);
  const bytes = changes.totalBytes;
  if (changes.count === 0 || bytes < minBytes) return { bytes, layer: null, paths: [] };
  const byLayer = new Map<number, number>();
  for (let i = 0; i < changes.count; i++) {
    const layer = changes.layers[i]!;
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + changes.bytes[i]!);
  }
  const paths = rollUp(changes, 3).groups.map((g) => (g.dir ? `${g.path}/` : g.path));
  const layer = [...byLayer].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  return { bytes, layer, paths };
}

/** History lines carry `# buildkit`, `/bin/sh -c` and redactions; compare instructions on their words. */
function words(s: string): string {
  return s
    .replace(/\s+#\s*buildkit\s*$/, '')
    .replace(/^RUN\s+(\|\d+\s+(\S+=\S*\s+)*)?(\/bin\/sh -c\s+)?/, 'RUN ')
    .replace(/\s+/g, ' ')
    .trim();
}

const NO_LAYER = new Set([
  'ENV',
  'CMD',
  'EXPOSE',
  'USER',
  'LABEL',
  'ENTRYPOINT',
  'ARG',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'SHELL',
  'VOLUME',
  'ONBUILD',
  'MAINTAINER',
]);

/**
 * How many layers the final stage's FROM image brings: the stage's own layers are matched from the top of the
 * image down against its instructions (WORKDIR may or may not have made a layer), and the rest are the base's.
 */
export function baseLayerCount(facts: ImageFacts): number | null {
  const stage = facts.finalStage;
  if (!stage) return null;
  let i = facts.input.report.layers.length - 1;
  for (const ins of [...stage.instructions].reverse()) {
    if (NO_LAYER.has(ins.keyword)) continue;
    const layer = facts.input.report.layers[i];
    const expected = words(`${ins.keyword} ${ins.args}`);
    const actual = layer ? words(layer.instruction) : '';
    const same =
      actual === expected ||
      actual.startsWith(expected.slice(0, 40)) ||
      (ins.keyword !== 'RUN' && actual.startsWith(ins.keyword));
    if (same) i -= 1;
    else if (ins.keyword !== 'WORKDIR') return null; // the image does not come from this Dockerfile as read
  }
  return i + 1;
}

export type Rule = (facts: ImageFacts) => Finding[];
