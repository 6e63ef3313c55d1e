import { z } from 'zod';
import type { SourceMap, SourceStep } from '../model/source-map.js';

/**
 * BuildKit's provenance predicate (SLSA v0.2, mode=max) as buildx writes it into `--metadata-file` under
 * `buildx.build.provenance` when BUILDX_METADATA_PROVENANCE=max (buildx 0.14 and later). Only the fields the
 * source map needs are read; every array is bounded, since the Dockerfile it describes is a PR's.
 */
const BUILDKIT_METADATA = 'https://mobyproject.org/buildkit@v1#metadata';
const MAX_STEPS = 20_000;
const MAX_LAYERS = 1_000;
const line = z.number().int().min(1).max(10_000_000);
const Descriptor = z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) });
const Location = z.object({
  sourceIndex: z.number().int().min(0).max(MAX_STEPS).optional(),
  ranges: z
    .array(z.object({ start: z.object({ line }), end: z.object({ line }) }))
    .min(1)
    .max(MAX_LAYERS),
});
const Provenance = z.object({
  buildConfig: z.object({
    llbDefinition: z
      .array(z.object({ id: z.string().max(64), inputs: z.array(z.string().max(64)).max(MAX_STEPS).nullish() }))
      .max(MAX_STEPS),
  }),
  metadata: z.object({
    [BUILDKIT_METADATA]: z.object({
      layers: z.record(z.string().max(64), z.array(z.array(Descriptor).max(MAX_LAYERS)).max(64)),
      source: z.object({
        infos: z.array(z.object({ language: z.string().max(64).optional(), data: z.string() })).max(64),
        locations: z.record(z.string().max(64), z.object({ locations: z.array(Location).max(MAX_STEPS).default([]) })),
      }),
    }),
  }),
});

/**
 * The source map of one build from its provenance; null when there is none or it is not one this reads (min
 * mode has no layers; several Dockerfiles, or none, leave no file the lines are on). Pure.
 */
export function parseSourceMap(provenance: unknown): SourceMap | null {
  const parsed = Provenance.safeParse(provenance);
  if (!parsed.success) return null;
  const meta = parsed.data.metadata[BUILDKIT_METADATA];
  const dockerfiles = meta.source.infos.flatMap((info, i) => (info.language === 'Dockerfile' ? [i] : []));
  if (dockerfiles.length !== 1) return null;
  const index = dockerfiles[0]!;
  const chains = (output: string): string[][] =>
    (Object.hasOwn(meta.layers, output) ? meta.layers[output]! : []).map((c) => c.map((d) => d.digest));
  const steps: SourceStep[] = [];
  for (const op of parsed.data.buildConfig.llbDefinition) {
    const written = Object.hasOwn(meta.source.locations, op.id) ? meta.source.locations[op.id]!.locations : [];
    const places = written
      .filter((l) => (l.sourceIndex ?? 0) === index)
      .map((l) => ({
        start: Math.min(...l.ranges.map((r) => r.start.line)),
        end: Math.max(...l.ranges.map((r) => r.end.line)),
      }));
    const inputs = (op.inputs ?? []).flatMap(chains);
    // An op's outputs are `<id>:<n>`; an image's filesystem is output 0.
    for (const chain of chains(`${op.id}:0`)) steps.push({ chain, inputs, places });
  }
  return { dockerfile: Buffer.from(meta.source.infos[index]!.data, 'base64').toString('utf8'), steps };
}
