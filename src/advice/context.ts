import { stackContents, type FinalFile, type ReplacedFiles } from '../measure/filesystem.js';
import { imagePackages, type ImagePackages } from '../measure/packages/inventory.js';
import { formatBytes } from '../util/format.js';
import { rollUp, type Changed } from '../util/rollup.js';
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
  readonly final: ReadonlyMap<string, FinalFile>;
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
   * The packages that own these files, largest share first: each file counts for the first ecosystem whose
   * package owns it (system packages before language ones).
   */
  owningPackages(files: readonly { path: string; bytes: number }[]): { name: string; bytes: number }[] {
    const owners = [...this.packages.owners.values()];
    const bytes = new Map<string, number>();
    for (const f of files) {
      for (const o of owners) {
        const i = o.owner.get(f.path);
        if (i === undefined) continue;
        const name = o.packages[i]!.name;
        bytes.set(name, (bytes.get(name) ?? 0) + f.bytes);
        break;
      }
    }
    return [...bytes]
      .map(([name, b]) => ({ name, bytes: b }))
      .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
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

export function summarize(files: Iterable<Changed>): {
  bytes: number;
  layer: number | null;
  paths: string[];
} {
  let bytes = 0;
  const byLayer = new Map<number, number>();
  // One pass: the files may be a generator over typed arrays.
  function* counted() {
    for (const f of files) {
      bytes += f.bytes;
      byLayer.set(f.layer, (byLayer.get(f.layer) ?? 0) + f.bytes);
      yield f;
    }
  }
  const paths = rollUp(counted(), 3).groups.map((g) => (g.dir ? `${g.path}/` : g.path));
  const layer = [...byLayer].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
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
